/**
 * `npm run demo`, run for real (the same entry a newcomer runs), with values injected through the environment so
 * the test knows them. It checks what the demo prints, engine output and the `emulator:` lines the demo reads from
 * its emulator after each step, and that no value or API key appears anywhere in stdout or stderr.
 *
 * A user with Pulumi installed gets that Pulumi, not a build: the run has a stand-in "installed Pulumi v3.250.0" first
 * on PATH (a script that answers `version` and runs the pinned engine for everything else, logging each command), so
 * it checks that the demo takes an installed engine and runs every command through it.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { assertNoLeaks } from "../support/leaks";
import { runProcess } from "../support/process";
import { engineBin, repoRoot } from "../support/engine";

const V = {
    DEMO_API_KEY: "pk-demo-API-KEY-never-shown-0001",
    DEMO_OPENAI_KEY: "sk-demo-OPENAI-never-shown-0002",
    DEMO_OPENAI_KEY_ROTATED: "sk-demo-OPENAI2-never-shown-0003",
    DEMO_DAILY_KEY: "demo-DAILY-never-shown-0004",
    DEMO_DOCKER_TOKEN: "demo-TOKEN-never-shown-0005",
};
const SECRETS = [
    ...Object.entries(V).map(([label, value]) => ({ label, value })),
    // The image-pull credentials as the provider sends them: base64 of `username:password`.
    { label: "docker auth (base64)", value: Buffer.from(`demo-bot:${V.DEMO_DOCKER_TOKEN}`).toString("base64") },
];

/** Autonamed: `<resource name>-<7 random characters>`. */
const SET = "voice-agent-secrets-[a-z0-9]{7}";
const PULL = "registry-pull-[a-z0-9]{7}";
const AGENT = "voice-agent-[a-z0-9]{7}";

const TITLES = ["1/5 Create", "2/5 A pull request rotates", "3/5 Apply it", "4/5 Drift", "5/5 Destroy"];

/** The demo's output cut at its step headers: sections[i] is step i+1 (up to the next header). */
function sections(stdout: string): string[] {
    const at = TITLES.map((t) => stdout.indexOf(`\n== ${t}`));
    at.forEach((i, n) => assert.ok(i !== -1, `step "${TITLES[n]}" is missing`));
    at.forEach((i, n) => n > 0 && assert.ok(i > (at[n - 1] as number), `step "${TITLES[n]}" comes before step "${TITLES[n - 1]}"`));
    return at.map((i, n) => stdout.slice(i, at[n + 1] ?? stdout.length));
}

