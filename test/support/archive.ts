/**
 * What a build context uploaded to the emulator holds: its gzipped tar unpacked with tar-stream (a reader other than
 * the emulator's own), as path -> content. Every entry is kept, whatever its type, so a test sees all that travelled.
 */
import { gunzipSync } from "node:zlib";
import * as tar from "tar-stream";

/** Every entry of a gzipped tar: its path (without a leading `./`) -> its content as UTF-8 text. */
export async function unpackUpload(archive: Buffer): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    const extract = tar.extract();
    extract.end(gunzipSync(archive));
    for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        files[entry.header.name.replace(/^\.\//, "")] = Buffer.concat(chunks).toString("utf8");
    }
    return files;
}
