/**
 * A build's context: the directory walked, its exclusions applied, and the files packed into the
 * deterministic tar.gz the official clients make, so that the same tree gives the same bytes, the same
 * `contextHash`, and therefore the same cache entry in Pipecat Cloud whichever client uploaded it.
 *
 * The format is the one of Pipecat's deploy action (`daily-co/pipecat-cloud-deploy-action`, `src/build.js`,
 * v2.0.3, `createDeterministicTarball`): regular files only (no directory entries), sorted by the code points
 * of their `/`-separated paths, each a tar-stream entry with mtime 0, uid/gid 0, empty user and group names
 * and mode 0755 (any executable bit) or 0644; gzip with the header's mtime (bytes 4–7) zeroed;
 * `contextHash` is the first 16 hex characters of the MD5 of the gzipped bytes.
 *
 * Streaming throughout: the archive is never held in memory. `hashContext` sends it to the hash only
 * (check, which must not write), `writeContext` to a file while hashing (create, which uploads the file).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import * as zlib from "node:zlib";
import * as tar from "tar-stream";
import { PipecatError } from "../errors";
import { ALWAYS, exclusions, matchesAny } from "./exclusions";

export { ALWAYS_EXCLUDED, DEFAULT_EXCLUDED } from "./exclusions";

/** The most a context's files may hold together, as the official clients bound it: 500 MB. */
export const MAX_CONTEXT_BYTES = 500 * 1024 * 1024;

/** One file of a context. */
export interface ContextFile {
    /** Its path in the archive: relative to the context, `/`-separated. */
    readonly name: string;
    readonly size: number;
    readonly executable: boolean;
}

/** What was found in a context directory, before any byte is packed. */
export interface Listing {
    /** The files that go into the archive, in archive order. */
    readonly files: readonly ContextFile[];
    /** The files' sizes added up. */
    readonly bytes: number;
    /** Symbolic links found and left out, as the action leaves out anything that is not a file or a directory. */
    readonly symlinks: readonly string[];
    /** Whether a `.dockerignore` chose the exclusions (else `DEFAULT_EXCLUDED`). */
    readonly dockerignore: boolean;
}

/** A packed context: its hash, and what it holds. */
export interface Packed {
    /** The first 16 hex characters of the MD5 of the gzipped archive. */
    readonly contextHash: string;
    readonly fileCount: number;
    /** The files' sizes added up (what the limit bounds). */
    readonly bytes: number;
    /** The gzipped archive's size. */
    readonly archiveBytes: number;
    readonly symlinks: readonly string[];
}

/** How a context is read: the Dockerfile that must be in it, and the size limit (a parameter for tests). */
export interface ContextOptions {
    /** The Dockerfile's path relative to the context: it must be there and not be excluded. */
    readonly dockerfile?: string;
    /** @default MAX_CONTEXT_BYTES */
    readonly maxBytes?: number;
}

/** A context problem that names the input to fix. */
export class ContextError extends PipecatError {
    override name = "ContextError";
}

