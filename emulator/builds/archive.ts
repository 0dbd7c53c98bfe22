/**
 * Reads a build context as the builder would: a gzipped tar (ustar, with GNU long names and pax `path` records, as
 * `tar-stream` and `tar` write them) to its regular files. Pure: bytes in, files out (Node's zlib, no I/O).
 */
import { gunzipSync } from "node:zlib";

/** A regular file of an archive: its path (without a leading `./`) and its bytes. @internal */
export interface ArchiveFile {
    readonly path: string;
    readonly content: Buffer;
}

const BLOCK = 512;

/** The regular files of a gzipped tar, in archive order; throws an `Error` when it is not one. @internal */
export function readTarGz(archive: Buffer): ArchiveFile[] {
    let tar: Buffer;
    try {
        tar = gunzipSync(archive);
    } catch {
        throw new Error("the build context is not a gzip file");
    }
    return readTar(tar);
}

function readTar(tar: Buffer): ArchiveFile[] {
    const files: ArchiveFile[] = [];
    let offset = 0;
    let longName: string | undefined;
    while (offset + BLOCK <= tar.length) {
        const header = tar.subarray(offset, offset + BLOCK);
        if (header.every((b) => b === 0)) break; // end of archive
        if (!checksumMatches(header)) throw new Error(`the build context is not a tar archive (bad header at byte ${offset})`);
        const size = octal(header.subarray(124, 136));
        const type = String.fromCharCode(header[156] ?? 0);
        const start = offset + BLOCK;
        const content = tar.subarray(start, start + size);
        if (content.length < size) throw new Error("the build context's tar archive is truncated");
        offset = start + Math.ceil(size / BLOCK) * BLOCK;

        if (type === "L") {
            longName = text(content);
            continue;
        }
        if (type === "x") {
            longName = paxPath(content) ?? longName;
            continue;
        }
        const name = longName ?? joinUstarName(header);
        longName = undefined;
        if (type === "0" || type === "\0" || type === "7") files.push({ path: normalize(name), content: Buffer.from(content) });
    }
    return files;
}

function text(bytes: Buffer): string {
    const end = bytes.indexOf(0);
    return bytes.subarray(0, end === -1 ? bytes.length : end).toString("utf8");
}

function octal(bytes: Buffer): number {
    const digits = text(bytes).trim();
    return digits === "" ? 0 : parseInt(digits, 8);
}

function joinUstarName(header: Buffer): string {
    const name = text(header.subarray(0, 100));
    const magic = header.subarray(257, 262).toString("latin1");
    const prefix = magic === "ustar" ? text(header.subarray(345, 500)) : "";
    return prefix === "" ? name : `${prefix}/${name}`;
}

/** The `path` record of a pax extended header (`<length> path=<value>\n` records). */
function paxPath(content: Buffer): string | undefined {
    let at = 0;
    let path: string | undefined;
    while (at < content.length) {
        const space = content.indexOf(0x20, at);
        if (space === -1) break;
        const length = parseInt(content.subarray(at, space).toString("latin1"), 10);
        if (!Number.isInteger(length) || length <= 0) break;
        const record = content.subarray(space + 1, at + length - 1).toString("utf8");
        const eq = record.indexOf("=");
        if (record.slice(0, eq) === "path") path = record.slice(eq + 1);
        at += length;
    }
    return path;
}

function checksumMatches(header: Buffer): boolean {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
    return sum === octal(header.subarray(148, 156));
}

/** `./app/main.py` and `app//main.py` as `app/main.py`. @internal */
export function normalize(path: string): string {
    return path
        .split("/")
        .filter((part) => part !== "" && part !== ".")
        .join("/");
}
