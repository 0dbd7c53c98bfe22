import assert from "node:assert/strict";
import type { Emulator, EmulatorOptions } from "../../../emulator";
import { call, emulatorFixture, ManualClock, imagePullBody, regularBody } from "../support";
import { type Details, createdAgent, details, putPullSet, putSet, updatedAgent } from "./support";

const PHASES = { creating: 1000, validating: 2000, draining: 500 };

/** Phase, reconciled, ready and available of an agent, compactly. */
async function status(
    emulator: Emulator,
    name: string,
): Promise<{ phase: string; reconciled: boolean; ready: boolean; available: boolean }> {
    const d = await details(emulator, name);
    return {
        phase: d.currentRevision.phase,
        reconciled: d.reconciledDeploymentId === d.desiredDeploymentId,
        ready: d.ready,
        available: d.available,
    };
}

describe("emulator agent deployments", () => {
    const start = emulatorFixture();

    async function clocked(options: EmulatorOptions = {}): Promise<{ emulator: Emulator; clock: ManualClock }> {
        const clock = new ManualClock(Date.UTC(2026, 5, 1));
        const emulator = await start({ now: clock.now, deployPhaseMs: PHASES, ...options });
        return { emulator, clock };
    }

    describe("phases", () => {
        it("moves a first deployment Creating -> Validating -> Active on the clock; reconciled when it leaves Creating, ready and available once Active", async () => {
            const { emulator, clock } = await clocked();
            const created = await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            assert.equal(created.reconciledDeploymentId, null);
            assert.deepEqual(await status(emulator, "bot"), { phase: "Creating", reconciled: false, ready: false, available: false });
            clock.advance(999);
            assert.deepEqual(await status(emulator, "bot"), { phase: "Creating", reconciled: false, ready: false, available: false });
            clock.advance(1);
            assert.deepEqual(await status(emulator, "bot"), { phase: "Validating", reconciled: true, ready: false, available: false });
            clock.advance(1999);
            assert.deepEqual(await status(emulator, "bot"), { phase: "Validating", reconciled: true, ready: false, available: false });
            clock.advance(1);
            assert.deepEqual(await status(emulator, "bot"), { phase: "Active", reconciled: true, ready: true, available: true });
            const d = await details(emulator, "bot");
            assert.equal(d.activeDeploymentReady, true);
            assert.equal(d.activeDeploymentId, d.desiredDeploymentId);
        });

        it("dates each phase in phaseStartedAt and reports the health of each", async () => {
            const { emulator, clock } = await clocked();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", autoScaling: { minAgents: 2 } });
            const seen: Details["currentRevision"][] = [];
            for (const step of [0, 1000, 2000]) {
                clock.advance(step);
                seen.push((await details(emulator, "bot")).currentRevision);
            }
            assert.deepEqual(
                seen.map((r) => [r.phase, r.phaseStartedAt, r.readyReplicas, r.health]),
                [
                    [
                        "Creating",
                        "2026-06-01T00:00:00.000Z",
                        0,
                        { ready: false, state: "waiting", restartCount: 0, replicasStarted: 0, reason: "ContainerCreating" },
                    ],
                    ["Validating", "2026-06-01T00:00:01.000Z", 0, { ready: false, state: "running", restartCount: 0, replicasStarted: 2 }],
                    ["Active", "2026-06-01T00:00:03.000Z", 2, { ready: true, state: "running", restartCount: 0, replicasStarted: 2 }],
                ],
            );
        });

        it("keeps the previous deployment Active and serving during a rollout, then shows it Draining, then drops it", async () => {
            const { emulator, clock } = await clocked();
            const first = (await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" })).desiredDeploymentId;
            clock.advance(3000);
            const rollout = await updatedAgent(emulator, "bot", { image: "me/bot:2" });
            const second = rollout.desiredDeploymentId;
            const revisions = (d: Details) => [
                d.currentRevision.deploymentID,
                d.currentRevision.phase,
                d.previousRevision?.deploymentID,
                d.previousRevision?.phase,
            ];
            assert.deepEqual(revisions(rollout), [second, "Creating", first, "Active"]);
            assert.deepEqual([rollout.ready, rollout.available, rollout.reconciledDeploymentId], [false, true, first]);

            clock.advance(1000);
            let d = await details(emulator, "bot");
            assert.deepEqual(revisions(d), [second, "Validating", first, "Active"]);
            assert.deepEqual([d.ready, d.available, d.reconciledDeploymentId], [false, true, second]);

            clock.advance(2000);
            d = await details(emulator, "bot");
            assert.deepEqual(revisions(d), [second, "Active", first, "Draining"]);
            assert.equal(d.previousRevision?.phaseStartedAt, d.currentRevision.phaseStartedAt);
            assert.deepEqual([d.ready, d.available], [true, true]);

            clock.advance(499);
            assert.equal((await details(emulator, "bot")).previousRevision?.phase, "Draining");
            clock.advance(1);
            assert.equal((await details(emulator, "bot")).previousRevision, null);
            assert.deepEqual(
                emulator.agent("bot")?.deployments.map((x) => x.phase),
                ["Retired", "Active"],
            );
        });

        it("never shows Draining with the default draining time of 0", async () => {
            const { emulator, clock } = await clocked({ deployPhaseMs: { creating: 1000 } });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            clock.advance(1000);
            await updatedAgent(emulator, "bot", { image: "me/bot:2" });
            clock.advance(1000);
            const d = await details(emulator, "bot");
            assert.deepEqual([d.currentRevision.phase, d.previousRevision], ["Active", null]);
        });

        it("drops a deployment replaced before it became Active: it never serves, and the one before keeps serving", async () => {
            const { emulator, clock } = await clocked();
            const first = (await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" })).desiredDeploymentId;
            clock.advance(3000);
            await updatedAgent(emulator, "bot", { image: "me/bot:2" });
            clock.advance(1500); // the second is Validating
            const third = (await updatedAgent(emulator, "bot", { image: "me/bot:3" })).desiredDeploymentId;
            clock.advance(2000); // the second would have been Active by now
            const d = await details(emulator, "bot");
            assert.deepEqual(
                [d.currentRevision.deploymentID, d.currentRevision.phase, d.previousRevision?.deploymentID, d.previousRevision?.phase],
                [third, "Validating", first, "Active"],
            );
            assert.deepEqual(
                emulator.agent("bot")?.deployments.map((x) => x.phase),
                ["Active", "Superseded", "Validating"],
            );
            clock.advance(1000);
            assert.deepEqual(
                emulator.agent("bot")?.deployments.map((x) => x.phase),
                ["Draining", "Superseded", "Active"],
            );
        });

        it("lists reconciledDeploymentId with the same timing", async () => {
            const { emulator, clock } = await clocked();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            const listed = async () =>
                ((await call(emulator, "GET", "/agents")).json as { services: { reconciledDeploymentId: string | null }[] }).services[0]
                    ?.reconciledDeploymentId;
            assert.equal(await listed(), null);
            clock.advance(1000);
            assert.equal(await listed(), emulator.agent("bot")?.deployments[0]?.id);
        });
    });

    describe("what a running agent sees", () => {
        it("holds the values its serving deployment captured: a rotation changes nothing until a forced redeploy is Active", async () => {
            const { emulator, clock } = await clocked();
            await putSet(emulator, "app-secrets", { API_KEY: "value-v1", KEEP: "same" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            assert.equal(emulator.runningSecrets("bot"), undefined, "nothing runs while Creating");
            clock.advance(3000);
            assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: "value-v1", KEEP: "same" });

            await call(emulator, "PUT", "/secrets/app-secrets", { body: regularBody({ API_KEY: "value-v2" }) });
            assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: "value-v1", KEEP: "same" }, "the rotation alone");
            await updatedAgent(emulator, "bot", {});
            assert.deepEqual(
                emulator.runningSecrets("bot"),
                { API_KEY: "value-v1", KEEP: "same" },
                "an unforced update that changes nothing",
            );

            await updatedAgent(emulator, "bot", { forceRedeploy: true });
            clock.advance(2999);
            assert.deepEqual(
                emulator.runningSecrets("bot"),
                { API_KEY: "value-v1", KEEP: "same" },
                "the old deployment serves during the rollout",
            );
            clock.advance(1);
            assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: "value-v2", KEEP: "same" });
        });

        it("captures the values when the deployment starts, not when it becomes Active", async () => {
            const { emulator, clock } = await clocked({ readyAfterMs: 0 });
            await putSet(emulator, "app-secrets", { API_KEY: "value-v1" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            await call(emulator, "PUT", "/secrets/app-secrets", { body: regularBody({ API_KEY: "value-v2" }) });
            clock.advance(3000);
            assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: "value-v1" });
        });

        it("keeps running with its values when the bound set is deleted", async () => {
            const emulator = await start();
            await putSet(emulator, "app-secrets", { API_KEY: "value-v1" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" });
            await call(emulator, "DELETE", "/secrets/app-secrets");
            assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: "value-v1" });
            assert.equal((await details(emulator, "bot")).ready, true);
        });

        it("sees {} when the serving deployment binds no set, and undefined for an unknown agent", async () => {
            const emulator = await start();
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            assert.deepEqual(emulator.runningSecrets("bot"), {});
            assert.equal(emulator.runningImagePull("bot"), undefined);
            assert.equal(emulator.runningSecrets("ghost"), undefined);
        });

        it("pulls with the image-pull credentials captured at start, until a redeploy after their rotation is Active", async () => {
            const { emulator, clock } = await clocked({ imagePullUpdates: "accept" });
            const v1 = Buffer.from("robot:token-v1").toString("base64");
            const v2 = Buffer.from("robot:token-v2").toString("base64");
            await putPullSet(emulator, "registry", v1);
            await createdAgent(emulator, { serviceName: "bot", image: "ghcr.io/me/bot:1", imagePullSecretSet: "registry" });
            clock.advance(3000);
            assert.deepEqual(emulator.runningImagePull("bot"), { host: "https://ghcr.io/", secretValue: v1 });
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", v2) });
            assert.deepEqual(emulator.runningImagePull("bot"), { host: "https://ghcr.io/", secretValue: v1 });
            await updatedAgent(emulator, "bot", { forceRedeploy: true });
            clock.advance(3000);
            assert.deepEqual(emulator.runningImagePull("bot"), { host: "https://ghcr.io/", secretValue: v2 });
        });
    });

    describe("image-pull credentials that are not base64 of username:token", () => {
        it("fail the deployment once Creating ends, with ImagePullBackOff and the documented decode error", async () => {
            const { emulator, clock } = await clocked();
            await putPullSet(emulator, "registry", "robot:plain-token");
            await createdAgent(emulator, { serviceName: "bot", image: "ghcr.io/me/bot:1", imagePullSecretSet: "registry" });
            clock.advance(999);
            assert.equal((await details(emulator, "bot")).currentRevision.phase, "Creating");
            clock.advance(1);
            const d = await details(emulator, "bot");
            assert.deepEqual([d.ready, d.available, d.reconciledDeploymentId === d.desiredDeploymentId], [false, false, true]);
            assert.deepEqual(d.currentRevision, {
                deploymentID: d.desiredDeploymentId,
                phase: "Failed",
                readyReplicas: 0,
                phaseStartedAt: "2026-06-01T00:00:01.000Z",
                health: {
                    ready: false,
                    state: "waiting",
                    restartCount: 0,
                    replicasStarted: 0,
                    reason: "ImagePullBackOff",
                    message:
                        'Back-off pulling image "ghcr.io/me/bot:1": failed to create k8schain: unable to decode auth field: illegal base64 data at input byte 5',
                },
            });
            clock.advance(60_000);
            assert.equal((await details(emulator, "bot")).currentRevision.phase, "Failed", "it stays failed");
            assert.equal(emulator.runningImagePull("bot"), undefined);
        });

        it("fail too when the base64 holds no username:token pair", async () => {
            const emulator = await start();
            await putPullSet(emulator, "registry", Buffer.from("just-a-token").toString("base64"));
            emulator.seedBuild({ id: "123e4567-e89b-12d3-a456-426614174000" });
            await createdAgent(emulator, {
                serviceName: "bot",
                buildId: "123e4567-e89b-12d3-a456-426614174000",
                imagePullSecretSet: "registry",
            });
            const health = (await details(emulator, "bot")).currentRevision.health;
            assert.equal(health["reason"], "ImagePullBackOff");
            assert.equal(
                health["message"],
                "Back-off pulling the build's image: failed to create k8schain: unable to parse auth field, must be formatted as base64(username:password)",
            );
        });

        it("keep the last ready deployment serving when a later deployment fails to pull", async () => {
            const { emulator, clock } = await clocked({ imagePullUpdates: "accept" });
            await putPullSet(emulator, "registry");
            const first = (await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", imagePullSecretSet: "registry" }))
                .desiredDeploymentId;
            clock.advance(3000);
            await call(emulator, "PUT", "/secrets/registry", { body: imagePullBody("https://ghcr.io", "not base64!") });
            await updatedAgent(emulator, "bot", { forceRedeploy: true });
            clock.advance(5000);
            const d = await details(emulator, "bot");
            assert.deepEqual(
                [d.currentRevision.phase, d.previousRevision?.deploymentID, d.previousRevision?.phase],
                ["Failed", first, "Active"],
            );
            assert.deepEqual([d.ready, d.available], [false, true]);
        });
    });

    describe("failDeployment", () => {
        it("fails the next deployment once Creating ends (mode failed, default reason and message), keeping the last ready one serving", async () => {
            const { emulator, clock } = await clocked();
            await putSet(emulator, "app-secrets", { API_KEY: "value-v1" });
            const first = (await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1", secretSet: "app-secrets" }))
                .desiredDeploymentId;
            clock.advance(3000);
            const handle = emulator.failDeployment();
            await call(emulator, "PUT", "/secrets/app-secrets", { body: regularBody({ API_KEY: "value-v2" }) });
            await updatedAgent(emulator, "bot", { image: "me/bot:2" });
            assert.deepEqual([handle.hits, handle.remaining], [1, 0]);
            clock.advance(1000);
            const d = await details(emulator, "bot");
            assert.deepEqual(d.currentRevision.health, {
                ready: false,
                state: "terminated",
                restartCount: 0,
                replicasStarted: 1,
                reason: "Error",
                lastExitCode: 1,
                lastTerminationReason: "Error",
                message: "container exited with code 1 (injected by the emulator)",
            });
            assert.deepEqual(
                [d.currentRevision.phase, d.previousRevision?.deploymentID, d.previousRevision?.phase, d.ready, d.available],
                ["Failed", first, "Active", false, true],
            );
            assert.deepEqual(
                emulator.runningSecrets("bot"),
                { API_KEY: "value-v1" },
                "a failed deploy keeps serving the last ready deployment",
            );
            // Used up: the next deployment succeeds.
            await updatedAgent(emulator, "bot", { forceRedeploy: true });
            clock.advance(3000);
            assert.equal((await details(emulator, "bot")).ready, true);
            assert.deepEqual(emulator.runningSecrets("bot"), { API_KEY: "value-v2" });
        });

        it("reports the given reason and message, and leaves a first deployment unavailable", async () => {
            const emulator = await start();
            emulator.failDeployment({ reason: "OOMKilled", message: "Killed: out of memory" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            const d = await details(emulator, "bot");
            assert.deepEqual([d.currentRevision.phase, d.available, d.previousRevision], ["Failed", false, null]);
            assert.deepEqual(
                [d.currentRevision.health["reason"], d.currentRevision.health["lastExitCode"], d.currentRevision.health["message"]],
                ["OOMKilled", 137, "Killed: out of memory"],
            );
        });

        it("keeps a crash-looping deployment in Validating with CrashLoopBackOff and a growing restartCount, never Active", async () => {
            const { emulator, clock } = await clocked();
            emulator.failDeployment({ mode: "crash-loop", message: "Traceback: KeyError: 'OPENAI_API_KEY'" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            clock.advance(1000);
            const at = async () => (await details(emulator, "bot")).currentRevision;
            assert.deepEqual((await at()).health, {
                ready: false,
                state: "waiting",
                restartCount: 0,
                replicasStarted: 1,
                reason: "CrashLoopBackOff",
                lastExitCode: 1,
                lastTerminationReason: "Error",
                message: "Traceback: KeyError: 'OPENAI_API_KEY'",
            });
            const counts: number[] = [];
            for (const step of [1000, 1000, 10_000, 20_000, 600_000]) {
                clock.advance(step);
                const revision = await at();
                assert.equal(revision.phase, "Validating");
                counts.push(revision.health["restartCount"] as number);
            }
            assert.deepEqual(counts, [1, 3, 4, 6, 66]);
            const d = await details(emulator, "bot");
            assert.deepEqual([d.ready, d.available, d.reconciledDeploymentId === d.desiredDeploymentId], [false, false, true]);
        });

        it("reaches at least 3 restarts at once with a validating time of 0, and uses the default crash-loop message", async () => {
            const emulator = await start();
            emulator.failDeployment({ mode: "crash-loop", reason: "OOMKilled" });
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            const health = (await details(emulator, "bot")).currentRevision.health;
            assert.deepEqual(
                [health["restartCount"], health["lastTerminationReason"], health["lastExitCode"], health["message"]],
                [3, "OOMKilled", 137, "back-off restarting failed container (injected by the emulator)"],
            );
        });

        it("applies only to the named agent, counts times, and stops when cleared or withdrawn by clearFaults", async () => {
            const emulator = await start();
            const handle = emulator.failDeployment({ agent: "bad", times: 2 });
            await createdAgent(emulator, { serviceName: "good", image: "me/bot:1" });
            await createdAgent(emulator, { serviceName: "bad", image: "me/bot:1" });
            await updatedAgent(emulator, "bad", { forceRedeploy: true });
            await updatedAgent(emulator, "bad", { forceRedeploy: true });
            assert.deepEqual(
                (emulator.agent("bad")?.deployments ?? []).map((d) => d.phase),
                ["Failed", "Failed", "Active"],
            );
            assert.equal((await details(emulator, "good")).ready, true);
            assert.deepEqual([handle.hits, handle.remaining], [2, 0]);

            const forever = emulator.failDeployment({ times: Infinity });
            await updatedAgent(emulator, "good", { forceRedeploy: true });
            assert.equal((await details(emulator, "good")).currentRevision.phase, "Failed");
            forever.clear();
            emulator.failDeployment({ times: Infinity });
            emulator.clearFaults();
            await updatedAgent(emulator, "good", { forceRedeploy: true });
            assert.equal((await details(emulator, "good")).ready, true);
        });

        it("is not consumed by updates that start no deployment, nor by a deployment whose image pull already fails", async () => {
            const emulator = await start();
            await putPullSet(emulator, "broken", "%%%");
            await createdAgent(emulator, { serviceName: "bot", image: "me/bot:1" });
            const handle = emulator.failDeployment();
            await updatedAgent(emulator, "bot", { autoScaling: { maxAgents: 3 } });
            await updatedAgent(emulator, "bot", {});
            await updatedAgent(emulator, "bot", { imagePullSecretSet: "broken" });
            assert.equal((await details(emulator, "bot")).currentRevision.health["reason"], "ImagePullBackOff");
            assert.equal(handle.remaining, 1);
            await updatedAgent(emulator, "bot", { imagePullSecretSet: null });
            assert.equal((await details(emulator, "bot")).currentRevision.health["reason"], "Error");
        });

        it("refuses invalid options with a TypeError naming the option", async () => {
            const emulator = await start();
            assert.throws(() => emulator.failDeployment({ times: 0 }), {
                name: "TypeError",
                message: "failDeployment({ times }) must be a positive integer or Infinity (got 0)",
            });
            assert.throws(() => emulator.failDeployment({ mode: "flaky" as never }), {
                name: "TypeError",
                message: 'failDeployment({ mode }) must be "failed" or "crash-loop"',
            });
            assert.throws(() => emulator.failDeployment({ reason: "" }), {
                name: "TypeError",
                message: "failDeployment({ reason }) must be a non-empty string",
            });
        });
    });
});
