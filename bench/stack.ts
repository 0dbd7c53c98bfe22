/**
 * A stack of N sets + N agents (+ N builds) for the issue-20 phases: its stack.json, each build's own tiny context
 * directory (a Dockerfile whose `RUN sleep` makes that build take its drawn time), the emulator that takes the
 * drawn delays, and the longest chain of waits they make.
 */
import { type Emulator, type EmulatorOptions, startEmulator } from "../emulator";
import { BUILD_QUEUE_MS, BUILD_STEPS_MS, type StackDelays, deployPhases } from "./delays";
import { KEYS_PER_SET, type StackEntry } from "./programs";

/** What the stack program reads: stack.json, and one context directory per build. */
export interface StackFiles {
    readonly entries: StackEntry[];
    /** Relative path -> text: stack.json and every build's context. */
    readonly files: Record<string, string>;
}

const id = (i: number): string => String(i).padStart(3, "0");
export const setName = (i: number): string => `bench-stack-set-${id(i)}`;
export const agentName = (i: number): string => `bench-stack-agent-${id(i)}`;
export const buildName = (i: number): string => `bench-stack-build-${id(i)}`;

/**
 * `n` entries; `salt` changes every value and every build's source, so that each run writes new values and
 * builds new contexts (a context built before would be a cache hit, with no build to wait for).
 */
export function stackFiles(n: number, delays: StackDelays, builds: boolean, salt: string): StackFiles {
    const entries: StackEntry[] = [];
    const files: Record<string, string> = {};
    for (let i = 0; i < n; i++) {
        const secrets: Record<string, string> = {};
        for (let k = 0; k < KEYS_PER_SET; k++) secrets[`KEY_${String(k).padStart(2, "0")}`] = `bench-stack-value-${salt}-${id(i)}-${k}`;
        const context = `contexts/${id(i)}`;
        entries.push({ id: id(i), set: { name: setName(i), secrets }, agent: agentName(i), ...(builds ? { build: context } : {}) });
        if (builds) {
            const sleepS = Math.max(0, delays.buildMs(buildName(i)) - BUILD_QUEUE_MS - BUILD_STEPS_MS) / 1000;
            files[`${context}/Dockerfile`] = `FROM dailyco/pipecat-base:latest\nRUN sleep ${sleepS.toFixed(3)}\nCOPY ./bot.py bot.py\n`;
            files[`${context}/bot.py`] = `# bench stack bot ${id(i)}, ${salt}\nprint("hello")\n`;
        }
    }
    files["stack.json"] = JSON.stringify(entries, null, 2);
    return { entries, files };
}

/** An emulator whose sets, deployments and builds take the drawn delays. */
export function stackEmulator(apiKey: string, delays: StackDelays, extra: EmulatorOptions = {}): Promise<Emulator> {
    return startEmulator({
        apiKey,
        readyAfterMsFor: delays.setMs,
        deployPhaseMsFor: (name) => deployPhases(delays.deployMs(name)),
        buildQueueMs: BUILD_QUEUE_MS,
        buildDurationMs: BUILD_STEPS_MS,
        ...extra,
    });
}

/** The longest chain of waits: max over i of max(build_i, set_i) + deploy_i (the engine runs the rest in parallel). */
export function longestChainMs(n: number, delays: StackDelays, builds: boolean): number {
    let longest = 0;
    for (let i = 0; i < n; i++) {
        const before = Math.max(builds ? delays.buildMs(buildName(i)) : 0, delays.setMs(setName(i)));
        longest = Math.max(longest, before + delays.deployMs(agentName(i)));
    }
    return longest;
}
