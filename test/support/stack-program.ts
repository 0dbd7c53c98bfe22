/**
 * A Pulumi program of SecretSets and Agents read from stack.json, for the engine specs that change a stack step by
 * step by rewriting that file (test/e2e/agent-safety.spec.ts, test/e2e/shared-waits.spec.ts).
 */

/**
 * stack.json: `sets` and `agents`, resource name -> arguments, plus `opts` (resource options, as they are: aliases,
 * deleteBeforeReplace). A binding "@r" is the SecretSet resource r of this program; any other string is a set name.
 */
export const stackProgram = `
import * as fs from "fs";
import { Agent, SecretSet } from "pulumi-pipecat-secrets";
const spec: { sets?: Record<string, any>; agents?: Record<string, any> } = JSON.parse(fs.readFileSync("stack.json", "utf8"));
const sets: Record<string, SecretSet> = {};
for (const [r, entry] of Object.entries(spec.sets ?? {})) {
    const { opts, ...args } = entry;
    sets[r] = new SecretSet(r, args, opts);
}
const bind = (b: string | undefined) => {
    if (b === undefined || !b.startsWith("@")) return b;
    const set = sets[b.slice(1)];
    if (set === undefined) throw new Error("stack.json binds an undeclared set " + b);
    return set;
};
export const setNames = Object.fromEntries(Object.entries(sets).map(([r, s]) => [r, s.name]));
export const agents = Object.fromEntries(
    Object.entries(spec.agents ?? {}).map(([r, entry]) => {
        const { opts, ...a } = entry;
        const agent = new Agent(r, { ...a, secretSet: bind(a.secretSet), imagePullSecretSet: bind(a.imagePullSecretSet) }, opts);
        return [r, { name: agent.name, deploymentId: agent.deploymentId }];
    }),
);
`;
