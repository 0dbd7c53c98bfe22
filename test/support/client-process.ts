/**
 * Runs calls of the provider's shared API client in a Node process of its own, configured like the
 * provider process: NODE_EXTRA_CA_CERTS is given when the process starts (Node reads it only then,
 * which is why this is a process and not a function), and each run's settings (PIPECAT_API_URL,
 * PIPECAT_API_KEY) and proxy variables are put into its `process.env` before the run's client is made,
 * exactly where the provider's settings and client read them. One process serves many runs, because
 * starting one through ts-node costs about two seconds.
 *
 * Protocol: one JSON `ClientScript` per line on standard input; for each, one JSON line per call
 * (`{ ok: true, value }` or `{ ok: false, name, message, ... }`), then `{ "done": true }`. Waits between
 * retries are skipped.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import * as path from "node:path";
import * as readline from "node:readline";

export type ClientCall =
    | { readonly op: "putRegular"; readonly set: string; readonly secrets: Readonly<Record<string, string>> }
    | { readonly op: "lookup" | "deleteSet"; readonly set: string }
    | { readonly op: "list" | "regions" };

export interface ClientScript {
    /** The run's environment variables of {@link MANAGED}; the others of the list are unset for the run. */
    readonly env: Readonly<Record<string, string>>;
    /** Retries after a first failed attempt (the provider's default is 5). */
    readonly retries: number;
    readonly calls: readonly ClientCall[];
}

/** The variables a run sets or unsets; nothing else of the process's environment changes between runs. */
export const MANAGED = [
    "PIPECAT_API_URL",
    "PIPECAT_API_KEY",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "NO_PROXY",
    "no_proxy",
] as const;

export type CallOutcome =
    | { readonly ok: true; readonly value: unknown }
    | {
          readonly ok: false;
          readonly name: string;
          readonly message: string;
          readonly status?: number;
          readonly variable?: string;
          readonly proxy?: string;
      };

export interface ClientRun {
    readonly outcomes: CallOutcome[];
    /** What the process printed during the run (the outcomes, and anything on standard error): to scan for secrets. */
    readonly output: string;
}

/** The parent's side: a started client process. */
export class ClientProcess {
    private readonly child: ChildProcessWithoutNullStreams;
    private readonly lines: AsyncIterator<string>;
    private stderr = "";

    /** Starts a process whose environment is exactly PATH plus `env` (nothing else inherited). */
    constructor(env: Readonly<Record<string, string>>) {
        const root = path.resolve(__dirname, "..", "..");
        this.child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", __filename], {
            cwd: root,
            env: { PATH: process.env["PATH"] ?? "", ...env },
            stdio: ["pipe", "pipe", "pipe"],
        });
        this.child.stderr.setEncoding("utf8").on("data", (chunk: string) => (this.stderr += chunk));
        this.lines = readline.createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
    }

    /** Runs one script and collects its outcomes. */
    async run(script: ClientScript): Promise<ClientRun> {
        this.stderr = "";
        this.child.stdin.write(`${JSON.stringify(script)}\n`);
        const outcomes: CallOutcome[] = [];
        let output = "";
        for (;;) {
            const next = await this.lines.next();
            if (next.done === true) throw new Error(`the client process ended early; its standard error:\n${this.stderr}`);
            output += `${next.value}\n`;
            const parsed = JSON.parse(next.value) as CallOutcome | { done: true };
            if ("done" in parsed) break;
            outcomes.push(parsed);
        }
        return { outcomes, output: output + this.stderr };
    }

    async close(): Promise<void> {
        if (this.child.exitCode !== null) return;
        const exited = new Promise((resolve) => this.child.once("exit", resolve));
        this.child.stdin.end();
        await exited;
    }
}

async function serve(): Promise<void> {
    // Loaded here, not at the top: the parent imports this module for ClientProcess only.
    const session = require("../../provider/session") as typeof import("../../provider/session");
    for await (const line of readline.createInterface({ input: process.stdin })) {
        const script = JSON.parse(line) as ClientScript;
        for (const name of MANAGED) {
            const value = script.env[name];
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        session.setTestHooks({ sleep: async () => {}, retry: { retries: script.retries } });
        session.configure(undefined);
        for (const call of script.calls) console.log(JSON.stringify(await outcome(session, call)));
        console.log(JSON.stringify({ done: true }));
    }
}

async function outcome(session: typeof import("../../provider/session"), call: ClientCall): Promise<CallOutcome> {
    const sets = require("../../provider/secretset/endpoints") as typeof import("../../provider/secretset/endpoints");
    const organization = require("../../provider/organization/endpoints") as typeof import("../../provider/organization/endpoints");
    const name = "set" in call ? call.set : "-";
    const ctx = sets.setCall("read", name);
    try {
        const client = session.api();
        let value: unknown;
        if (call.op === "putRegular") value = await sets.putRegular(client, sets.setCall("create", name), call.secrets);
        else if (call.op === "lookup") value = await sets.lookup(client, ctx);
        else if (call.op === "deleteSet") value = await sets.deleteSet(client, sets.setCall("delete", name));
        else if (call.op === "list") value = await sets.listSets(client, ctx);
        else value = await organization.regions(client, ctx);
        return { ok: true, value };
    } catch (e) {
        const err = e as Error & { status?: number; variable?: string; proxy?: string };
        return {
            ok: false,
            name: err.name,
            message: err.message,
            ...(err.status !== undefined ? { status: err.status } : {}),
            ...(err.variable !== undefined ? { variable: err.variable, proxy: err.proxy ?? "" } : {}),
        };
    }
}

if (require.main === module) {
    serve().catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : String(e));
        process.exit(1);
    });
}
