/**
 * Objects that exist in Pipecat Cloud outside the program: what a resource does with the `import` option.
 * Pulumi's two other ways in work: `SecretSet.get` / `Agent.get` read an object without managing it, and
 * `adopt: true` takes one over. `import` cannot work for a dynamic provider (DECISIONS.md, 2026-12-05), so it
 * is refused in the constructor, before the engine is asked, with both of those shown as code.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PipecatError } from "./errors";

/** How the refusal shows each kind: the call of `get`, and a declaration with `adopt`. */
const EXAMPLES = {
    SecretSet: {
        what: "secret set",
        adopt: (name: string) => `{ name: ${name}, secrets: { /* the keys it must hold */ }, adopt: true }`,
        adopted: "its keys are then made exactly the declared ones",
    },
    Agent: {
        what: "agent",
        adopt: (name: string) => `{ name: ${name}, image: "your-registry/voice-agent:0.1", /* and the sets it binds */ adopt: true }`,
        adopted: "it is then redeployed with the declared configuration",
    },
} as const;

/**
 * Throws when `opts.import` is set: the engine would ask the dynamic provider to read the object without
 * the resource's inputs, and `@pulumi/pulumi` fails on that with a raw TypeError (pulumi/pulumi#3550).
 * The message names only the resource name and the import id (an object's name), never an input.
 */
export function refuseImport(kind: keyof typeof EXAMPLES, resourceName: string, opts: pulumi.CustomResourceOptions | undefined): void {
    if (opts?.import === undefined) return;
    const e = EXAMPLES[kind];
    const id = typeof opts.import === "string" ? JSON.stringify(opts.import) : `"<the ${e.what}'s name>"`;
    const resource = JSON.stringify(resourceName);
    throw new PipecatError(
        `${kind} ${resource}: the \`import\` resource option cannot work for this package. Pulumi imports by asking the provider to read ` +
            "the object by its id alone, without the resource's inputs, and a dynamic provider's code travels in the inputs (pulumi/pulumi#3550), so the engine was not asked. " +
            `Two ways in work instead:\n` +
            `  - read the ${e.what} without managing it (\`pulumi destroy\` never deletes it):\n` +
            `        const existing = ${kind}.get(${resource}, ${id});\n` +
            `  - manage it with this program (${e.adopted}, and \`pulumi destroy\` deletes it):\n` +
            `        const managed = new ${kind}(${resource}, ${e.adopt(id)});\n` +
            "Remove the `import` option and use one of these.",
    );
}

/**
 * Why a `get` (a read with no stored state) cannot read `name`: nothing there, or a referenced secret set (whose keys
 * Pipecat Cloud does not hold). The engine would keep a read that answers an empty id, so a get fails instead; a
 * refresh of a stored resource gone the same way just leaves the state.
 */
export function nothingToGet(kind: keyof typeof EXAMPLES, name: string, why: "absent" | "referenced"): PipecatError {
    const [list, noun] = kind === "SecretSet" ? ["GET /secrets", "set"] : ["GET /agents", "agent"];
    return new PipecatError(
        why === "absent"
            ? `${kind}.get: no ${EXAMPLES[kind].what} named "${name}" exists in this organisation (${list} does not list it), so nothing was read. Check the name and pipecat:apiKey, or declare the ${noun} with new ${kind}(...) to create it.`
            : `${kind}.get: "${name}" is a referenced set (a Kubernetes Secret registered by name; Pipecat Cloud does not hold its keys), so it cannot be read. Bind an Agent to it by its name instead: secretSet: "${name}".`,
    );
}
