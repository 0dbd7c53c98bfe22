/**
 * A stack written by an earlier release keeps working after an upgrade of the package. The fixture
 * (`fixtures/stack-0.1.0/`) is the state that version 0.1.0 (commit ac62a1a, before the reshaping of issue 18 into one
 * room per resource) wrote for `index.ts` there: its serialized shims `require` the frozen entry points
 * `pulumi-pipecat-secrets/implementation` and `…/agent/implementation`, and its outputs have that version's shape.
 * This release runs it: nothing declared changed, so a preview and an `up` change nothing and send no request; a
 * rotated key still shows per key and redeploys the agent; destroy removes exactly what the stack owns.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { assertNoLeaks } from "../support/leaks";
import { EngineStack } from "../support/stack";

const FIXTURE = path.join(__dirname, "fixtures", "stack-0.1.0");
/** The API URL the recording ran against; the state's provider configuration holds it. */
const RECORDED_URL = "http://127.0.0.1:39269/v1";
const API_KEY = "pk-upgrade-API-KEY-never-shown-0100";
const program = fs.readFileSync(path.join(FIXTURE, "index.ts"), "utf8");
const SECRETS = [API_KEY, ...[...program.matchAll(/"([^"]*never-shown[^"]*)"/g)].map((m) => m[1]!)];
const ROTATED = "sk-upgrade-OPENAI-rotated-never-shown-0105";

describe("e2e: a stack written by 0.1.0, run by this release", function () {
    this.timeout(600_000);

    let s: EngineStack;

    before(async () => {
        // The organisation as 0.1.0 left it: the same program applied once in a scratch stack whose state is then
        // dropped (`stack rm --force` deletes no resource), so the sets and agents exist under the recorded names.
        // The autonamed set keeps the name 0.1.0 gave it: the scratch stack declares it by that name.
        const state = fs.readFileSync(path.join(FIXTURE, "state.json"), "utf8");
        const autonamed = /"name": "(extra-[a-z0-9]+)"/.exec(state)?.[1];
        assert.ok(autonamed, "the fixture's autonamed set");
        s = await EngineStack.start({
            name: "upgrade-e2e",
            program: program.replace(`new SecretSet("extra", {`, `new SecretSet("extra", { name: "${autonamed}",`),
            stack: "scratch",
            emulator: { apiKey: API_KEY, regions: ["us-west", "us-east", "eu-central"] },
        });
        await s.up("scratch up");
        await s.pulumi("scratch stack rm", ["stack", "rm", "scratch", "--force", "--yes"]);
        s.project.writeFile("index.ts", program);

        // The recorded state, imported as stack e2e; only its API URL is this emulator's.
        await s.project.initStack("e2e");
        await s.project.setConfig("pipecat:apiKey", API_KEY, { secret: true });
        await s.project.setConfig("pipecat:apiUrl", s.emulator.url);
        s.project.writeFile("recorded.json", state.replaceAll(RECORDED_URL, s.emulator.url));
        await s.pulumi("stack import", ["stack", "import", "--file", "recorded.json"]);
    });

    after(async () => assertNoLeaks(await s.close(), SECRETS, "upgrade output and state"));

    it("previews with --expect-no-changes and updates nothing, sending no request", async () => {
        s.emulator.clearRequests();
        const preview = await s.preview("preview", { args: ["--expect-no-changes", "--diff"], allowFail: true });
        assert.equal(preview.code, 0, preview.stdout + preview.stderr);
        assert.deepEqual(s.seen(), [], "a preview of the recorded stack sends no request");
        const up = await s.up("up");
        assert.match(up.stdout, /6 unchanged/);
        assert.deepEqual(s.seen(), [], "an up with nothing to change sends no request");
    });

    it("still shows a rotated key per key, writes it and redeploys the agent bound to the set", async () => {
        s.project.writeFile("index.ts", program.replace("sk-upgrade-OPENAI-never-shown-0101", ROTATED));
        const preview = await s.preview("rotation preview", { args: ["--diff"] });
        assert.match(preview.stdout, /~ OPENAI_API_KEY\s*: \[secret\] => \[secret\]/);
        assert.match(preview.stdout, /~ 2 to update/);
        s.emulator.clearRequests();
        await s.up("rotation up");
        assert.deepEqual(
            s.seen().filter((r) => !r.startsWith("GET ")),
            ["PUT /secrets/upgrade-bot 202", "POST /agents/upgrade-voice 200"],
            "one PUT of the set and one POST of the agent",
        );
        assert.equal(s.emulator.runningSecrets("upgrade-voice")?.OPENAI_API_KEY, ROTATED);
    });

    it("destroys exactly what the stack owns, agents first, leaving the organisation empty", async () => {
        s.emulator.clearRequests();
        await s.destroy("destroy");
        const deletes = s.seen().filter((r) => r.startsWith("DELETE "));
        assert.equal(deletes.length, 5, deletes.join(" | "));
        assert.ok(
            deletes.slice(0, 2).every((r) => r.startsWith("DELETE /agents/")),
            deletes.join(" | "),
        );
        assert.deepEqual(s.emulator.snapshot(), {});
        const listed = await fetch(`${s.emulator.url}/agents`, { headers: { Authorization: `Bearer ${API_KEY}` } });
        assert.deepEqual(((await listed.json()) as { services?: unknown[] }).services ?? [], []);
    });
});
