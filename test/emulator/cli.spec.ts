import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseCliArgs } from "../../emulator/cli";

const ROOT = resolve(__dirname, "../..");
const LISTENING = /^pipecat-secrets-emulator listening on (http:\/\/127\.0\.0\.1:(\d+)\/v1)$/m;

interface Running {
    readonly child: ChildProcess;
    readonly url: string;
    readonly port: number;
    readonly stdout: () => string;
    readonly stderr: () => string;
    readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts the CLI from source through ts-node, so the test needs no build; the compiled `dist/emulator/cli.js` is the
 * same module.
 */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Running & { ready: Promise<void> } {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "emulator/cli.ts", ...args], {
        cwd: ROOT,
        env: { ...process.env, PIPECAT_EMULATOR_API_KEY: "", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
        child.on("exit", (code, signal) => done({ code, signal })),
    );
    const running = { child, url: "", port: 0, stdout: () => out, stderr: () => err, exit };
    const ready = new Promise<void>((done, fail) => {
        const onData = (): void => {
            const match = LISTENING.exec(out);
            if (match === null) return;
            child.stdout?.off("data", onData);
            Object.assign(running, { url: match[1], port: Number(match[2]) });
            done();
        };
        child.stdout?.on("data", onData);
        void exit.then(({ code }) => fail(new Error(`the CLI exited with ${String(code)} before listening: ${err}`)));
    });
    return Object.assign(running, { ready });
}

async function waitFor(condition: () => boolean, what: string, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
    }
}

