import * as assert from "node:assert/strict";
import { UNKNOWN } from "../../../provider/inputs";
import {
    changedProperties,
    createBody,
    deploymentBody,
    diffAgent,
    differsFromSent,
    mustForce,
    updateBody,
} from "../../../provider/agent/diff";
import type { FoundAgent } from "../../../provider/agent/diff";
import type { AgentInputs, AgentOutputs } from "../../../provider/agent/types";

const base: AgentInputs = {
    name: "voice",
    image: "registry.example/voice:1",
    secretSet: "voice-secrets",
    secretSetRevision: "r1",
    imagePullSecretSet: "registry",
    imagePullSecretSetRevision: "p1",
    autoScaling: { minAgents: 0, maxAgents: 50 },
    agentProfile: "agent-1x",
    maxSessionDuration: 7200,
};
/** An agent that binds no set. */
const plain: AgentInputs = {
    name: "voice",
    image: "registry.example/voice:1",
    autoScaling: { minAgents: 0, maxAgents: 50 },
    agentProfile: "agent-1x",
    maxSessionDuration: 7200,
};
const deployed: AgentOutputs = { ...base, region: "us-west", deploymentId: "d1", ready: true, available: true };

describe("agent diff", () => {
    it("plans a redeploy, not a replacement, when its Build resource makes a new build (unknown in a preview); its region alone is bookkeeping", () => {
        const fromBuild: AgentOutputs = {
            ...plain,
            image: undefined as never,
            buildId: "11111111-0000-4000-8000-000000000000",
            buildRegion: "us-west",
            region: "us-west",
            deploymentId: "d1",
            ready: true,
            available: true,
        };
        const { image: _image, ...declared } = fromBuild;
        assert.deepEqual(diffAgent(fromBuild, { ...declared, buildId: UNKNOWN }), {
            changes: true,
            replaces: [],
            deleteBeforeReplace: true,
        });
        assert.deepEqual(updateBody(fromBuild, { ...declared, buildId: "22222222-0000-4000-8000-000000000000" }, false), {
            buildId: "22222222-0000-4000-8000-000000000000",
            autoScaling: { minAgents: 0, maxAgents: 50 },
            agentProfile: "agent-1x",
            maxSessionDuration: 7200,
        });
        assert.equal(diffAgent(fromBuild, { ...declared, buildRegion: "us-east" }).changes, false);
    });

    it("sees no change when the declared agent is what runs", () => {
        assert.deepEqual(diffAgent(deployed, base), { changes: false, replaces: [], deleteBeforeReplace: true });
    });

    it("updates for a new image, scaling or binding, and for drift that refresh read back", () => {
        assert.equal(diffAgent(deployed, { ...base, image: "registry.example/voice:2" }).changes, true);
        assert.equal(diffAgent(deployed, { ...base, autoScaling: { minAgents: 1, maxAgents: 50 } }).changes, true);
        assert.equal(diffAgent(deployed, { ...base, secretSet: "other-secrets" }).changes, true);
        // The program did not change; the dashboard did.
        assert.equal(diffAgent({ ...deployed, image: "registry.example/hotfix:9" }, base).changes, true);
        assert.equal(diffAgent({ ...deployed, autoScaling: { minAgents: 3, maxAgents: 3 } }, base).changes, true);
        const unbound: Partial<AgentOutputs> = { ...deployed };
        delete (unbound as { secretSet?: string }).secretSet;
        assert.deepEqual(diffAgent(unbound, base).replaces, []);
        assert.equal(diffAgent(unbound, base).changes, true);
    });

    it("updates, and forces the redeploy, when a bound set's revision is new or still unknown in a preview", () => {
        for (const revision of ["r2", UNKNOWN]) {
            const news = { ...base, secretSetRevision: revision };
            assert.deepEqual(diffAgent(deployed, news), { changes: true, replaces: [], deleteBeforeReplace: true });
            assert.equal(mustForce(deployed, news), true);
        }
        assert.equal(mustForce(deployed, { ...base, imagePullSecretSetRevision: "p2" }), true);
    });

    it("does not force a redeploy for a change of scaling or image, or when the binding itself changed", () => {
        assert.equal(mustForce(deployed, { ...base, autoScaling: { minAgents: 2, maxAgents: 5 } }), false);
        assert.equal(mustForce(deployed, { ...base, image: "registry.example/voice:2" }), false);
        assert.equal(
            mustForce(deployed, { ...base, secretSet: "other", secretSetRevision: "x9" }),
            false,
            "a new set is a new deployment anyway",
        );
        const byName: AgentInputs = { ...base };
        delete (byName as { secretSetRevision?: string }).secretSetRevision;
        assert.equal(mustForce(deployed, byName), false, "a set given by name carries no revision");
    });

    it("replaces for a new name, a newly declared region, or an unbound set, deleting first only under the same name", () => {
        assert.deepEqual(diffAgent(deployed, { ...base, name: "voice-2" }), {
            changes: true,
            replaces: ["name"],
            deleteBeforeReplace: false,
        });
        assert.deepEqual(diffAgent(deployed, { ...base, region: "eu-central" }), {
            changes: true,
            replaces: ["region"],
            deleteBeforeReplace: true,
        });
        assert.deepEqual(diffAgent(deployed, { ...base, region: "us-west" }).replaces, []);
        const noSet: AgentInputs = { ...base };
        delete (noSet as { secretSet?: string }).secretSet;
        delete (noSet as { secretSetRevision?: string }).secretSetRevision;
        assert.deepEqual(diffAgent(deployed, noSet).replaces, ["secretSet"]);
    });

    it("creates an autonamed agent's replacement first: it gets a fresh name", () => {
        const auto = { ...base, autonamePrefix: "voice" };
        assert.equal(diffAgent({ ...deployed, autonamePrefix: "voice" }, { ...auto, region: "eu-central" }).deleteBeforeReplace, false);
        assert.equal(diffAgent(deployed, { ...base, name: UNKNOWN }).deleteBeforeReplace, false);
    });

    it("sends every declared deployment field, and never a revision or bookkeeping", () => {
        const body = deploymentBody({ ...base, adopt: true, autonamePrefix: "voice" });
        assert.deepEqual(Object.keys(body).sort(), [
            "agentProfile",
            "autoScaling",
            "image",
            "imagePullSecretSet",
            "maxSessionDuration",
            "secretSet",
        ]);
        assert.deepEqual(createBody({ ...base, region: "us-east" }), { serviceName: "voice", region: "us-east", ...body });
        assert.equal("region" in createBody(base), false, "no region declared: the organisation's default");
    });

    it("sees a value still unknown in a preview as a change, even against the same sentinel; two absent values as none", () => {
        assert.deepEqual(changedProperties({ ...deployed, image: UNKNOWN }, { ...base, image: UNKNOWN }), ["image"]);
        assert.deepEqual(changedProperties({ ...plain, region: "us-west" }, plain), []);
    });

    it("replaces for an unbound image-pull set, and not when neither version binds a set", () => {
        const noPull: AgentInputs = { ...base };
        delete (noPull as { imagePullSecretSet?: string }).imagePullSecretSet;
        delete (noPull as { imagePullSecretSetRevision?: string }).imagePullSecretSetRevision;
        assert.deepEqual(diffAgent(deployed, noPull), { changes: true, replaces: ["imagePullSecretSet"], deleteBeforeReplace: true });
        assert.deepEqual(diffAgent({ ...plain, region: "us-west" }, plain), { changes: false, replaces: [], deleteBeforeReplace: true });
    });

    it("does not force a redeploy for a revision without a binding", () => {
        assert.equal(mustForce({ ...plain, secretSetRevision: "r1" }, { ...plain, secretSetRevision: "r2" }), false);
    });

    it("resets exactly the optional fields no longer declared, and sends the declared ones as they are", () => {
        const olds: Partial<AgentOutputs> = { ...deployed, krispViva: { audioFilter: "tel" }, enableKrisp: true, nodeType: "arm" };
        assert.deepEqual(updateBody(olds, base, false), {
            ...deploymentBody(base),
            krispViva: { audioFilter: null },
            enableKrisp: false,
            nodeType: "arm",
        });
        assert.deepEqual(updateBody(deployed, base, false), deploymentBody(base), "never declared: nothing to reset");
        const kept = { ...base, krispViva: { audioFilter: "pro" as const }, enableKrisp: true };
        assert.deepEqual(updateBody(olds, kept, true), { ...deploymentBody(kept), nodeType: "arm", forceRedeploy: true });
    });

    describe("differsFromSent (is the agent found under the name the one a lost create sent?)", () => {
        const found: FoundAgent = {
            region: "us-west",
            image: "registry.example/voice:1",
            buildId: undefined,
            secretSet: "voice-secrets",
            imagePullSecretSet: "registry",
        };
        const BUILD = "4cab03c7-8f53-418d-9c3c-91a1265d179e";

        it("finds nothing different in the agent that was sent, with or without a declared region", () => {
            assert.deepEqual(differsFromSent(found, { ...base, region: "us-west" }), []);
            assert.deepEqual(differsFromSent(found, base), [], "no region sent: the organisation's default, whatever it is");
            assert.deepEqual(
                differsFromSent({ ...found, buildId: BUILD }, base),
                [],
                "an image sent: the image is compared, not a build beside it",
            );
            const built: AgentInputs = { ...base, buildId: BUILD };
            delete (built as { image?: string }).image;
            assert.deepEqual(
                differsFromSent({ ...found, image: "registry.pipecat/built:1", buildId: BUILD }, built),
                [],
                "a build's image is Pipecat's own",
            );
        });

        it("names every field of a stranger's agent that differs: image, build, bindings and region", () => {
            assert.deepEqual(differsFromSent({ ...found, image: "registry.example/theirs:1" }, base), ["image"]);
            assert.deepEqual(differsFromSent({ ...found, region: "eu-central" }, { ...base, region: "us-west" }), ["region"]);
            assert.deepEqual(differsFromSent({ ...found, imagePullSecretSet: undefined }, base), ["imagePullSecretSet"]);
            assert.deepEqual(differsFromSent({ ...found, secretSet: "other" }, base), ["secretSet"]);
            const built: AgentInputs = { ...base, buildId: BUILD };
            delete (built as { image?: string }).image;
            assert.deepEqual(differsFromSent({ ...found, buildId: "00000000-0000-4000-8000-000000000000" }, built), ["buildId"]);
            assert.deepEqual(differsFromSent(found, built), ["buildId"], "a build the answer does not show proves nothing");
            assert.deepEqual(
                differsFromSent(
                    { region: "eu-central", image: "x:1", buildId: undefined, secretSet: undefined, imagePullSecretSet: undefined },
                    { ...base, region: "us-west" },
                ),
                ["image", "secretSet", "imagePullSecretSet", "region"],
            );
        });
    });
});
