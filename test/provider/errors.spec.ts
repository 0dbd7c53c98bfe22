/** Errors told in full from their parts (provider/errors.ts `told`): one text, the cause's kind and fields kept. */
import * as assert from "node:assert/strict";
import { DeploymentError, PipecatApiError, isPipecatApiError, isPipecatError, told } from "../../provider/errors";

describe("told", () => {
    it("says the cause, then the outcome, then what to do next, in one message", () => {
        const cause = new DeploymentError('Deployment of agent "voice" failed.', { timedOut: true });
        const error = told(cause, { outcome: "The agent was deleted again.", next: "Fix the cause, then run `pulumi up`." });
        assert.equal(
            error.message,
            'Deployment of agent "voice" failed. The agent was deleted again. Fix the cause, then run `pulumi up`.',
        );
        assert.ok(error instanceof DeploymentError);
        assert.equal(error.name, "DeploymentError");
        assert.equal(error.timedOut, true);
        assert.ok(isPipecatError(error));
    });

    it("keeps an API error's fields, so guards and programs see what they saw, and leaves the cause as it was", () => {
        const cause = new PipecatApiError("create failed: 500.", 500, "PUT", "/secrets/voice", "E500", "boom");
        const error = told(cause, { outcome: "(gave up after 6 attempts in 10.2 s)" });
        assert.equal(error.message, "create failed: 500. (gave up after 6 attempts in 10.2 s)");
        assert.ok(isPipecatApiError(error));
        assert.deepEqual(
            [error.status, error.method, error.path, error.code, error.apiMessage],
            [500, "PUT", "/secrets/voice", "E500", "boom"],
        );
        assert.equal(cause.message, "create failed: 500.");
        assert.match(error.stack ?? "", /^PipecatApiError: create failed: 500\. \(gave up after 6 attempts in 10\.2 s\)\n/);
    });

    it("writes its stack out when read, with the message as it is then (a guard may have redacted it)", () => {
        const error = told(new PipecatApiError("read failed: echo sk-live-value.", 400, "GET", "/secrets/voice", undefined, undefined), {
            next: "Run `pulumi up`.",
        });
        error.message = error.message.replace("sk-live-value", "[secret]");
        assert.ok(error.stack?.startsWith("PipecatApiError: read failed: echo [secret]. Run `pulumi up`.\n"));
        assert.ok(!error.stack?.includes("sk-live-value"));
    });

    it("leaves out parts that are empty or absent", () => {
        assert.equal(told(new Error("failed."), { outcome: "", next: "Run `pulumi up`." }).message, "failed. Run `pulumi up`.");
        assert.equal(told(new Error("failed."), {}).message, "failed.");
    });
});
