/*
 * hosts/moddable/byte-window.ts on XS: the one buffer through which the Moddable transport
 * reads and writes. Opened to every length from 1 byte to its capacity, at every offset of a
 * source buffer, it shows native code exactly the bytes of the range (the buffer's byteLength
 * and the tracking view's length are the open length), and after setup this allocates no slot
 * and no chunk byte, measured with the metered xsnap worker. A cache of views fails this:
 * every length it has not seen makes a new view.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testHotPathsOnXs } from "./helpers/both-engines";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const src = (p: string) => JSON.stringify(path.join(root, p));

const entry = `
import { ByteWindow } from ${src("hosts/moddable/byte-window")};

const CAPACITY = 1024;
const window = new ByteWindow(CAPACITY);
const source = new Uint8Array(3 * CAPACITY);
for (let i = 0; i < source.length; i++) source[i] = (i * 7 + 3) & 255;
const sink = new Uint8Array(3 * CAPACITY);
let n = 0;
let off = 0;

globalThis.__hot = {
  // One send and one recv as the transport does them, at the next length (1..CAPACITY) and offset.
  sendThenRecv() {
    n = n === CAPACITY ? 1 : n + 1;
    off = (off + 997) % (2 * CAPACITY);
    const bytes = window.bytes;
    for (let i = 0; i < n; i++) bytes[i] = source[off + i];
    const seen = window.open(n); // what a native write gets
    let ok = seen.byteLength === n && bytes.length === n ? 1 : 0;
    window.close();
    window.open(n); // a native read fills the first n bytes; copy them out
    sink.set(bytes, off);
    window.close();
    if (window.buffer.byteLength !== CAPACITY) ok = 0;
    for (let i = 0; i < n; i++) if (sink[off + i] !== source[off + i]) ok = 0;
    return ok;
  },
};
`;

testHotPathsOnXs("byte window: every length and offset, exact bytes, no allocation on XS", entry, root, [["sendThenRecv", 1]], 3_000);
