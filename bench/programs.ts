/**
 * The programs of the benchmark, as source text for test/support/engine.ts: the two it compares, and the
 * build program whose requests it counts.
 *
 * Both read the sets to declare from sets.json, so a run changes N by rewriting that file, and both
 * declare one resource per set with the same inputs: a name and a map of secret values.
 * - `ours`: SecretSet, the provider under test.
 * - `floor`: a do-nothing dynamic resource whose provider is defined inline and whose create returns
 *   an id at once (no check, no diff: the engine diffs the inputs itself). Same engine, same language
 *   host, same dynamic-provider plugin, same number of resources: what is left is the engine's floor.
 * - `build`: a Build of a directory and, when declared, an Agent deployed from it (see {@link BuildSpec}).
 */

/** One declared set: resource name -> inputs. Values are plain strings; both programs make them secret. */
export type SetsSpec = Record<string, { name: string; secrets: Record<string, string> }>;

export type ProgramKind = "ours" | "floor" | "floorsized" | "build" | "stack" | "stackfloor";

/** What the build program declares (build.json): a Build of `context`, and an Agent deployed from it if `agent` is given. */
export interface BuildSpec {
    readonly build?: { readonly context: string; readonly region?: string };
    readonly agent?: { readonly name: string; readonly region?: string };
}

export const programs: Record<"ours" | "floor" | "build" | "stack" | "stackfloor", string> = {
    ours: `
import * as fs from "fs";
import { SecretSet } from "pulumi-pipecat-secrets";

const spec: Record<string, { name: string; secrets: Record<string, string> }> = JSON.parse(fs.readFileSync("sets.json", "utf8"));
for (const [resource, args] of Object.entries(spec)) new SecretSet(resource, args);
`,
    floor: `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: inputs.name, outs: inputs };
    },
};

class Floor extends pulumi.dynamic.Resource {
    constructor(name: string, args: { name: string; secrets: Record<string, string> }) {
        const secrets = Object.fromEntries(Object.entries(args.secrets).map(([k, v]) => [k, pulumi.secret(v)]));
        const props = { name: args.name, secrets, keys: undefined, isImagePullSecret: undefined };
        super(provider, name, props, { additionalSecretOutputs: ["secrets"] }, "bench", "Floor");
    }
}

const spec: Record<string, { name: string; secrets: Record<string, string> }> = JSON.parse(fs.readFileSync("sets.json", "utf8"));
for (const [resource, args] of Object.entries(spec)) new Floor(resource, args);
`,
    build: `
import * as fs from "fs";
import { Agent, Build } from "pulumi-pipecat-secrets";

const spec: { build?: { context: string; region?: string }; agent?: { name: string; region?: string } } = JSON.parse(
    fs.readFileSync("build.json", "utf8"),
);
if (spec.build !== undefined) {
    const build = new Build("bot", spec.build);
    if (spec.agent !== undefined) new Agent("voice", { ...spec.agent, buildId: build });
}
`,
    stack: `
import * as fs from "fs";
import { Agent, Build, SecretSet } from "pulumi-pipecat-secrets";

const spec: { id: string; set: { name: string; secrets: Record<string, string> }; agent: string; build?: string }[] = JSON.parse(
    fs.readFileSync("stack.json", "utf8"),
);
for (const s of spec) {
    const set = new SecretSet(\`set\${s.id}\`, s.set);
    const build = s.build === undefined ? undefined : new Build(\`build\${s.id}\`, { context: s.build, region: "us-west" });
    new Agent(\`agent\${s.id}\`, {
        name: s.agent,
        region: "us-west",
        secretSet: set,
        ...(build === undefined ? { image: "registry.example/bench-agent:1" } : { buildId: build }),
    });
}
`,
    stackfloor: `
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: String(inputs.name), outs: inputs };
    },
};

class Floor extends pulumi.dynamic.Resource {
    declare public readonly name: pulumi.Output<string>;
    constructor(name: string, props: Record<string, pulumi.Input<unknown>>, opts: pulumi.CustomResourceOptions = {}) {
        super(provider, name, { name: undefined, ...props }, opts, "bench", "Floor");
    }
}

const spec: { id: string; set: { name: string; secrets: Record<string, string> }; agent: string; build?: string }[] = JSON.parse(
    fs.readFileSync("stack.json", "utf8"),
);
for (const s of spec) {
    const secrets = Object.fromEntries(Object.entries(s.set.secrets).map(([k, v]) => [k, pulumi.secret(v)]));
    const set = new Floor(\`set\${s.id}\`, { name: s.set.name, secrets }, { additionalSecretOutputs: ["secrets"] });
    const build = s.build === undefined ? undefined : new Floor(\`build\${s.id}\`, { name: \`build-\${s.id}\`, context: s.build });
    new Floor(\`agent\${s.id}\`, { name: s.agent, secretSet: set.name, ...(build === undefined ? {} : { buildId: build.name }) });
}
`,
};

/** One set, one agent bound to it, and (with builds) one build the agent is deployed from: a row of stack.json. */
export interface StackEntry {
    readonly id: string;
    readonly set: { readonly name: string; readonly secrets: Record<string, string> };
    readonly agent: string;
    /** The build's context directory, relative to the program. */
    readonly build?: string;
}

/** A small bot's build context: a Dockerfile and its sources; `version` changes one source file. */
export function botContext(version: string): Record<string, string> {
    return {
        "bot/Dockerfile": [
            "FROM dailyco/pipecat-base:latest",
            "COPY ./requirements.txt requirements.txt",
            "RUN pip install --no-cache-dir -r requirements.txt",
            "COPY ./bot.py bot.py",
            "",
        ].join("\n"),
        "bot/requirements.txt": "pipecat-ai[daily,openai,silero]\n",
        "bot/bot.py": `# The bench's bot, ${version}.\nasync def bot(runner_args):\n    print("hello from ${version}")\n`,
    };
}

/**
 * The floor with `padBytes` more bytes of comment inside its provider's create: a do-nothing resource
 * whose serialized provider, stored twice per resource in state, is as large as ours. Comparing it with
 * the floor shows what the size of the state alone costs the engine.
 */
export function floorWithLargerProvider(padBytes: number): string {
    const pad = `        // ${"x".repeat(Math.max(0, padBytes - 12))}\n`;
    return programs.floor.replace("async create(inputs: any) {\n", `async create(inputs: any) {\n${pad}`);
}

/** Keys per set in the timed runs: a typical voice agent's handful of API keys. */
export const KEYS_PER_SET = 4;

/** `count` sets named bench-set-000..., each with `keys` keys; `salt` varies the values. */
export function makeSets(count: number, keys = KEYS_PER_SET, salt = "v1"): SetsSpec {
    const spec: SetsSpec = {};
    for (let i = 0; i < count; i++) {
        const id = String(i).padStart(3, "0");
        const secrets: Record<string, string> = {};
        for (let k = 0; k < keys; k++) secrets[`KEY_${String(k).padStart(2, "0")}`] = `bench-value-${salt}-${id}-${k}`;
        spec[`set${id}`] = { name: `bench-set-${id}`, secrets };
    }
    return spec;
}
