/**
 * Starting an agent's deployments: what each captures of its bound sets when it starts, and how it will end, decided
 * then (healthy, an image pull that cannot decode its credentials, or an injected failure). No I/O: time comes from
 * the injected clock and ids from the injected generator.
 */
import { type InjectionHandle, normalizeTimes, RuleList } from "../handle";
import type { Bindings } from "./bindings";
import type { DeploymentOutcome } from "./deployments";
import type { ResolvedDeployPhaseMs } from "./options";
import type { ImagePullCredentials, StoredAgent } from "./records";
import { type AgentSpec, imagePullAuthProblem } from "./rules";

/** How an injected deployment failure shows. */
export type DeploymentFailureMode = "failed" | "crash-loop";

/** Options of `emulator.failDeployment()`. */
export interface FailDeploymentOptions {
    /** Only deployments of this agent fail. @default every agent */
    readonly agent?: string;
    /** How many deployments fail (`Infinity`: all of them until cleared). @default 1 */
    readonly times?: number;
    /**
     * `"failed"`: the deployment is `Failed` once `Creating` ends. `"crash-loop"`: it stays in `Validating` with
     * `CrashLoopBackOff` and a growing `restartCount`, and never becomes `Active`.
     * @default "failed"
     */
    readonly mode?: DeploymentFailureMode;
    /**
     * `health.reason` of a failed deployment; for a crash loop (whose reason is `CrashLoopBackOff`), its
     * `lastTerminationReason`. @default "Error"
     */
    readonly reason?: string;
    /** `health.message`. @default "container exited with code 1 (injected by the emulator)" for "failed", "back-off restarting failed container (injected by the emulator)" for "crash-loop" */
    readonly message?: string;
}

interface DeploymentFailure {
    readonly agent: string | undefined;
    readonly mode: DeploymentFailureMode;
    readonly reason: string | undefined;
    readonly message: string | undefined;
}

/** What starting a deployment needs. @internal */
export interface RolloutConfig {
    readonly now: () => number;
    /** A new UUID for each deployment. */
    readonly newId: () => string;
    /** One agent's phase durations (the `deployPhaseMsFor` option, resolved), when they are its own. */
    readonly phasesFor?: ((agentName: string) => ResolvedDeployPhaseMs) | undefined;
}

/** Starts deployments, and holds the injected deployment failures they consume. @internal */
export class Rollout {
    private readonly failures = new RuleList<DeploymentFailure>();

    constructor(private readonly config: RolloutConfig) {}

    /** Starts a deployment of `spec`: captures the bound values now and decides its outcome now. */
    start(agent: StoredAgent, spec: AgentSpec, bindings: Bindings, forced: boolean, image: string): void {
        const now = this.config.now();
        // First, so that durations that do not check throw before anything changes.
        const phases = this.config.phasesFor?.(agent.name);
        const previous = agent.deployments[agent.deployments.length - 1];
        if (previous !== undefined) previous.supersededAt = now;
        const imagePull =
            bindings.imagePullSecretSet === undefined
                ? undefined
                : { host: bindings.imagePullSecretSet.host, secretValue: bindings.imagePullSecretSet.secretValue };
        agent.deployments.push({
            id: this.config.newId(),
            startedAt: now,
            forced,
            spec,
            image,
            supersededAt: undefined,
            ...(phases === undefined ? {} : { phases }),
            updatedAt: now,
            outcome: this.outcomeOf(agent.name, spec, imagePull),
            secrets: bindings.secretSet === undefined ? undefined : { ...bindings.secretSet.secrets },
            imagePull,
        });
    }

    /** Makes the next deployment(s) fail, of one agent or of any; see {@link FailDeploymentOptions}. */
    fail(options: FailDeploymentOptions = {}): InjectionHandle {
        const mode = options.mode ?? "failed";
        if (mode !== "failed" && mode !== "crash-loop") throw new TypeError('failDeployment({ mode }) must be "failed" or "crash-loop"');
        for (const field of ["reason", "message"] as const) {
            const value = options[field];
            if (value !== undefined && (typeof value !== "string" || value === "")) {
                throw new TypeError(`failDeployment({ ${field} }) must be a non-empty string`);
            }
        }
        const times = normalizeTimes(options.times, "failDeployment({ times })");
        return this.failures.add({ agent: options.agent, mode, reason: options.reason, message: options.message }, times);
    }

    /** Withdraws every {@link fail} rule. */
    clear(): void {
        this.failures.clear();
    }

    /** An image pull that cannot decode its credentials fails first; otherwise the oldest matching failure rule applies. */
    private outcomeOf(agentName: string, spec: AgentSpec, imagePull: ImagePullCredentials | undefined): DeploymentOutcome {
        const pullProblem = imagePull === undefined ? undefined : imagePullAuthProblem(imagePull.secretValue);
        if (pullProblem !== undefined) {
            const image = spec.image === undefined ? "the build's image" : `image "${spec.image}"`;
            return {
                kind: "failed",
                health: {
                    ready: false,
                    state: "waiting",
                    restartCount: 0,
                    replicasStarted: 0,
                    reason: "ImagePullBackOff",
                    message: `Back-off pulling ${image}: failed to create k8schain: ${pullProblem}`,
                },
            };
        }
        const failure = this.failures.take((f) => f.agent === undefined || f.agent === agentName);
        if (failure === undefined) return { kind: "healthy" };
        const reason = failure.reason ?? "Error";
        const lastExitCode = reason === "OOMKilled" ? 137 : 1;
        if (failure.mode === "crash-loop") {
            const message = failure.message ?? "back-off restarting failed container (injected by the emulator)";
            return { kind: "crash-loop", lastExitCode, lastTerminationReason: reason, message };
        }
        const message = failure.message ?? "container exited with code 1 (injected by the emulator)";
        return {
            kind: "failed",
            health: {
                ready: false,
                state: "terminated",
                restartCount: 0,
                replicasStarted: 1,
                reason,
                lastExitCode,
                lastTerminationReason: reason,
                message,
            },
        };
    }
}