describe("emulator command line", () => {
    let running: Running | undefined;
    let dir: string;

    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), "emulator-cli-"));
    });

    afterEach(async () => {
        if (running !== undefined && running.child.exitCode === null && running.child.signalCode === null) {
            running.child.kill("SIGKILL");
            await running.exit;
        }
        running = undefined;
        rmSync(dir, { recursive: true, force: true });
    });

    it("starts, prints the listening line, logs requests without bodies, writes the port file and stops on SIGTERM", async () => {
        const portFile = join(dir, "port");
        const cli = startCli(["--port", "0", "--api-key", "cli-key", "--port-file", portFile]);
        running = cli;
        await cli.ready;
        assert.equal(readFileSync(portFile, "utf8"), `${cli.port}\n`);

        const headers = { authorization: "Bearer cli-key", "content-type": "application/json" };
        const body = JSON.stringify({ secrets: [{ secretKey: "A", secretValue: "cli-secret-value" }] });
        assert.equal((await fetch(`${cli.url}/secrets/my-set`, { method: "PUT", headers, body })).status, 202);
        assert.equal((await fetch(`${cli.url}/secrets`, { headers: { authorization: "Bearer wrong" } })).status, 401);
        await waitFor(() => cli.stdout().includes("GET /v1/secrets 401"), "the request log line");

        assert.match(cli.stdout(), /^PUT \/v1\/secrets\/my-set 202 \d+ms$/m);
        assert.ok(!cli.stdout().includes("cli-secret-value") && !cli.stderr().includes("cli-secret-value"));
        assert.ok(!cli.stderr().includes("cli-key"), "the API key is not printed");

        cli.child.kill("SIGTERM");
        assert.deepEqual(await cli.exit, { code: 0, signal: null });
        assert.equal(existsSync(portFile), false, "the port file is removed on exit");
        assert.match(cli.stdout(), /pipecat-secrets-emulator stopped \(SIGTERM\)/);
    });

    it("stops cleanly on SIGINT", async () => {
        const cli = startCli(["--port", "0", "--quiet"]);
        running = cli;
        await cli.ready;
        cli.child.kill("SIGINT");
        assert.deepEqual(await cli.exit, { code: 0, signal: null });
    });

    it("takes the API key from PIPECAT_EMULATOR_API_KEY, the readiness delay from --ready-after-ms and deploy phases from --deploy-phase-ms", async () => {
        const cli = startCli(
            ["--port", "0", "--ready-after-ms", "60000", "--image-pull-updates", "accept", "--deploy-phase-ms", "creating=60000"],
            {
                PIPECAT_EMULATOR_API_KEY: "env-key",
            },
        );
        running = cli;
        await cli.ready;
        const headers = { authorization: "Bearer env-key", "content-type": "application/json" };
        const body = JSON.stringify({ secrets: [{ secretKey: "A", secretValue: "v" }] });
        assert.equal((await fetch(`${cli.url}/secrets/my-set`, { method: "PUT", headers, body })).status, 202);
        const described = (await (await fetch(`${cli.url}/secrets/my-set`, { headers })).json()) as { status: string };
        assert.equal(described.status, "pending");
        const agentBody = JSON.stringify({ serviceName: "cli-agent", image: "me/agent:1" });
        assert.equal((await fetch(`${cli.url}/agents`, { method: "POST", headers, body: agentBody })).status, 200);
        const agent = (await (await fetch(`${cli.url}/agents/cli-agent`, { headers })).json()) as { currentRevision: { phase: string } };
        assert.equal(agent.currentRevision.phase, "Creating");
        assert.ok(!cli.stderr().includes("default API key"));
    });

    it("announces the default API key on stderr when none is given", async () => {
        const cli = startCli(["--port", "0", "--quiet"]);
        running = cli;
        await cli.ready;
        await waitFor(() => cli.stderr().includes("default API key"), "the notice");
        assert.equal((await fetch(`${cli.url}/secrets`, { headers: { authorization: "Bearer emulator-key" } })).status, 200);
    });

    it("prints the two pulumi config set lines a program needs after its URL, naming the key only when it is the default", async () => {
        const cli = startCli(["--port", "0", "--quiet"]);
        running = cli;
        await cli.ready;
        await waitFor(() => cli.stdout().includes("pipecat:apiKey"), "the config lines");
        const after = cli.stdout().slice(cli.stdout().indexOf(cli.url) + cli.url.length);
        assert.match(
            after,
            new RegExp(
                `^\\nPoint a Pulumi program at it:\\n  pulumi config set pipecat:apiUrl ${cli.url}\\n  pulumi config set pipecat:apiKey --secret emulator-key\\n`,
            ),
        );

        const own = startCli(["--port", "0", "--quiet", "--api-key", "pk-own-KEY-never-printed"]);
        await own.ready;
        try {
            await waitFor(() => own.stdout().includes("pipecat:apiKey"), "the config lines");
            assert.match(own.stdout(), new RegExp(`pulumi config set pipecat:apiUrl ${own.url}\\n`));
            assert.match(
                own.stdout(),
                /pulumi config set pipecat:apiKey --secret <the key given with --api-key or \$PIPECAT_EMULATOR_API_KEY>\n/,
            );
            assert.ok(!own.stdout().includes("pk-own-KEY") && !own.stderr().includes("pk-own-KEY"), "the given key is not printed");
        } finally {
            own.child.kill("SIGKILL");
            await own.exit;
        }
    });

    it("says in --help what the default image-pull update mode does, without jargon", async () => {
        const cli = startCli(["--help"]);
        running = cli;
        assert.deepEqual(await cli.exit, { code: 0, signal: null });
        assert.match(
            cli.stdout(),
            /--image-pull-updates MODE +what a PUT of new credentials to an existing image-pull set does:\n +"refuse" \(default: 400/,
        );
        assert.doesNotMatch(cli.stdout(), /seed/);
    });

    // npx (npm exec) and npm run start a command as npm -> sh -c -> node. npm passes a signal on to the sh only: on
    // SIGTERM the sh and npm exit and, without a watch on its parent, the emulator outlived them and kept the port.
    // A terminal's Ctrl-C sends SIGINT to the whole process group. `npm exec` is what npx runs.
    const viaNpm: [string, (pid: number) => void][] = [
        ["SIGTERM to npm alone", (pid) => process.kill(pid, "SIGTERM")],
        ["Ctrl-C (SIGINT to the process group)", (pid) => process.kill(-pid, "SIGINT")],
    ];
    for (const [what, signal] of viaNpm) {
        it(`exits when started by npm exec (as by npx) and npm's wrapper gets ${what}`, async function () {
            this.timeout(40_000);
            const child = spawn(
                "npm",
                ["exec", "--", "node", "-r", "ts-node/register/transpile-only", "emulator/cli.ts", "--port", "0", "--quiet"],
                {
                    cwd: ROOT,
                    env: { ...process.env, PIPECAT_EMULATOR_API_KEY: "" },
                    stdio: ["ignore", "pipe", "pipe"],
                    detached: true,
                },
            );
            let out = "";
            child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
            const npmExit = new Promise((done) => child.on("exit", done));
            try {
                await waitFor(() => LISTENING.test(out), "the listening line", 25_000);
                const url = LISTENING.exec(out)?.[1] ?? "";
                assert.equal((await fetch(`${url}/secrets`, { headers: { authorization: "Bearer emulator-key" } })).status, 200);
                signal(child.pid as number);
                await npmExit;
                await waitFor(() => out.includes("pipecat-secrets-emulator stopped"), "the emulator to stop");
                await assert.rejects(fetch(`${url}/secrets`), "nothing listens on the port any more");
            } finally {
                try {
                    process.kill(-(child.pid as number), "SIGKILL");
                } catch {
                    // all gone
                }
            }
        });
    }

    it("exits with status 2 and the usage on an unknown option", async () => {
        const cli = startCli(["--port", "0", "--bogus"]);
        running = cli;
        assert.deepEqual(await cli.exit, { code: 2, signal: null });
        assert.match(cli.stderr(), /Unknown option '--bogus'/);
        assert.match(cli.stderr(), /Usage: pipecat-secrets-emulator/);
    });

    describe("argument parsing", () => {
        it("maps every option to EmulatorOptions", () => {
            const command = parseCliArgs(
                [
                    "--port",
                    "9000",
                    "--host",
                    "0.0.0.0",
                    "--api-key",
                    "k",
                    "--ready-after-ms",
                    "500",
                    "--image-pull-updates",
                    "accept",
                    "--rate-limit",
                    "10",
                    "--regions",
                    "us-west, eu-central",
                    "--default-region",
                    "eu-central",
                    "--port-file",
                    "/tmp/p",
                    "--deploy-phase-ms",
                    "validating=300, creating=200,draining=0",
                    "--build-queue-ms",
                    "0",
                    "--build-duration-ms",
                    "2500",
                    "--build-max-ms",
                    "60000",
                ],
                {},
            );
            assert.deepEqual(command, {
                help: false,
                options: {
                    apiKey: "k",
                    host: "0.0.0.0",
                    port: 9000,
                    readyAfterMs: 500,
                    deployPhaseMs: { validating: 300, creating: 200, draining: 0 },
                    imagePullUpdates: "accept",
                    rateLimit: { requestsPerSecond: 10 },
                    regions: ["us-west", "eu-central"],
                    defaultRegion: "eu-central",
                    buildQueueMs: 0,
                    buildDurationMs: 2500,
                    buildMaxMs: 60000,
                },
                portFile: "/tmp/p",
                quiet: false,
                defaultKey: false,
            });
        });

        it("defaults the port to 8787 and prefers --api-key over the environment", () => {
            const command = parseCliArgs(["--api-key", "flag"], { PIPECAT_EMULATOR_API_KEY: "env" });
            assert.equal(command.options.port, 8787);
            assert.equal(command.options.apiKey, "flag");
            assert.equal(parseCliArgs([], { PIPECAT_EMULATOR_API_KEY: "env" }).options.apiKey, "env");
            assert.equal(parseCliArgs([], {}).defaultKey, true);
        });

        const invalid: [string[], RegExp][] = [
            [["--port", "abc"], /--port must be a whole number from 0 to 65535/],
            [["--port", "70000"], /--port must be a whole number from 0 to 65535/],
            [["--ready-after-ms=-5"], /--ready-after-ms must be a whole number/],
            [["--rate-limit", "0"], /--rate-limit must be a whole number from 1/],
            [["--image-pull-updates", "yes"], /--image-pull-updates must be "refuse" or "accept"/],
            [["--api-key", ""], /--api-key must not be empty/],
            [["--deploy-phase-ms", "creating"], /--deploy-phase-ms must be phase=ms pairs/],
            [["--deploy-phase-ms", "booting=5"], /--deploy-phase-ms must be phase=ms pairs/],
            [["--deploy-phase-ms", "creating=1,creating=2"], /each at most once/],
            [["--deploy-phase-ms", "validating=-1"], /--deploy-phase-ms validating must be a whole number/],
            [["--build-max-ms", "0"], /--build-max-ms must be a whole number from 1/],
            [["--build-duration-ms", "1.5"], /--build-duration-ms must be a whole number/],
            [["extra"], /Unexpected argument 'extra'/],
        ];
        for (const [argv, message] of invalid) {
            it(`refuses ${argv.join(" ") || "(empty)"}`, () => {
                assert.throws(() => parseCliArgs(argv, {}), { name: "CliUsageError", message });
            });
        }
    });
});
