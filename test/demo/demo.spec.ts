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
};
const SECRETS = Object.entries(V).map(([label, value]) => ({ label, value }));

/** Autonamed: `<resource name>-<7 random characters>`. */
const SET = "voice-bot-secrets-[a-z0-9]{7}";
const AGENT = "voice-bot-[a-z0-9]{7}";
/** A build as the demo names it (the first 8 characters of its id), a context hash, a build's full id. */
const ID8 = "[0-9a-f]{8}";
const HASH = "[0-9a-f]{16}";
const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
/** What the one upload of a step holds and how it came: bot/'s four files, no .env, no Authorization header. */
const UPLOAD =
    "emulator: upload to storage uploads/[0-9a-f-]+/…/context\\.tar\\.gz: \\d+ bytes, files \\.dockerignore, Dockerfile, bot\\.py, requirements\\.txt; " +
    "Authorization header: none; \\.env sent: no\n";
const BUILD = (id: string, hash: string) =>
    `emulator: build ${id}: success, context ${hash} \\(4 files\\), queued \\d\\.\\d s, building \\d\\.\\d s\n`;

const TITLES = ["1/5 From source to a running agent", "2/5 A pull request changes bot/bot.py", "3/5 Apply it", "4/5 Drift", "5/5 Destroy"];

/** The demo's output cut at its step headers: sections[i] is step i+1 (up to the next header). */
function sections(stdout: string): string[] {
    const at = TITLES.map((t) => stdout.indexOf(`\n== ${t}`));
    at.forEach((i, n) => assert.ok(i !== -1, `step "${TITLES[n]}" is missing`));
    at.forEach((i, n) => n > 0 && assert.ok(i > (at[n - 1] as number), `step "${TITLES[n]}" comes before step "${TITLES[n - 1]}"`));
    return at.map((i, n) => stdout.slice(i, at[n + 1] ?? stdout.length));
}

