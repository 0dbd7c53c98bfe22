// StrykerJS: `npm run test:mutation` (scripts/mutation.ts runs it, then prints the score per folder).
// README "Mutation testing" says how to run and read it; DECISIONS.md "StrykerJS" says why it is set up like this.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
    // Everything in provider/ with code to run. types.ts (declarations only) and index.ts (re-exports only) have no
    // statement to mutate; left out, the report lists only files where a score means something.
    mutate: ["provider/**/*.ts", "!provider/**/types.ts", "!provider/index.ts"],
    testRunner: "mocha",
    mochaOptions: {
        // .mocharc.json registers ts-node (transpile-only) and test/support/source-packages.ts, which maps the package's
        // own name to the sources: so the shims' require("pulumi-pipecat-secrets/implementation") runs the mutants too.
        config: ".mocharc.json",
        // The specs that own provider behaviour, in-process against the emulator. Not proxy-tunnel.spec.ts: its calls run
        // in child processes (NODE_EXTRA_CA_CERTS is read at start), where no mutant is active and no coverage is seen.
        // Nothing under test/e2e, test/consumer, test/live: they need the engine and take minutes per run.
        spec: ["test/provider/**/*.spec.ts"],
        ignore: ["test/provider/api/proxy-tunnel.spec.ts"],
    },
    // A mutant that does not compile (tsconfig.json, strict) is discarded before any test runs.
    checkers: ["typescript"],
    tsconfigFile: "tsconfig.json",
    // Each mutant runs only the tests that executed its code in the first (dry) run.
    coverageAnalysis: "perTest",
    // Static mutants (code run when a module loads: the zod schemas, constant tables, messages built at load) can only
    // be tested by a fresh process running every spec: ~30 s each, 95% of the time of a run. They are reported as
    // "Ignored"; MUTATION_STATIC=1 npm run test:mutation -- --mutate <one file> tests them where it matters.
    ignoreStatic: process.env["MUTATION_STATIC"] !== "1",
    // 2 shared cores: two test runners (and two checkers beside them), and generous timeouts so that a busy machine
    // is not mistaken for a mutant stuck in a loop.
    concurrency: 2,
    timeoutMS: 10000,
    timeoutFactor: 2,
    dryRunTimeoutMinutes: 15,
    // Not copied into the sandbox: builds, engine binaries, caches (node_modules is linked, not copied).
    ignorePatterns: ["dist", ".pulumi-engine", ".engine-cache", ".node-runtimes", ".package-managers", "bench/results", "reports"],
    reporters: ["progress", "clear-text", "html", "json"],
    clearTextReporter: { reportMutants: false, reportTests: false },
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    incrementalFile: "reports/mutation/stryker-incremental.json",
};
