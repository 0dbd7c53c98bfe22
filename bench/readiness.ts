/**
 * Goal 2 of issue 20, from the emulator's own timestamps: for each set provisioning, agent deployment and build of a
 * run, the time from when the API first would report it ready to the first request that could have reported it:
 * - a set: its provisioning's `readyAt`; the first `GET /secrets/{name}` of that set, or `GET /secrets`, from then on;
 * - an agent deployment: when it is reconciled and `Active` (`activeAt`); the first `GET /agents/{name}` of that
 *   agent, or `GET /agents`, from then on;
 * - a build: its `completedAt` with `success`; the first `GET /builds/{id}` of that build, or `GET /builds`, from then on.
 * Only answered requests (200) count. Times are the emulator's clock; a request's `at` is its arrival, and the
 * emulator answers a read within a few milliseconds.
 */
import type { Emulator, RecordedRequest } from "../emulator";

export type ReadinessKind = "set" | "agent deployment" | "build";
export const READINESS_KINDS: readonly ReadinessKind[] = ["set", "agent deployment", "build"];

/** Overshoots in ms by kind; `unseen` counts resources no request reported after they were ready. */
export interface Overshoots {
    readonly ms: Record<ReadinessKind, number[]>;
    readonly unseen: Record<ReadinessKind, number>;
}

export function emptyOvershoots(): Overshoots {
    return { ms: { set: [], "agent deployment": [], build: [] }, unseen: { set: 0, "agent deployment": 0, build: 0 } };
}

/** Adds the overshoots of what started in [from, to] (clock ms) to `into`; call before the stack is destroyed. */
export function collectOvershoots(emulator: Emulator, from: number, to: number, into: Overshoots): void {
    const reads = emulator.requests.filter((r) => r.method === "GET" && r.status === 200).sort((a, b) => a.at - b.at);
    const add = (kind: ReadinessKind, readyAt: number, reports: (r: RecordedRequest) => boolean): void => {
        const first = reads.find((r) => r.at >= readyAt && reports(r));
        if (first === undefined) into.unseen[kind] += 1;
        else into.ms[kind].push(first.at - readyAt);
    };
    for (const p of emulator.provisionings()) {
        if (p.failed || p.startedAt < from || p.startedAt > to) continue;
        add("set", p.readyAt, (r) => r.route === "GET /secrets" || (r.route === "GET /secrets/:name" && r.setName === p.setName));
    }
    for (const agent of emulator.agents()) {
        for (const d of agent.deployments) {
            if (d.activeAt === undefined || d.startedAt < from || d.startedAt > to) continue;
            const readyAt = Math.max(d.activeAt, d.reconciledAt ?? d.activeAt);
            add(
                "agent deployment",
                readyAt,
                (r) => r.route === "GET /agents" || (r.route === "GET /agents/:name" && r.agentName === agent.name),
            );
        }
    }
    for (const b of emulator.builds()) {
        if (b.status !== "success" || b.completedAt === undefined || b.createdAt < from || b.createdAt > to) continue;
        add("build", b.completedAt, (r) => r.route === "GET /builds" || (r.route === "GET /builds/:id" && r.path.endsWith(`/${b.id}`)));
    }
}
