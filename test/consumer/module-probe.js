// Loaded with `node --require` (through NODE_OPTIONS) into every Node.js process of a consumer's Pulumi
// run: the language host's look-ups, the program, the dynamic-provider plugin. It appends to
// $MODULE_PROBE_DIR/<pid>.jsonl one line describing the process (node binary and version, arguments,
// working directory), then one line per module file the process resolves for the first time, so the
// test can tell which node ran what and where every module came from. Appending synchronously keeps
// the record even when the engine kills the plugin. Worker threads load it too (an ES module program's
// loader hooks run in one): their modules are appended to their process's file, under its one header.
"use strict";
const fs = require("fs");
const path = require("path");
const Module = require("module");
const { isMainThread } = require("worker_threads");

const out = path.join(process.env.MODULE_PROBE_DIR || ".", `${process.pid}.jsonl`);
const write = (record) => fs.appendFileSync(out, JSON.stringify(record) + "\n");
if (isMainThread) write({ process: { execPath: process.execPath, version: process.version, argv: process.argv, cwd: process.cwd() } });

const seen = new Set();
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
    const file = resolveFilename.call(this, request, parent, ...rest);
    if (!seen.has(file)) {
        seen.add(file);
        write({ request, file, from: (parent && parent.filename) || null });
    }
    return file;
};
