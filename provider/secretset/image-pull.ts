/**
 * The value Pipecat Cloud stores for image-pull credentials (pure). Apart from the writes so that the frozen entry
 * point, which exports it, declares nothing that reaches the transport, axios or zod: a user's `tsc` with Pulumi's
 * template tsconfig (no esModuleInterop, no skipLibCheck) fails on zod's declarations.
 */
import type { ImagePullSecretInputs } from "./types";

/** Image-pull credentials as the API wants them: as given, or `username:password` in base64 like Pipecat's CLI. */
export function imagePullValue(p: ImagePullSecretInputs): string {
    if (p.credentials !== undefined) return p.credentials;
    return Buffer.from(`${p.username ?? ""}:${p.password ?? ""}`, "utf8").toString("base64");
}
