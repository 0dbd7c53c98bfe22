/**
 * The input rules of a Build, as zod schemas, and `checkInputs`, which turns raw inputs into validated ones
 * or into failures a user can act on. Pure: the context's hash is check's, in implementation.ts. An unknown
 * value (preview) is never an error.
 */
import * as path from "node:path";
import { z } from "zod";
import { type CheckFailure, UNKNOWN, formatIssues } from "../inputs";

/** The Dockerfile a build reads unless another is declared (the API's default too). */
export const DEFAULT_DOCKERFILE = "Dockerfile";
const REGION_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

const orUnknown = <T extends z.ZodType>(schema: T) => z.union([z.literal(UNKNOWN), schema]);

/** A path inside the context: relative, and not leaving it (`..`). Either separator is accepted. */
export function insideContext(file: string): boolean {
    const posix = file.split(path.sep).join("/");
    if (path.posix.isAbsolute(posix) || path.isAbsolute(file) || /^[a-zA-Z]:/.test(posix)) return false;
    const normal = path.posix.normalize(posix);
    return normal !== ".." && !normal.startsWith("../") && normal !== ".";
}

const inputsSchema = z.strictObject({
    context: orUnknown(
        z.string({ error: 'must be the path of the directory to build (for example "./bot")' }).min(1, { error: "must not be empty" }),
    ),
    dockerfile: orUnknown(
        z
            .string({ error: "must be the path of the Dockerfile inside the context" })
            .min(1, { error: "must not be empty" })
            .refine(insideContext, {
                error: 'must be a path inside the context, relative to it (for example "Dockerfile" or "docker/Dockerfile.prod")',
            }),
    ).optional(),
    region: orUnknown(z.string().regex(REGION_PATTERN, { error: 'must be a region code such as "us-west"' })).optional(),
});

/** Inputs as the schema left them: the Dockerfile defaulted, the hash not yet computed. */
export interface Declared {
    readonly context: string;
    readonly dockerfile: string;
    readonly region?: string;
}

export type CheckResult = { readonly ok: true; readonly inputs: Declared } | { readonly ok: false; readonly failures: CheckFailure[] };

/** The Dockerfile's path as the API is sent it and diff compares it: `/`-separated, `./` and `a/../` resolved. */
function normalDockerfile(dockerfile: string | undefined): string {
    if (dockerfile === undefined) return DEFAULT_DOCKERFILE;
    return dockerfile === UNKNOWN ? UNKNOWN : path.posix.normalize(dockerfile.split(path.sep).join("/"));
}

/** Validates raw inputs (`__provider` removed) and fills in the default Dockerfile. */
export function checkInputs(news: Readonly<Record<string, unknown>>): CheckResult {
    // Stryker disable next-line ObjectLiteral,BooleanLiteral: no message here reads an issue's input (formatIssues never does)
    const parsed = inputsSchema.safeParse(news, { reportInput: false });
    if (!parsed.success) {
        const reasons = formatIssues(parsed.error.issues, () => "context, dockerfile, region");
        return { ok: false, failures: reasons.map((reason) => ({ property: "", reason })) };
    }
    const { context, dockerfile, region } = parsed.data;
    return {
        ok: true,
        inputs: { context, dockerfile: normalDockerfile(dockerfile), ...(region !== undefined ? { region } : {}) },
    };
}
