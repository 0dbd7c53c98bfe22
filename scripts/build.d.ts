// Types of scripts/build.js (plain JavaScript: `prepare` runs it on a git install, where no ts-node may be wanted).

/** The .js and .d.ts that tsc writes into dist/ for each source file of provider/ and emulator/, relative to the repository. */
export function expectedOutputs(): string[];
/** Hash of what the build's output depends on: the source folders, tsconfig.json and the installed dependency tree. */
export function inputsHash(): string;
/** Whether dist/ holds the build of inputs with this hash: the same hash recorded, and every output there. */
export function upToDate(hash: string): boolean;
