/**
 * Helpers for the agents specs: ready sets to bind, agent calls, and the shapes of the answers as the docs name them.
 */
import assert from "node:assert/strict";
import type { Emulator } from "../../../emulator";
import { type Answer, call, imagePullBody, regularBody } from "../support";

/** A revision as `currentRevision` / `previousRevision` carry it. */
export interface Revision {
    readonly deploymentID: string;
    readonly phase: string;
    readonly readyReplicas: number;
    readonly phaseStartedAt: string;
    readonly health: Readonly<Record<string, unknown>>;
}

/** `ServiceDetailsResponse`, as far as the specs read it. */
export interface Details {
    readonly name: string;
    readonly region: string;
    readonly ready: boolean;
    readonly available: boolean;
    readonly createdAt: string;
    readonly updatedAt: string;
    readonly desiredDeploymentId: string;
    readonly activeDeploymentId: string;
    readonly reconciledDeploymentId: string | null;
    readonly activeDeploymentReady: boolean;
    readonly autoScaling: { readonly minReplicas: number; readonly maxReplicas: number };
    readonly activeSessionCount: number;
    readonly deployment: {
        readonly id: string;
        readonly serviceId: string;
        readonly createdAt: string;
        readonly updatedAt: string;
        readonly manifest: {
            readonly apiVersion: string;
            readonly kind: string;
            readonly metadata: { readonly name: string; readonly namespace: string };
            readonly spec: Readonly<Record<string, unknown>>;
        };
    };
    readonly agentProfile: string;
    readonly krispViva: { readonly audioFilter: string | null };
    readonly currentRevision: Revision;
    readonly previousRevision: Revision | null;
}

/** A base64 `username:token`, as an image-pull set's value must be. */
export const PULL_AUTH = Buffer.from("robot:registry-token-0001").toString("base64");

/** Creates a regular set over HTTP and checks it was accepted (it is ready at once with the default readyAfterMs). */
export async function putSet(emulator: Emulator, name: string, secrets: Record<string, string>, region?: string): Promise<void> {
    assert.equal((await call(emulator, "PUT", `/secrets/${name}`, { body: regularBody(secrets, region) })).status, 202);
}

/** Creates an image-pull set over HTTP. */
export async function putPullSet(emulator: Emulator, name: string, secretValue = PULL_AUTH, region?: string): Promise<void> {
    assert.equal(
        (await call(emulator, "PUT", `/secrets/${name}`, { body: imagePullBody("https://ghcr.io", secretValue, region) })).status,
        202,
    );
}

/** `POST /agents` with `body`. */
export function createAgent(emulator: Emulator, body: unknown): Promise<Answer> {
    return call(emulator, "POST", "/agents", { body });
}

/** `POST /agents` that must succeed; returns the details. */
export async function createdAgent(emulator: Emulator, body: Record<string, unknown>): Promise<Details> {
    const answer = await createAgent(emulator, body);
    assert.equal(answer.status, 200, answer.text);
    return answer.json as Details;
}

/** `POST /agents/{name}` with `body`. */
export function updateAgent(emulator: Emulator, name: string, body: unknown): Promise<Answer> {
    return call(emulator, "POST", `/agents/${name}`, { body });
}

/** `POST /agents/{name}` that must succeed; returns the details. */
export async function updatedAgent(emulator: Emulator, name: string, body: Record<string, unknown>): Promise<Details> {
    const answer = await updateAgent(emulator, name, body);
    assert.equal(answer.status, 200, answer.text);
    return answer.json as Details;
}

/** `GET /agents/{name}` that must succeed. */
export async function details(emulator: Emulator, name: string): Promise<Details> {
    const answer = await call(emulator, "GET", `/agents/${name}`);
    assert.equal(answer.status, 200, answer.text);
    return answer.json as Details;
}

/** The error body `{ error, code }` with a status, for `deepEqual` against an answer. */
export function errorOf(answer: Answer): { status: number; json: unknown } {
    return { status: answer.status, json: answer.json };
}

/** How many deployments the emulator holds for `name`. */
export function deploymentCount(emulator: Emulator, name: string): number {
    return emulator.agent(name)?.deployments.length ?? 0;
}