/** Every check on one run's stdout, by step; throws an AssertionError naming the first that fails. */
const checks: Record<string, (s: string[]) => void> = {
    "1. the sets and the agent exist and are ready": ([s1]) => {
        assert.match(s1!, /\+ 4 created/);
        assert.match(
            s1!,
            new RegExp(`Autonamed: set ${SET}, image-pull set ${PULL}, agent ${AGENT} \\(another stack gets names of its own\\)\\.\n`),
        );
        assert.match(s1!, new RegExp(`emulator: set ${SET}: ready, keys DAILY_API_KEY, OPENAI_API_KEY\n`));
        assert.match(s1!, new RegExp(`emulator: set ${PULL}: ready, image-pull credentials\n`));
        assert.match(
            s1!,
            new RegExp(`emulator: agent ${AGENT}: ready=true, image dockerhub-user/voice-agent:0\\.1, deployments 1, newest forced=no\n`),
        );
        assert.match(s1!, /the running agent sees the declared OPENAI_API_KEY: yes\n/);
    },
    "2. the rotation preview marks the key, hides the value and plans the agent's redeploy, sending nothing": ([, s2]) => {
        assert.match(s2!, /\$ pulumi preview --diff/);
        assert.match(s2!, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.doesNotMatch(s2!, /DAILY_API_KEY/, "an unchanged key is not shown");
        assert.match(s2!, /~ pulumi-nodejs:dynamic\/pipecat:Agent: \(update\)/);
        assert.match(s2!, /~ secretSetRevision\s*: "[0-9a-f]+" => \[unknown\]/);
        assert.match(s2!, /~ 2 to update/);
        assert.match(s2!, /emulator: requests sent by the preview: 0\n/);
    },
    "3. after apply the agent was redeployed, forced, and runs the new value": ([, , s3]) => {
        assert.match(s3!, /~ 2 updated/);
        assert.match(
            s3!,
            new RegExp(`emulator: agent ${AGENT}: ready=true, image dockerhub-user/voice-agent:0\\.1, deployments 2, newest forced=yes\n`),
        );
        assert.match(s3!, /the running agent sees the new OPENAI_API_KEY: yes; the old one: no\n/);
    },
    "4. the drift is shown by refresh and repaired by up": ([, , , s4]) => {
        const [before, rest = ""] = s4!.split("$ pulumi refresh");
        assert.match(before!, new RegExp(`DELETE \\$PIPECAT_API_URL/secrets/${SET}/DAILY_API_KEY\\s+→ 200`));
        assert.match(before!, new RegExp(`emulator: set ${SET}: \\w+, keys OPENAI_API_KEY\n`));
        assert.match(before!, /image dockerhub-user\/voice-agent:hotfix/);
        const [refresh, after = ""] = rest.split("$ pulumi up");
        assert.match(refresh!, /~ keys\s*: \[/);
        assert.match(refresh!, /"DAILY_API_KEY" =>/, "refresh shows the deleted key");
        // Pulumi's by-position list diff reads like a rename; the demo says what happened.
        assert.match(
            refresh!,
            /note: Pulumi compares `keys` position by position, so the lines above are no rename: it lost DAILY_API_KEY; kept OPENAI_API_KEY\.\n/,
        );
        assert.match(refresh!, /~ image\s*: "dockerhub-user\/voice-agent:0\.1" => "dockerhub-user\/voice-agent:hotfix"/);
        assert.match(after, new RegExp(`emulator: set ${SET}: ready, keys DAILY_API_KEY, OPENAI_API_KEY\n`));
        assert.match(
            after,
            new RegExp(`emulator: agent ${AGENT}: ready=true, image dockerhub-user/voice-agent:0\\.1, deployments 4, newest forced=yes\n`),
        );
        assert.match(after, /the running agent sees DAILY_API_KEY again: yes\n/);
    },
    "5. destroy removes the agent first, then the sets, and leaves the emulator empty": ([, , , , s5]) => {
        assert.match(s5!, /- 4 deleted/);
        assert.match(
            s5!,
            new RegExp(
                `emulator: deletes in order: /agents/${AGENT}, (/secrets/${SET}, /secrets/${PULL}|/secrets/${PULL}, /secrets/${SET})\n`,
            ),
        );
        assert.match(s5!, /emulator: holds 0 sets and 0 agents\n/);
        assert.match(s5!, /Done in \d+ s( \(\d+ s of it preparing: dependencies, build, engine\))?\.\n/);
    },
    "6. it ends with the next steps: a stack of one's own, one's own .env, the pull-request workflow": ([, , , , s5]) => {
        const next = s5!.slice(s5!.indexOf("\nNext:\n"));
        assert.ok(next.startsWith("\nNext:\n"), "a Next: section after Done");
        assert.match(next, /README's Quickstart, or copy examples\/basic/);
        assert.match(next, /npx pipecat-secrets import-env \.env --key agentSecrets/);
        assert.match(next, /dotEnvSecrets\("\.env"\)/);
        assert.match(next, /examples\/github-actions/);
    },
};

describe("npm run demo", function () {
    this.timeout(300_000);
    let stdout = "";
    let stderr = "";
    let standIn = "";

    before(async () => {
        // The stand-in installed Pulumi: `version` says 3.250.0, every other command runs the pinned engine and is logged.
        standIn = fs.mkdtempSync(path.join(os.tmpdir(), "demo-installed-pulumi-"));
        const real = fs.realpathSync(path.join(engineBin(), "pulumi"));
        fs.writeFileSync(
            path.join(standIn, "pulumi"),
            `#!/bin/sh\n[ "$1" = version ] && { echo v3.250.0; exit 0; }\necho "$*" >>"${standIn}/commands.log"\nexec "${real}" "$@"\n`,
            { mode: 0o755 },
        );
        for (const plugin of ["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"])
            fs.symlinkSync(fs.realpathSync(path.join(engineBin(), plugin)), path.join(standIn, plugin));
        const env: NodeJS.ProcessEnv = { ...process.env, ...V, PATH: `${standIn}${path.delimiter}${process.env.PATH ?? ""}` };
        ({ stdout, stderr } = await runProcess("npm", ["run", "demo"], { cwd: repoRoot, env, timeoutMs: 240_000 }));
    });
    after(() => fs.rmSync(standIn, { recursive: true, force: true }));

    it("uses an installed Pulumi from 3.139 as it is, building nothing, and runs every command through it", () => {
        assert.match(
            stdout,
            new RegExp(
                `install-engine: the demo uses the installed Pulumi v3\\.250\\.0 from ${fs.realpathSync(standIn)} \\(nothing to build\\)`,
            ),
        );
        const commands = fs.readFileSync(path.join(standIn, "commands.log"), "utf8");
        for (const command of ["stack init", "up", "preview", "refresh", "destroy"])
            assert.match(commands, new RegExp(`^--non-interactive ${command}`, "m"));
    });

    it("shows the five steps in order", () => void sections(stdout));
    for (const [name, check] of Object.entries(checks)) it(name, () => check(sections(stdout)));

    it("prints no injected value, no API key, in any form, on stdout or stderr", () => {
        assertNoLeaks(
            [
                { label: "stdout", text: stdout },
                { label: "stderr", text: stderr },
            ],
            SECRETS,
            "demo streams",
        );
    });

    // Each check can fail: a copy of this run's output with one fact broken fails the check of that step.
    const broken: [string, string, string][] = [
        ["1. the sets", "OPENAI_API_KEY: yes\n", "OPENAI_API_KEY: no\n"],
        ["2. the rotation", "[secret] => [secret]", `${V.DEMO_OPENAI_KEY} => [secret]`],
        ["2. the rotation", "=> [unknown]", ""],
        ["3. after apply", "deployments 2, newest forced=yes", "deployments 2, newest forced=no"],
        ["3. after apply", "new OPENAI_API_KEY: yes", "new OPENAI_API_KEY: no"],
        ["4. the drift", '=> "dockerhub-user/voice-agent:hotfix"', ""],
        ["4. the drift", "DAILY_API_KEY again: yes", "DAILY_API_KEY again: no"],
        ["5. destroy", "holds 0 sets and 0 agents", "holds 1 sets and 0 agents"],
        ["4. the drift", "it lost DAILY_API_KEY;", "it lost OPENAI_API_KEY;"],
        ["5. destroy", "deletes in order: /agents/voice-agent-", "deletes in order: /secrets/voice-agent-"],
        ["6. it ends", "examples/github-actions", "examples"],
    ];
    it("fails each step's check on a copy of the output with that step's fact broken", () => {
        for (const [prefix, from, to] of broken) {
            assert.ok(stdout.includes(from), `the run printed ${JSON.stringify(from)}`);
            const name = Object.keys(checks).find((k) => k.startsWith(prefix)) as string;
            assert.throws(
                () => checks[name]!(sections(stdout.replace(from, to))),
                assert.AssertionError,
                `${name} with ${JSON.stringify(to)}`,
            );
        }
        const [s1, s2, s3, s4, s5] = sections(stdout);
        assert.throws(() => sections(`${s1}${s3}${s2}${s4}${s5}`), /step "3\/5 Apply it" comes before/);
        assert.throws(() => sections(`${s1}${s2}${s3}${s5}`), /step "4\/5 Drift" is missing/);
        assert.throws(
            () => assertNoLeaks([{ label: "stdout", text: stdout.replace("Done in", `${V.DEMO_API_KEY} Done in`) }], SECRETS),
            /DEMO_API_KEY/,
        );
    });
});
