/**
 * A build's context (provider/build/archive.ts): the bytes are the official deploy action's, so the hash is its
 * hash and a cache entry made by either client serves the other; secrets never enter the archive; the archive is
 * read back entry by entry to see what was packed and how.
 */
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import * as tar from "tar-stream";
import {
    ALWAYS_EXCLUDED,
    hashContext,
    listContext,
    packListed,
    withContextFile,
    writeContext,
    zeroMtime,
} from "../../../provider/build/archive";

let dirs: string[] = [];

/** A context directory holding `files` (path → content; a content of `null` makes an empty directory). */
function tree(files: Record<string, string | null>, order: "as-given" | "reversed" = "as-given"): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "archive-spec-"));
    dirs.push(root);
    const entries = Object.entries(files);
    for (const [name, content] of order === "reversed" ? entries.reverse() : entries) {
        const full = path.join(root, name);
        if (content === null) {
            fs.mkdirSync(full, { recursive: true });
        } else {
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, content);
        }
    }
    return root;
}

interface Entry {
    readonly header: tar.Header;
    readonly content: string;
}

/** The entries of a gzipped tar, in order. */
async function unpack(gzipped: Buffer): Promise<Entry[]> {
    const out: Entry[] = [];
    const extract = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
        extract.on("entry", (header, stream, next) => {
            const chunks: Buffer[] = [];
            stream.on("data", (c: unknown) => chunks.push(c as Buffer));
            stream.on("end", () => {
                out.push({ header, content: Buffer.concat(chunks).toString("utf8") });
                next();
            });
        });
        extract.on("finish", () => resolve());
        extract.on("error", reject);
    });
    extract.end(zlib.gunzipSync(gzipped));
    await done;
    return out;
}

/** Packs a context into a file and returns its bytes. */
async function archiveOf(dir: string, options = {}): Promise<{ bytes: Buffer; hash: string }> {
    return withContextFile(dir, options, async (file, packed) => ({ bytes: fs.readFileSync(file), hash: packed.contextHash }));
}

const names = async (dir: string) => (await listContext(dir)).files.map((f) => f.name);

/**
 * The action's `createDeterministicTarball`, rewritten independently from its description: every file in memory,
 * one `pack.entry(header, buffer)` each, `gzipSync`, bytes 4–7 zeroed, MD5. Only for the listed files.
 */
async function actionHash(dir: string, files: readonly string[]): Promise<string> {
    const archive = tar.pack();
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve) => {
        archive.on("data", (c: unknown) => chunks.push(c as Buffer));
        archive.on("end", () => resolve());
    });
    for (const name of [...files].sort()) {
        const content = fs.readFileSync(path.join(dir, name));
        const mode = (fs.statSync(path.join(dir, name)).mode & 0o111) !== 0 ? 0o755 : 0o644;
        archive.entry({ name, size: content.length, mtime: new Date(0), uid: 0, gid: 0, uname: "", gname: "", mode }, content);
    }
    archive.finalize();
    await ended;
    const gzipped = zlib.gzipSync(Buffer.concat(chunks));
    gzipped[4] = gzipped[5] = gzipped[6] = gzipped[7] = 0;
    return createHash("md5").update(gzipped).digest("hex").slice(0, 16);
}

const BOT = {
    Dockerfile: "FROM python:3.12-slim\nCOPY . /app\n",
    "bot.py": "print('hello')\n",
    "requirements.txt": "pipecat-ai\n",
    "app/__init__.py": "",
    "app/main.py": "def main(): pass\n",
};

