/**
 * Shared helpers for the emulator's tests: a fresh emulator per test (closed in teardown) and a small fetch wrapper.
 */
import { type Emulator, type EmulatorOptions, startEmulator } from "../../emulator";

/** A response read in full. */
export interface Answer {
    readonly status: number;
    readonly headers: Headers;
    readonly text: string;
    /** Parsed body; `undefined` when the body is not JSON. */
    readonly json: unknown;
}

/** Options of {@link call}. */
export interface CallOptions {
    /** JSON-encoded as the body. */
    readonly body?: unknown;
    /** Sent verbatim as the body (takes precedence over `body`). */
    readonly rawBody?: string;
    /** `Authorization` header; `null` sends none. Default: `Bearer <emulator.apiKey>`. */
    readonly authorization?: string | null;
}

/** Sends one request to `emulator` (path relative to its base URL, e.g. `/secrets/app`) and reads the answer. */
export async function call(emulator: Emulator, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    const authorization = options.authorization === undefined ? `Bearer ${emulator.apiKey}` : options.authorization;
    if (authorization !== null) headers["authorization"] = authorization;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers["content-type"] = "application/json";

    const response = await fetch(`${emulator.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch {
        json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
}

/** A regular PUT body from a key/value record. */
export function regularBody(secrets: Record<string, string>, region?: string): unknown {
    return {
        secrets: Object.entries(secrets).map(([secretKey, secretValue]) => ({ secretKey, secretValue })),
        ...(region === undefined ? {} : { region }),
    };
}

/** An image-pull PUT body. */
export function imagePullBody(host: string, secretValue: string, region?: string): unknown {
    return { isImagePullSecret: true, host, secretValue, ...(region === undefined ? {} : { region }) };
}

/** A clock tests move by hand. */
export class ManualClock {
    constructor(private time = 1_000_000) {}

    readonly now = (): number => this.time;

    advance(ms: number): void {
        this.time += ms;
    }
}

/**
 * Registers teardown in the calling `describe` and returns a starter: every emulator it starts is closed after the
 * test that started it.
 */
export function emulatorFixture(): (options?: EmulatorOptions) => Promise<Emulator> {
    let started: Emulator[] = [];
    afterEach(async () => {
        await Promise.all(started.map((e) => e.close()));
        started = [];
    });
    return async (options) => {
        const emulator = await startEmulator(options);
        started.push(emulator);
        return emulator;
    };
}