/** The first group of `re` in `text`, which must match. */
function captured(text: string, re: RegExp, what: string): string {
    const m = re.exec(text);
    assert.ok(m?.[1] !== undefined, `${what}: ${re} not found`);
    return m[1];
}
const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Every check on one run's stdout, by step; throws an AssertionError naming the first that fails. */
const checks: Record<string, (s: string[]) => void> = {
    "1. one up builds bot/ (one upload, without the key or the .env), writes the set and runs the agent on that build": ([s1]) => {
        assert.match(s1!, /\+ 4 created/);
        // The build's progress, from the provider, in the run's diagnostics.
        assert.match(s1!, /Build of context "\.\/bot": uploading 4 files \([\d.]+ KB gzipped\)\n/);
        assert.match(s1!, new RegExp(`Build of context "\\./bot": build ${ID8} success after \\d+ s\n`));
        assert.match(s1!, new RegExp(`Autonamed: set ${SET}, agent ${AGENT} \\(another stack gets names of its own\\)\\.\n`));
        assert.match(s1!, /emulator: uploads in this step: 1\n/);
        assert.match(s1!, new RegExp(UPLOAD));
        const build = captured(s1!, new RegExp(`emulator: build (${ID8}): success`), "the build");
        assert.match(s1!, new RegExp(BUILD(build, HASH)));
        assert.match(s1!, new RegExp(`emulator: set ${SET}: ready, keys DAILY_API_KEY, OPENAI_API_KEY\n`));
        assert.match(
            s1!,
            new RegExp(`emulator: agent ${AGENT}: ready=true, runs build ${build}'s image, deployments 1, newest forced=no\n`),
        );
        assert.match(s1!, /the running agent sees the declared OPENAI_API_KEY: yes\n/);
    },
    "2. the pull request's preview shows the new build, the key with its value hidden, the agent's redeploy, sending nothing": ([
        s1,
        s2,
    ]) => {
        const hash = captured(s1!, new RegExp(`emulator: build ${ID8}: success, context (${HASH})`), "step 1's context hash");
        assert.match(s2!, /\$ echo ' {4}logger\.info\("greeting the caller"\)' >> bot\/bot\.py\n/);
        assert.match(s2!, /\$ pulumi preview --diff/);
        assert.match(s2!, /\+-pulumi-nodejs:dynamic\/pipecat:Build: \(replace\)/);
        assert.match(s2!, new RegExp(`~ contextHash\\s*: "${hash}" => "(?!${hash})${HASH}"`));
        assert.match(s2!, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.doesNotMatch(s2!, /DAILY_API_KEY/, "an unchanged key is not shown");
        assert.match(s2!, /~ pulumi-nodejs:dynamic\/pipecat:Agent: \(update\)/);
        assert.match(s2!, new RegExp(`~ buildId\\s*: "${UUID}" => \\[unknown\\]`));
        assert.match(s2!, /~ secretSetRevision\s*: "[0-9a-f]+" => \[unknown\]/);
        assert.match(s2!, /~ 2 to update/);
        assert.match(s2!, /\+-1 to replace/);
        assert.match(s2!, /emulator: requests sent by the preview: 0 /);
    },
    "3. after apply: one upload, a new build, and the agent runs it with the new value": ([s1, s2, s3]) => {
        const first = captured(s1!, new RegExp(`emulator: build (${ID8}): success`), "step 1's build");
        const hash = captured(s2!, new RegExp(`~ contextHash\\s*: "${HASH}" => "(${HASH})"`), "step 2's new context hash");
        assert.match(s3!, /~ 2 updated/);
        assert.match(s3!, /\+-1 replaced/);
        assert.match(s3!, /emulator: uploads in this step: 1\n/);
        assert.match(s3!, new RegExp(UPLOAD));
        assert.match(s3!, new RegExp(BUILD(first, HASH)));
        const second = captured(s3!, new RegExp(`emulator: build (${ID8}): success, context ${hash} `), "the new build");
        assert.notEqual(second, first);
        assert.match(s3!, new RegExp(BUILD(second, hash)));
        assert.match(
            s3!,
            new RegExp(`emulator: agent ${AGENT}: ready=true, runs build ${second}'s image, deployments 2, newest forced=yes\n`),
        );
        assert.match(s3!, /the running agent sees the new OPENAI_API_KEY: yes; the old one: no\n/);
    },
    "4. the drift (the first build redeployed by hand, a key deleted) is shown by refresh and repaired by up, without a build": ([
        s1,
        ,
        s3,
        s4,
    ]) => {
        const first = captured(s1!, new RegExp(`emulator: build (${ID8}): success`), "step 1's build");
        const second = captured(s3!, new RegExp(`runs build (${ID8})'s image, deployments 2`), "step 3's build");
        const [before, rest = ""] = s4!.split("$ pulumi refresh");
        const firstId = captured(
            before!,
            new RegExp(`POST \\$PIPECAT_API_URL/agents/${AGENT} -d '\\{"buildId":"(${escaped(first)}[0-9a-f-]{28})"\\}'\\s+→ 200`),
            "the hand-made deployment",
        );
        assert.match(before!, new RegExp(`DELETE \\$PIPECAT_API_URL/secrets/${SET}/DAILY_API_KEY\\s+→ 200`));
        assert.match(before!, new RegExp(`emulator: set ${SET}: \\w+, keys OPENAI_API_KEY\n`));
        assert.match(before!, new RegExp(`emulator: agent ${AGENT}: ready=\\w+, runs build ${first}'s image, deployments 3, `));
        const [refresh, after = ""] = rest.split("$ pulumi up");
        assert.match(refresh!, new RegExp(`~ buildId\\s*: "${escaped(second)}[0-9a-f-]{28}" => "${firstId}"`));
        assert.match(refresh!, /~ keys\s*: \[/);
        assert.match(refresh!, /"DAILY_API_KEY" =>/, "refresh shows the deleted key");
        // Pulumi's by-position list diff reads like a rename; the demo says what happened.
        assert.match(
            refresh!,
            /note: Pulumi compares `keys` position by position, so the lines above are no rename: it lost DAILY_API_KEY; kept OPENAI_API_KEY\.\n/,
        );
        assert.match(after, new RegExp(`emulator: set ${SET}: ready, keys DAILY_API_KEY, OPENAI_API_KEY\n`));
        assert.match(
            after,
            new RegExp(`emulator: agent ${AGENT}: ready=true, runs build ${second}'s image, deployments 4, newest forced=yes\n`),
        );
        assert.match(
            after,
            new RegExp(`the running agent runs the declared build ${second} again, without a new build: uploads 0, builds 2\n`),
        );
        assert.match(after, /the running agent sees DAILY_API_KEY again: yes\n/);
    },
    "5. destroy removes the agent first, then the set, and leaves the builds": ([, , , , s5]) => {
        assert.match(s5!, /- 4 deleted/);
        assert.match(s5!, new RegExp(`emulator: deletes in order: /agents/${AGENT}, /secrets/${SET}\n`));
        assert.match(s5!, /emulator: holds 0 sets, 0 agents and 2 builds \(destroy dropped them from the state only\)\n/);
        assert.match(s5!, /Done in \d+ s( \(\d+ s of it preparing: dependencies, build, engine\))?\.\n/);
    },
    "6. it ends with the next steps: a stack of one's own, one's own .env, the pull-request workflow": ([, , , , s5]) => {
        const next = s5!.slice(s5!.indexOf("\nNext:\n"));
        assert.ok(next.startsWith("\nNext:\n"), "a Next: section after Done");
        assert.match(next, /README's Quickstart, or copy examples\/from-source/);
        assert.match(next, /or examples\/basic/);
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
        ["1. one up", "OPENAI_API_KEY: yes\n", "OPENAI_API_KEY: no\n"],
        ["1. one up", "Authorization header: none", "Authorization header: yes"],
        ["1. one up", ".env sent: no", ".env sent: yes"],
        ["1. one up", "deployments 1, newest forced=no", "deployments 2, newest forced=no"],
        ["2. the pull request", "[secret] => [secret]", `${V.DEMO_OPENAI_KEY} => [secret]`],
        ["2. the pull request", "Build: (replace)", "Build: (update)"],
        ["2. the pull request", "requests sent by the preview: 0 ", "requests sent by the preview: 1 "],
        ["3. after apply", "+-1 replaced", "+-1 unchanged"],
        ["3. after apply", "deployments 2, newest forced=yes", "deployments 2, newest forced=no"],
        ["3. after apply", "new OPENAI_API_KEY: yes", "new OPENAI_API_KEY: no"],
        ["4. the drift", "without a new build: uploads 0", "without a new build: uploads 1"],
        ["4. the drift", "DAILY_API_KEY again: yes", "DAILY_API_KEY again: no"],
        ["4. the drift", "it lost DAILY_API_KEY;", "it lost OPENAI_API_KEY;"],
        ["5. destroy", "and 2 builds", "and 0 builds"],
        ["5. destroy", "deletes in order: /agents/voice-bot-", "deletes in order: /secrets/voice-bot-"],
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