describe("a build's context (archive.ts)", () => {
    afterEach(() => {
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
        dirs = [];
    });

    describe("determinism", () => {
        it("gives the same hash for the same tree made twice, in another order, with other mtimes, owners and umask", async () => {
            const a = tree(BOT);
            const b = tree(BOT, "reversed");
            for (const name of Object.keys(BOT)) {
                fs.utimesSync(path.join(b, name), new Date(2001, 1, 1), new Date(2001, 1, 1));
                fs.chmodSync(path.join(b, name), 0o600);
                if (process.getuid?.() === 0) fs.chownSync(path.join(b, name), 1234, 5678);
            }
            const [ha, hb] = [await hashContext(a), await hashContext(b)];
            assert.equal(ha.contextHash, hb.contextHash);
            assert.match(ha.contextHash, /^[0-9a-f]{16}$/);
            assert.equal(ha.fileCount, 5);
        });

        it("gives another hash when one byte of one file changes", async () => {
            const a = tree(BOT);
            const b = tree({ ...BOT, "bot.py": "print('hellO')\n" });
            assert.notEqual((await hashContext(a)).contextHash, (await hashContext(b)).contextHash);
        });

        it("gives the hash the official deploy action computes for the same tree (so both share one cache)", async () => {
            const dir = tree({ ...BOT, "run.sh": "#!/bin/sh\n", "Z-upper.txt": "z", "a-b": "x", "a/c": "y" });
            fs.chmodSync(path.join(dir, "run.sh"), 0o755);
            const files = await names(dir);
            assert.equal((await hashContext(dir)).contextHash, await actionHash(dir, files));
        });

        it("streams large files through in chunks and still hashes as the action does", async () => {
            const big = Buffer.alloc(3 * 1024 * 1024 + 17, 0);
            for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
            const dir = tree({ Dockerfile: "FROM scratch\n" });
            fs.writeFileSync(path.join(dir, "model.bin"), big);
            assert.equal((await hashContext(dir)).contextHash, await actionHash(dir, ["Dockerfile", "model.bin"]));
        });

        it("orders entries by code point of the whole path, not by locale or per directory", async () => {
            const dir = tree({ b: "", "a/c": "", "a-b": "", B: "", é: "", "a.z": "" });
            assert.deepEqual(await names(dir), ["B", "a-b", "a.z", "a/c", "b", "é"]);
        });
    });

    describe("what is never packed", () => {
        const SECRETS = {
            ".env": "OPENAI_API_KEY=sk-never-packed",
            ".env.production": "x",
            "server.pem": "x",
            "a/b/secret.key": "x",
            "config/.env": "x",
            ".env.d/inside.txt": "x",
        };

        it("leaves out .env, .env.*, *.pem and *.key on every path component without a .dockerignore", async () => {
            const dir = tree({ ...BOT, ...SECRETS });
            assert.deepEqual(await names(dir), ["Dockerfile", "app/__init__.py", "app/main.py", "bot.py", "requirements.txt"]);
        });

        it("leaves them out even when the .dockerignore lets them in again with !", async () => {
            const ignore = ["*", "!*", ...Object.keys(SECRETS).map((s) => `!${s}`), "!**/*.key", "!**/.env"].join("\n");
            const dir = tree({ ...BOT, ...SECRETS, ".dockerignore": ignore });
            const packed = await names(dir);
            for (const name of packed) assert.ok(!Object.keys(SECRETS).includes(name), `${name} was packed`);
            assert.ok(packed.includes("bot.py"), packed.join(", "));
        });

        it("keeps them out of the archive's bytes, not only out of the listing", async () => {
            const dir = tree({ ...BOT, ...SECRETS, ".dockerignore": "!.env\n!**/*.key\n" });
            const { bytes } = await archiveOf(dir);
            const entries = await unpack(bytes);
            assert.deepEqual(
                entries.map((e) => e.header.name),
                [".dockerignore", "Dockerfile", "app/__init__.py", "app/main.py", "bot.py", "requirements.txt"],
            );
            assert.ok(!zlib.gunzipSync(bytes).includes("sk-never-packed"));
        });

        it("names the same four patterns as the official action's SECURITY_EXCLUSIONS", () => {
            assert.deepEqual(ALWAYS_EXCLUDED, [".env", ".env.*", "*.pem", "*.key"]);
        });
    });

    describe("exclusions", () => {
        it("applies the action's defaults without a .dockerignore (each pattern on every component)", async () => {
            const dir = tree({
                ...BOT,
                "node_modules/x/index.js": "",
                "app/__pycache__/main.cpython-312.pyc": "",
                "build/out.txt": "",
                "deep/dist/x": "",
                "run.log": "",
                ".git/HEAD": "",
                "pkg.egg-info/PKG-INFO": "",
                "keep/builder.txt": "",
            });
            assert.deepEqual(await names(dir), [
                "Dockerfile",
                "app/__init__.py",
                "app/main.py",
                "bot.py",
                "keep/builder.txt",
                "requirements.txt",
            ]);
        });

        it("follows the .dockerignore with Docker's rules instead of the defaults when there is one", async () => {
            const dir = tree({
                ...BOT,
                ".dockerignore": "# comment\ndocs\n**/*.md\n!README.md\n/tmp\nREADME.MD\n",
                "README.md": "",
                "notes/a.md": "",
                "docs/x.txt": "",
                "tmp/y": "",
                "node_modules/kept.js": "",
                "app/tmp/kept": "",
            });
            assert.deepEqual(await names(dir), [
                ".dockerignore",
                "Dockerfile",
                "README.md",
                "app/__init__.py",
                "app/main.py",
                "app/tmp/kept",
                "bot.py",
                "node_modules/kept.js",
                "requirements.txt",
            ]);
        });

        it("walks into an excluded directory when a ! line lets a file below it in again", async () => {
            const dir = tree({ ...BOT, ".dockerignore": "vendor\n!vendor/keep.txt\n", "vendor/keep.txt": "", "vendor/drop.txt": "" });
            const packed = await names(dir);
            assert.ok(packed.includes("vendor/keep.txt"));
            assert.ok(!packed.includes("vendor/drop.txt"));
        });

        it("leaves symbolic links out, as the action does, and reports them", async () => {
            const dir = tree(BOT);
            fs.symlinkSync("bot.py", path.join(dir, "link.py"));
            fs.symlinkSync("app", path.join(dir, "linked-dir"));
            const listing = await listContext(dir);
            assert.deepEqual(listing.symlinks, ["link.py", "linked-dir"]);
            assert.ok(!listing.files.some((f) => f.name.startsWith("link")));
        });
    });

    describe("entries", () => {
        it("writes every entry with mtime 0, uid and gid 0, no user or group name, and 0644 or 0755 from the executable bit", async () => {
            const dir = tree({ ...BOT, "run.sh": "#!/bin/sh\necho hi\n" });
            fs.chmodSync(path.join(dir, "run.sh"), 0o744);
            fs.chmodSync(path.join(dir, "bot.py"), 0o600);
            const entries = await unpack((await archiveOf(dir)).bytes);
            for (const { header } of entries) {
                assert.equal(header.mtime.getTime(), 0, header.name);
                assert.equal(header.uid, 0);
                assert.equal(header.gid, 0);
                assert.equal(header.uname, "");
                assert.equal(header.gname, "");
                assert.equal(header.type, "file");
                assert.equal(header.mode, header.name === "run.sh" ? 0o755 : 0o644, header.name);
            }
            assert.equal(entries.find((e) => e.header.name === "run.sh")?.content, "#!/bin/sh\necho hi\n");
            assert.equal(entries.length, 6);
        });

        it("zeroes the gzip header's mtime (bytes 4 to 7)", async () => {
            const { bytes } = await archiveOf(tree(BOT));
            assert.deepEqual([...bytes.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
            assert.deepEqual([...bytes.subarray(4, 8)], [0, 0, 0, 0]);
        });

        it("zeroes bytes 4 to 7 wherever the chunks of the gzip stream split them, and nothing else", () => {
            const header = Buffer.from([0x1f, 0x8b, 8, 0, 0xaa, 0xbb, 0xcc, 0xdd, 0, 3, 0xee]);
            for (const cut of [1, 3, 4, 5, 6, 7, 8, 10]) {
                const joined = Buffer.concat([zeroMtime(header.subarray(0, cut), 0), zeroMtime(header.subarray(cut), cut)]);
                assert.deepEqual([...joined], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xee], `cut at ${cut}`);
            }
            assert.deepEqual([...header.subarray(4, 8)], [0xaa, 0xbb, 0xcc, 0xdd], "the input is left as it was");
        });

        it("hashes to the first 16 hex characters of an independent MD5 of the file it wrote", async () => {
            const { bytes, hash } = await archiveOf(tree(BOT));
            assert.equal(hash, createHash("md5").update(bytes).digest("hex").slice(0, 16));
        });

        it("gives the file and check the same hash, and says how much it packed", async () => {
            const dir = tree(BOT);
            const file = path.join(tree({}), "out.tar.gz");
            const written = await writeContext(dir, file);
            const hashed = await hashContext(dir);
            assert.deepEqual(written, hashed);
            assert.equal(written.archiveBytes, fs.statSync(file).size);
            assert.equal(
                written.bytes,
                Object.values(BOT).reduce((n, c) => n + Buffer.byteLength(c), 0),
            );
        });

        it("writes the file readable by its owner only, and withContextFile removes it afterwards", async () => {
            let seen = "";
            await withContextFile(tree(BOT), {}, async (file) => {
                seen = file;
                assert.equal(fs.statSync(file).mode & 0o777, 0o600);
            });
            assert.ok(!fs.existsSync(seen));
            assert.ok(!fs.existsSync(path.dirname(seen)));
        });

        it("never writes over a file that exists, and fails with the file system's reason", async () => {
            const file = path.join(tree({ "taken.tar.gz": "someone else's" }), "taken.tar.gz");
            await assert.rejects(writeContext(tree(BOT), file), { code: "EEXIST" });
            assert.equal(fs.readFileSync(file, "utf8"), "someone else's");
        });

        it("removes the file also when what uses it fails", async () => {
            let seen = "";
            await assert.rejects(
                withContextFile(tree(BOT), {}, async (file) => {
                    seen = file;
                    throw new Error("upload failed");
                }),
                /upload failed/,
            );
            assert.ok(!fs.existsSync(path.dirname(seen)));
        });
    });

    describe("limits and problems, each naming the input", () => {
        it("refuses a context whose files hold more than the limit, advising a .dockerignore", async () => {
            const dir = tree({ ...BOT, "data.bin": "x".repeat(2000) });
            await assert.rejects(hashContext(dir, { maxBytes: 1000 }), (e: Error) => {
                assert.equal(
                    e.message,
                    `context: "${dir}" holds more than 1000 bytes of files to send, the most a build context may hold. ` +
                        `Leave out what the image does not need with a .dockerignore in "${dir}" (Docker's rules).`,
                );
                return true;
            });
        });

        it("accepts a context whose files hold exactly the limit", async () => {
            const dir = tree(BOT);
            const exactly = Object.values(BOT).reduce((n, c) => n + Buffer.byteLength(c), 0);
            assert.equal((await hashContext(dir, { maxBytes: exactly })).bytes, exactly);
        });

        it("counts only what is packed against the limit", async () => {
            const dir = tree({ ...BOT, "node_modules/big.bin": "x".repeat(5000) });
            assert.equal((await hashContext(dir, { maxBytes: 1000 })).fileCount, 5);
        });

        for (const [what, content] of [
            ["grew", "print('hello, longer now')\n"],
            ["shrank", "p\n"],
        ] as const) {
            it(`fails, naming the file, when a file ${what} between the walk and the packing`, async () => {
                const dir = tree(BOT);
                const listing = await listContext(dir);
                fs.writeFileSync(path.join(dir, "bot.py"), content);
                const sink = fs.createWriteStream(path.join(tree({}), "out.tar.gz"));
                await assert.rejects(packListed(dir, listing, sink), {
                    name: "ContextError",
                    message: `context: "bot.py" in "${dir}" changed while it was packed: run the command again once the files are written.`,
                });
            });
        }

        it("refuses a directory that does not exist", async () => {
            await assert.rejects(
                hashContext("./no-such-bot"),
                /^ContextError: context: no directory "\.\/no-such-bot" \(relative paths start at the program's folder, /,
            );
        });

        it("refuses a context that is a file", async () => {
            const file = path.join(tree(BOT), "bot.py");
            await assert.rejects(hashContext(file), { name: "ContextError", message: `context: "${file}" is not a directory.` });
        });

        it("fails with the file system's reason when the .dockerignore cannot be read, rather than packing without it", async () => {
            const dir = tree({ ...BOT, ".dockerignore": null });
            await assert.rejects(hashContext(dir), { code: "EISDIR" });
        });

        it("refuses a Dockerfile that is not in the context", async () => {
            const dir = tree(BOT);
            await assert.rejects(hashContext(dir, { dockerfile: "docker/Dockerfile" }), {
                message: `dockerfile: no file "docker/Dockerfile" in the context "${dir}".`,
            });
        });

        it("refuses a Dockerfile that the .dockerignore excludes, saying which line lets it in", async () => {
            const dir = tree({ ...BOT, ".dockerignore": "Dockerfile\n" });
            await assert.rejects(hashContext(dir, { dockerfile: "Dockerfile" }), {
                message: `dockerfile: "Dockerfile" is not sent with the context "${dir}": the context's .dockerignore excludes it: add the line "!Dockerfile" to it.`,
            });
        });

        it("refuses a Dockerfile below a directory that is never uploaded, not blaming the .dockerignore", async () => {
            const dir = tree({ ...BOT, ".dockerignore": "*.md\n", ".env.docker/Dockerfile": "FROM scratch\n" });
            await assert.rejects(hashContext(dir, { dockerfile: ".env.docker/Dockerfile" }), {
                message: `dockerfile: ".env.docker/Dockerfile" is not sent with the context "${dir}": its name is one that is never uploaded (.env, .env.*, *.pem, *.key).`,
            });
        });

        it("refuses a Dockerfile the defaults leave out", async () => {
            const dir = tree({ ...BOT, "build/Dockerfile": "FROM scratch\n" });
            await assert.rejects(hashContext(dir, { dockerfile: "build/Dockerfile" }), /the default exclusions leave it out/);
        });

        it("accepts a Dockerfile in a subdirectory", async () => {
            const dir = tree({ ...BOT, "docker/Dockerfile.prod": "FROM scratch\n" });
            assert.equal((await hashContext(dir, { dockerfile: "docker/Dockerfile.prod" })).fileCount, 6);
        });
    });
});
