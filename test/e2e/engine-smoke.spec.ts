// Proves that the engine installed by scripts/install-engine.sh works end to end, independently of
// the Pipecat provider: the CLI, our Node.js language host, @pulumi/pulumi's runner with ts-node and
// the dynamic-provider plugin, on a local file backend.
import * as assert from "node:assert/strict";

import { createTempProject, engineBin, ExportedResource, TempProject } from "../support/engine";

// A do-nothing dynamic resource. Its provider is serialized into the resource's inputs and runs in
// the pulumi-resource-pulumi-nodejs plugin: `configure` sees the stack's configuration there, and
// reports the length (never the value) of the secret `x:y` through an output.
const program = `
import * as pulumi from "@pulumi/pulumi";

const provider = {
  configuredLength: -1,
  async configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
    this.configuredLength = (req.config.get("x:y") ?? "").length;
  },
  async create(inputs: any): Promise<pulumi.dynamic.CreateResult> {
    return { id: "smoke-1", outs: { ...inputs, secretLength: this.configuredLength } };
  },
};

class Smoke extends pulumi.dynamic.Resource {
  public readonly greeting!: pulumi.Output<string>;
  public readonly secretLength!: pulumi.Output<number>;
  constructor(name: string, args: { greeting: string }) {
    super(provider, name, { ...args, secretLength: undefined }, {});
  }
}

const smoke = new Smoke("smoke", { greeting: "hello" });
export const greeting = smoke.greeting;
export const secretLength = smoke.secretLength;
`;

const dynamicType = "pulumi-nodejs:dynamic:Resource";
const secret = "not-a-real-secret-for-e2e";

describe("e2e: the Pulumi engine (smoke)", function () {
    this.timeout(300_000);

    let project: TempProject | undefined;
    after(() => project?.cleanup());

    it("is installed (otherwise: bash scripts/install-engine.sh)", () => {
        engineBin(); // throws a loud error when the binaries are missing: this suite must fail, not skip
    });

    it("previews, creates, leaves unchanged and destroys a dynamic resource; configure sees secret config", async () => {
        project = createTempProject({ name: "engine-smoke", programTs: program });
        await project.initStack("smoke");
        await project.setConfig("x:y", secret, { secret: true });

        const preview = await project.run(["preview", "--non-interactive"]);
        assert.match(preview.stdout, /\+ 2 to create/, preview.stdout); // the stack and our resource
        assert.match(preview.stdout, new RegExp(`\\+\\s+${dynamicType}\\s+smoke\\s+create`), preview.stdout);

        const up = await project.run(["up", "--yes", "--non-interactive", "--skip-preview"]);
        assert.match(up.stdout, /\+ 2 created/, up.stdout);

        const outputs = JSON.parse((await project.run(["stack", "output", "--json"])).stdout);
        assert.deepEqual(outputs, { greeting: "hello", secretLength: secret.length });

        const exported = await project.exportStack();
        const resources: ExportedResource[] = exported.deployment.resources ?? [];
        const smoke = resources.find((r) => r.type === dynamicType);
        assert.ok(smoke, `no ${dynamicType} in the exported stack: ${JSON.stringify(resources, null, 2)}`);
        assert.equal(smoke.id, "smoke-1");
        assert.equal(smoke.outputs?.greeting, "hello");
        assert.equal(smoke.outputs?.secretLength, secret.length);
        // The secret value reached the provider but is stored nowhere in the state.
        assert.ok(!JSON.stringify(exported).includes(secret), "the secret value leaked into the state");

        const again = await project.run(["up", "--yes", "--non-interactive"]);
        assert.match(again.stdout, /2 unchanged/, again.stdout);
        assert.doesNotMatch(again.stdout, /created|updated|deleted|replaced/, again.stdout);

        const destroy = await project.run(["destroy", "--yes", "--non-interactive", "--skip-preview"]);
        assert.match(destroy.stdout, /- 2 deleted/, destroy.stdout);
        const afterDestroy = await project.exportStack();
        assert.deepEqual(afterDestroy.deployment.resources ?? [], []);
    });
});