/** The code-point order of the action (`codePointCompare`), independent of the locale. */
function byCodePoint(a: ContextFile, b: ContextFile): number {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Walks a context directory: the files that go into the archive, sorted, and their total size, which may
 * not exceed `maxBytes`. Missing directory, missing or excluded Dockerfile and a context too large are
 * `ContextError`s that name the input.
 */
export async function listContext(dir: string, options: ContextOptions = {}): Promise<Listing> {
    const root = path.resolve(dir);
    const max = options.maxBytes ?? MAX_CONTEXT_BYTES;
    let stat: fs.Stats;
    try {
        stat = await fs.promises.stat(root);
    } catch {
        throw new ContextError(`context: no directory "${dir}" (relative paths start at the program's folder, ${process.cwd()}).`);
    }
    if (!stat.isDirectory()) throw new ContextError(`context: "${dir}" is not a directory.`);
    const rules = exclusions(root);
    const files: ContextFile[] = [];
    const symlinks: string[] = [];
    let bytes = 0;
    const walk = async (rel: string): Promise<void> => {
        const entries = await fs.promises.readdir(rel === "" ? root : path.join(root, rel), { withFileTypes: true });
        for (const entry of entries) {
            const name = rel === "" ? entry.name : `${rel}/${entry.name}`;
            if (matchesAny(ALWAYS, name)) continue;
            if (entry.isDirectory()) {
                if (!rules.excluded(name) || rules.reopens) await walk(name);
            } else if (entry.isFile()) {
                if (rules.excluded(name)) continue;
                const s = await fs.promises.stat(path.join(root, name));
                bytes += s.size;
                if (bytes > max) {
                    throw new ContextError(
                        `context: "${dir}" holds more than ${megabytes(max)} of files to send, the most a build context may hold. ` +
                            `Leave out what the image does not need with a .dockerignore in "${dir}" (Docker's rules).`,
                    );
                }
                files.push({ name, size: s.size, executable: (s.mode & 0o111) !== 0 });
            } else if (entry.isSymbolicLink() && !rules.excluded(name)) {
                symlinks.push(name);
            }
        }
    };
    await walk("");
    files.sort(byCodePoint);
    if (options.dockerfile !== undefined) dockerfileIn(dir, root, options.dockerfile, files, rules.dockerignore);
    return { files, bytes, symlinks: symlinks.sort(), dockerignore: rules.dockerignore };
}

/** The Dockerfile must be one of the context's files: the build reads it from the archive. */
function dockerfileIn(dir: string, root: string, dockerfile: string, files: readonly ContextFile[], byDockerignore: boolean): void {
    const name = path.posix.normalize(dockerfile.split(path.sep).join("/"));
    if (files.some((f) => f.name === name)) return;
    if (!fs.existsSync(path.join(root, name))) {
        throw new ContextError(`dockerfile: no file "${dockerfile}" in the context "${dir}".`);
    }
    const why = matchesAny(ALWAYS, name)
        ? "its name is one that is never uploaded (.env, .env.*, *.pem, *.key)"
        : byDockerignore
          ? `the context's .dockerignore excludes it: add the line "!${name}" to it`
          : "the default exclusions leave it out (no .dockerignore in the context): add a .dockerignore that does not exclude it";
    throw new ContextError(`dockerfile: "${dockerfile}" is not sent with the context "${dir}": ${why}.`);
}

function megabytes(bytes: number): string {
    return bytes >= 1024 * 1024 ? `${Math.round(bytes / (1024 * 1024))} MB` : `${bytes} bytes`;
}

/** The context packed to the hash alone (check: nothing written, no network). */
export async function hashContext(dir: string, options: ContextOptions = {}): Promise<Packed> {
    const listing = await listContext(dir, options);
    return packListed(dir, listing, new Writable({ write: (_chunk, _enc, done) => done() }));
}

/**
 * The context packed into `file` (created with mode 0600; it must not exist) while it is hashed (create,
 * which uploads that file). The caller removes the file; `withContextFile` does both.
 */
export async function writeContext(dir: string, file: string, options: ContextOptions = {}): Promise<Packed> {
    const listing = await listContext(dir, options);
    return packListed(dir, listing, fs.createWriteStream(file, { flags: "wx", mode: 0o600 }));
}

/** Packs the context into a private temporary file, runs `use` with it, and removes the file whatever happens. */
export async function withContextFile<T>(
    dir: string,
    options: ContextOptions,
    use: (file: string, packed: Packed) => Promise<T>,
): Promise<T> {
    const folder = await fs.promises.mkdtemp(path.join(os.tmpdir(), "pipecat-build-"));
    try {
        const file = path.join(folder, "context.tar.gz");
        return await use(file, await writeContext(dir, file, options));
    } finally {
        await fs.promises.rm(folder, { recursive: true, force: true });
    }
}

/**
 * Streams the listed files through tar, gzip (header mtime zeroed) and MD5 into `sink`. A file that changed
 * size since `listContext` fails it: the archive would not be what was listed.
 */
export async function packListed(dir: string, listing: Listing, sink: Writable): Promise<Packed> {
    const root = path.resolve(dir);
    const md5 = createHash("md5");
    let offset = 0;
    const zeroing = new Transform({
        transform(chunk: Buffer, _enc, done) {
            const out = zeroMtime(chunk, offset);
            offset += out.length;
            md5.update(out);
            done(null, out);
        },
    });
    const archive = tar.pack();
    const feeding = feed(archive, root, dir, listing.files).catch((e: unknown) => {
        archive.destroy(e as Error);
        throw e;
    });
    const [fed, piped] = await Promise.allSettled([feeding, pipeline(archive, zlib.createGzip(), zeroing, sink)]);
    // A file that changed says so; else the stream's own failure (a full disk, say), not its echo in the feed.
    if (fed.status === "rejected" && fed.reason instanceof ContextError) throw fed.reason;
    if (piped.status === "rejected") throw piped.reason;
    if (fed.status === "rejected") throw fed.reason;
    return {
        contextHash: md5.digest("hex").slice(0, 16),
        fileCount: listing.files.length,
        bytes: listing.bytes,
        archiveBytes: offset,
        symlinks: listing.symlinks,
    };
}

/**
 * A chunk of gzip output that starts `offset` bytes into the stream, with any of the header's mtime bytes
 * (4 to 7) it holds set to zero, as the action does after `gzipSync`. (Node's zlib writes 0 there today; the
 * bytes are zeroed anyway, so that the hash never depends on it.)
 */
export function zeroMtime(chunk: Buffer, offset: number): Buffer {
    if (offset >= 8 || offset + chunk.length <= 4) return chunk;
    const out = Buffer.from(chunk);
    for (let i = Math.max(4, offset); i < Math.min(8, offset + out.length); i++) out[i - offset] = 0;
    return out;
}

/** Adds each file as one entry, streamed from disk; a file that changed size since the walk fails the packing. */
async function feed(archive: tar.Pack, root: string, dir: string, files: readonly ContextFile[]): Promise<void> {
    for (const file of files) {
        await new Promise<void>((resolve, reject) => {
            const header = {
                name: file.name,
                size: file.size,
                mtime: new Date(0),
                uid: 0,
                gid: 0,
                uname: "",
                gname: "",
                mode: file.executable ? 0o755 : 0o644,
            };
            const source = fs.createReadStream(path.join(root, file.name));
            const fail = (e: Error) => {
                source.destroy();
                reject(e);
            };
            // The entry ends with its callback, also when the archive is destroyed under it.
            const entry = archive.entry(header, (e) => (e ? fail(e) : resolve()));
            entry.on("error", () => undefined);
            let read = 0;
            source.on("data", (chunk) => {
                read += chunk.length;
                if (read > file.size) fail(changed(dir, file.name));
                else if (!entry.write(chunk as Buffer)) {
                    source.pause();
                    entry.once("drain", () => source.resume());
                }
            });
            source.on("error", () => fail(changed(dir, file.name)));
            source.on("end", () => (read === file.size ? entry.end(undefined) : fail(changed(dir, file.name))));
        });
    }
    archive.finalize();
}

function changed(dir: string, name: string): ContextError {
    return new ContextError(
        `context: "${name}" in "${dir}" changed while it was packed: run the command again once the files are written.`,
    );
}
