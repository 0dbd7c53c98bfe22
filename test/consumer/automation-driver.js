// A program run through the Automation API as an inline program, with a command line like `pulumi`'s, so that
// setups.spec.ts runs the same life cycle through it as through the CLI. It is copied into the program's folder
// (next to index.js, whose exports become the stack's outputs) and run there with the cell's node:
//
//   node automation.js stack init <name> | config set --secret|--plaintext -- <key> (value on stdin)
//                      | preview | up | destroy | stack output --json
//
// Every command makes the stack with LocalWorkspace.createOrSelectStack({ program, projectName, stackName }, opts),
// as an Automation API program does, where opts come from the environment:
//   AUTOMATION_STACK     stack name (default: the name given to `stack init`, else "consumer")
//   AUTOMATION_WORKDIR   opts.workDir (absent: a new temporary directory, the API's default)
//   AUTOMATION_MAIN      opts.projectSettings = { name, runtime: "nodejs", main: AUTOMATION_MAIN }
//   AUTOMATION_CONFIG    JSON { key: { value, secret } } that `stack init` sets in the same process
// Flags are ignored; a failed operation prints the API's error on stderr and exits 1.
"use strict";
const fs = require("fs");
const path = require("path");
const { LocalWorkspace } = require("@pulumi/pulumi/automation");

const programFile = path.join(__dirname, "index.js");
/** The inline program: the cell's program text, evaluated in this process (no Pulumi.yaml `main` is run). */
const program = async () => {
    delete require.cache[programFile];
    return { ...require(programFile) };
};

async function main(argv) {
    const words = argv.filter((a) => !a.startsWith("--"));
    const [verb, sub, name] = words;
    const stackName = process.env.AUTOMATION_STACK || (verb === "stack" && sub === "init" ? name : undefined) || "consumer";
    const opts = {};
    if (process.env.AUTOMATION_WORKDIR) opts.workDir = process.env.AUTOMATION_WORKDIR;
    if (process.env.AUTOMATION_MAIN)
        opts.projectSettings = { name: "consumer-automation", runtime: "nodejs", main: process.env.AUTOMATION_MAIN };
    const stack = await LocalWorkspace.createOrSelectStack({ program, projectName: "consumer-automation", stackName }, opts);

    if (verb === "stack" && sub === "init") {
        if (process.env.AUTOMATION_CONFIG) await stack.setAllConfig(JSON.parse(process.env.AUTOMATION_CONFIG));
        console.log(`stack ${stackName} in workDir ${stack.workspace.workDir}`);
    } else if (verb === "config" && sub === "set") {
        await stack.setConfig(words[2], { value: fs.readFileSync(0, "utf8"), secret: argv.includes("--secret") });
    } else if (verb === "stack" && sub === "output") {
        const outputs = await stack.outputs();
        console.log(JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]))));
    } else if (verb === "preview" || verb === "up" || verb === "destroy") {
        const result = await stack[verb]();
        process.stdout.write(result.stdout);
    } else {
        throw new Error(`automation.js: unknown command ${argv.join(" ")}`);
    }
}

main(process.argv.slice(2)).catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
});
