/**
 * The naming rules and size limits of a secret set, without zod: `schema.ts` builds check's rules from them,
 * and code that must not load zod (the program side, the `.env` reader) uses them as they are.
 */

/** Limits: the API documents names and keys; value size and key count are this provider's own bounds. */
export const LIMITS = {
    nameMin: 3,
    nameMax: 63,
    keyMax: 64,
    /** Bytes of UTF-8 per value. Not documented by Pipecat; chosen to match the emulator. */
    valueMaxBytes: 64 * 1024,
    /** Keys per set. Not documented by Pipecat; chosen to match the emulator. */
    keysMax: 500,
    /** Bytes of the JSON body of one PUT. Not documented by Pipecat; the emulator's request limit. */
    bodyMaxBytes: 1024 * 1024,
} as const;

export const SET_NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const SECRET_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;
