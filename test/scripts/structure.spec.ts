/**
 * The import graph keeps the architecture of ARCHITECTURE.md: a room per resource over plumbing that names none, a
 * transport that reaches nothing above it, no import circle (scripts/structure.ts holds the rules).
 */
import * as assert from "node:assert/strict";
import { repoRoot } from "../support/engine";
import { brokenArrows, circles, importGraph, roomOf } from "../../scripts/structure";

describe("scripts/structure.ts: the import graph's rules", () => {
    const graph = importGraph(repoRoot);

    it("reads the provider's and the emulator's files and their imports", () => {
        assert.ok(graph.size > 40, `${graph.size} files`);
        assert.ok(graph.get("provider/index.ts")?.some((to) => roomOf(to) === "provider/secretset"));
    });

    it("holds no import circle", () => {
        assert.deepEqual(circles(graph), []);
    });

    it("has no arrow from plumbing into a room, from a room into another without a reason, or from the transport upward", () => {
        assert.deepEqual(brokenArrows(graph), []);
    });

    it("finds a circle and each kind of broken arrow in a graph that has them", () => {
        const bad = new Map<string, string[]>([
            ["emulator/agents/store.ts", ["emulator/agents/views.ts", "emulator/secrets/store.ts"]],
            ["emulator/agents/views.ts", ["emulator/agents/store.ts"]],
            ["emulator/secrets/store.ts", []],
            ["provider/settings.ts", ["provider/agent/types.ts"]],
            ["provider/agent/types.ts", []],
            ["provider/api/transport.ts", ["provider/settings.ts", "provider/errors.ts"]],
            ["provider/errors.ts", []],
            ["provider/index.ts", ["provider/agent/types.ts"]],
        ]);
        assert.deepEqual(circles(bad), [["emulator/agents/store.ts", "emulator/agents/views.ts"]]);
        assert.deepEqual(brokenArrows(bad), [
            "emulator/agents/store.ts -> emulator/secrets/store.ts (one room reaches into another)",
            "provider/settings.ts -> provider/agent/types.ts (plumbing names a resource)",
            "provider/api/transport.ts -> provider/settings.ts (the transport reaches up)",
        ]);
    });
});
