/**
 * The region codes a program may name, for editor completion.
 */

/**
 * A Pipecat Cloud region code. The four named codes are the ones Pipecat Cloud documents for
 * `GET /regions` (the emulator serves the same four by default). Any other code is accepted too (regions
 * added later, or enabled for one organisation only): with an API key set, the provider checks a declared
 * region against the organisation's own list (`GET /regions`) in the preview; otherwise Pipecat Cloud
 * refuses a region the organisation cannot use when the resource is created.
 */
export type Region = "us-west" | "us-east" | "eu-central" | "ap-south" | (string & {});
