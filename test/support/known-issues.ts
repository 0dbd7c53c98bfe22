/**
 * Strict expected failures, for bugs found in code the test's author does not own. The test asserts the correct
 * behaviour. While the bug is present it fails; `itKnownIssue` turns that failure into a pass only when the
 * failure's message matches the issue's symptom, and records it. Once the owner fixes the bug, the test passes,
 * and `itKnownIssue` fails it ("no longer reproduces") so the marker is removed with the fix.
 *
 * `STRICT_KNOWN_ISSUES=1` runs them as plain tests, so the owner sees exactly what fails.
 */
import * as assert from "node:assert/strict";

/** A bug reported to the owner of the code, reproduced by tests. */
export interface KnownIssue {
    readonly id: string;
    readonly summary: string;
    /** What the failure's message looks like while the bug is present. */
    readonly symptom: RegExp;
}

/** Tests that reproduced a known issue in this run, for summaries. */
export const reproduced: { readonly issue: string; readonly test: string }[] = [];

const strict = process.env["STRICT_KNOWN_ISSUES"] === "1";

/** `it`, or a strict expected failure when `issue` is given. */
export function itKnownIssue(title: string, issue: KnownIssue | undefined, fn: (this: Mocha.Context) => Promise<void>): Mocha.Test {
    if (issue === undefined || strict) return it(issue ? `${title} [${issue.id}]` : title, fn);
    return it(`${title} [known issue ${issue.id}: fails until fixed]`, async function () {
        try {
            await fn.call(this);
        } catch (e) {
            const message = e instanceof Error ? e.message : String(e);
            if (!issue.symptom.test(message)) throw e; // a different failure: not this issue
            reproduced.push({ issue: issue.id, test: title });
            return;
        }
        assert.fail(`known issue ${issue.id} no longer reproduces (${issue.summary}): remove the marker`);
    });
}
