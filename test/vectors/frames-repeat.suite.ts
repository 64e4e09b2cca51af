/*
 * frames-repeat.suite: the frame decoders' repeat path (src/codec/frames/view.ts decodeRepeat),
 * which skips parsing when a frame has the layout of the last one decoded at the same place,
 * must never change a result. Every decode by a long-lived view (which takes the shortcut
 * whenever it may) is compared with a fresh view on the general path only (fastPath off):
 * the result code and every field (count, seq, time or deadline, per-entry id, table index,
 * element type, payload offset and length, MAC offset and signed length).
 *   1. The sensor and motor reference frames at a fixed place: the second decode is a repeat.
 *   2. Every byte of each frame changed in place to each of a set of critical values (CBOR
 *      heads of each size, tags, lengths, ids), decoded, then restored and decoded again.
 *   3. seq and time written at the same place with values on both sides of every head size
 *      (23/24, 255/256, 65535/65536, 2^32 - 1), in an order that changes the sizes back and forth.
 *   4. The same bytes against another table object, with a lower maxFrameBytes, at another
 *      offset, in another buffer, and as a motor frame against a sensor view's layout.
 *   5. The repeat path compares structural bytes by 32-bit word of the receive buffer's
 *      ArrayBuffer, and as single bytes past its last whole word. So the frames (and one
 *      whose last structural bytes are among an ArrayBuffer's last three) are placed in views
 *      at byteOffset 0..3 and at the very end of ArrayBuffers of 4k + 1..3 bytes, and each byte
 *      is changed in turn: a change of a structural byte (anything but the seq and second
 *      arguments, payloads and MAC) never takes the repeat path, a change of a payload or MAC
 *      byte always does, and every result equals the general path's.
 *   6. A frame shifted once (two packets in one read) does not replace the remembered layout:
 *      the steady frame repeats right after it (its fields put back); frames taking turns
 *      between two places repeat at the remembered one and never at the other; a new place
 *      seen twice in a row replaces the layout; an error or a general-path decode in between
 *      does not count as the first of the two. Every result equals the general path's.
 * Imports only src/ and test/, so it bundles for XS.
 */
import type { Check } from "../helpers/suite";
import { fromHex } from "../../src/codec/bytes";
import { byteView, ChannelKind, ChannelTable, ElementType } from "../../src/codec/frames/channels";
import { FrameEntries } from "../../src/codec/frames/entries";
import { encodeSensorFrame, SensorFrame } from "../../src/codec/frames/sensor";
import { MotorFrame } from "../../src/codec/frames/motor";
import type { FrameView } from "../../src/codec/frames/view";
import { MOTOR_REFERENCE_HEX, referenceSpecs, SENSOR_REFERENCE_HEX, sensorReferenceData } from "./frames.suite";

const AT = 5;
const CRITICAL = [0x00, 0x01, 0x0a, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x40, 0x41, 0x4d, 0x50, 0x55, 0x58, 0x59, 0x80, 0x86, 0x87, 0x98, 0xd8, 0xff];

type Kind = "sensor" | "motor";

function fresh(kind: Kind): FrameView & { decode(buf: Uint8Array, off: number, len: number, table: ChannelTable): number } {
  const v = kind === "sensor" ? new SensorFrame(8, 4096) : new MotorFrame(8, 4096);
  v.fastPath = false;
  return v;
}

/** The fields a decode leaves, as one string (entries up to count). */
function fields(v: FrameView, kind: Kind): string {
  const second = kind === "sensor" ? (v as SensorFrame).time : (v as MotorFrame).deadline;
  let s = `count ${v.count} seq ${v.seq} second ${second} frame ${v.frameOff}+${v.frameLen}`;
  for (let i = 0; i < v.count; i++) s += ` [${v.channelId[i]} ${v.tableIndex[i]} ${v.elementType[i]} ${v.payloadOff[i]} ${v.byteLen[i]}]`;
  if (kind === "motor") s += ` mac ${v.macOff} signed ${v.signedLen}`;
  return s;
}

function same(check: Check, kind: Kind, long: FrameView & { decode: (b: Uint8Array, o: number, l: number, t: ChannelTable) => number }, buf: Uint8Array, off: number, len: number, table: ChannelTable, what: string): number {
  const r = long.decode(buf, off, len, table);
  const ref = fresh(kind);
  const want = ref.decode(buf, off, len, table);
  check.is(r, want, `${what}: result`);
  if (r > 0 && want > 0) check.is(fields(long, kind), fields(ref, kind), `${what}: fields`);
  return r;
}

/** A CBOR head's argument bytes after the head byte (unsigned integers up to u32). */
function argBytes(ib: number): number {
  return ib < 24 ? 0 : ib === 0x18 ? 1 : ib === 0x19 ? 2 : 4;
}

/** Where the words of the receive buffer fall differently (section 5): [what, buffer, offset]. */
function placements(len: number): [string, Uint8Array, number][] {
  const out: [string, Uint8Array, number][] = [];
  for (let shift = 0; shift < 4; shift++) out.push([`in a view at byteOffset ${shift}`, new Uint8Array(new ArrayBuffer(len + 12), shift, len + 8), 3]);
  for (let tail = 1; tail < 4; tail++) {
    const total = 4 * Math.ceil((len + 4) / 4) + tail;
    out.push([`at the end of a ${total}-byte ArrayBuffer`, new Uint8Array(total), total - len]);
  }
  return out;
}

/** Section 5: every byte of frame changed in each placement (see the header comment). */
function byWord(check: Check, kind: Kind, frame: Uint8Array, table: ChannelTable, name: string): number {
  const hb = frame[0] === 0x98 ? 2 : 1; // the array head
  const secondAt = hb + 1 + argBytes(frame[hb]);
  const entriesAt = secondAt + 1 + argBytes(frame[secondAt]);
  // one view throughout: its word view is made on the first frame, and in each later
  // placement (another ArrayBuffer) on the first repeat, from the bytes it remembered
  const long = kind === "sensor" ? new SensorFrame(8, 4096) : new MotorFrame(8, 4096);
  let placed = 0;
  for (const [where, buf, off] of placements(frame.length)) {
    const what = `${name} ${where}`;
    buf.set(frame, off);
    same(check, kind, long, buf, off, frame.length, table, `${what}: first decode`);
    const first = long.repeats;
    same(check, kind, long, buf, off, frame.length, table, `${what}: second decode`);
    same(check, kind, long, buf, off, frame.length, table, `${what}: third decode`);
    same(check, kind, long, buf, off, frame.length, table, `${what}: fourth decode`);
    // the first placement is the view's first layout; later ones replace it on their second frame
    check.is(long.repeats - first, placed++ === 0 ? 3 : 2, `${what}: the decodes after the layout is remembered are repeats`);
    const ref = fresh(kind);
    check.ok(ref.decode(buf, off, frame.length, table) > 0, `${what}: decodes`);
    for (let i = 0; i < frame.length; i++) {
      const at = off + i;
      let payload = kind === "motor" && at >= ref.macOff && at < ref.macOff + 16;
      for (let e = 0; e < ref.count; e++) if (at >= ref.payloadOff[e] && at < ref.payloadOff[e] + ref.byteLen[e]) payload = true;
      // the array head, a seq or second head with its argument after it, and the entries' heads
      const head = i === hb || i === secondAt;
      const structural = !payload && (i < hb || i >= entriesAt || (head && argBytes(frame[i]) > 0));
      for (const flip of [0x01, 0x80]) {
        buf[at] = frame[i] ^ flip;
        const before = long.repeats;
        same(check, kind, long, buf, off, frame.length, table, `${what}: byte ${i} ^ ${flip}`);
        if (payload) check.is(long.repeats, before + 1, `${what}: byte ${i} ^ ${flip} (payload or MAC) takes the repeat path`);
        if (structural) check.is(long.repeats, before, `${what}: byte ${i} ^ ${flip} (structural) does not take the repeat path`);
        buf[at] = frame[i];
        same(check, kind, long, buf, off, frame.length, table, `${what}: byte ${i} restored`);
        same(check, kind, long, buf, off, frame.length, table, `${what}: byte ${i} restored, again`);
      }
    }
  }
  return long.repeats;
}

/** Section 6: one-off shifts and places taking turns (see the header comment). */
function shifts(check: Check, kind: Kind, frame: Uint8Array, table: ChannelTable): void {
  const n = frame.length;
  const A = 0;
  const B = n + 13; // a one-off place: after another packet in the same read
  const C = 2 * n + 29;
  const rx = new Uint8Array(3 * n + 40);
  rx.set(frame, A);
  rx.set(frame, B);
  rx.set(frame, C);
  const v = kind === "sensor" ? new SensorFrame(8, 4096) : new MotorFrame(8, 4096);
  const at = (off: number, what: string): number => {
    const r0 = v.repeats;
    same(check, kind, v, rx, off, frame.length, table, `${kind} ${what}`);
    return v.repeats - r0;
  };
  at(A, "steady place, first");
  check.is(at(A, "steady place, second"), 1, `${kind}: the steady place repeats`);
  check.is(at(B, "shifted once"), 0, `${kind}: a frame shifted once takes the fast path`);
  check.is(at(A, "back at the steady place"), 1, `${kind}: right after it the steady place repeats again (fields put back)`);
  let turnsA = 0;
  let turnsB = 0;
  for (let i = 0; i < 6; i++) {
    turnsB += at(B, `taking turns ${i}, B`);
    turnsA += at(A, `taking turns ${i}, A`);
  }
  check.is(turnsA, 6, `${kind}: places taking turns: the remembered one always repeats`);
  check.is(turnsB, 0, `${kind}: ... and the other never replaces it`);
  // An error or a general-path decode between two frames at a new place: not two in a row.
  at(C, "new place C, first");
  const short = v.decode(rx, C, n - 1, table);
  check.ok(short < 0, `${kind}: a truncated frame in between is an error (${short})`);
  check.is(at(C, "new place C, after an error"), 0, `${kind}: after an error C is not yet the layout`);
  check.is(at(C, "new place C, twice in a row"), 0, `${kind}: C's second frame in a row takes the fast path and is remembered`);
  check.is(at(C, "new place C, remembered"), 1, `${kind}: C repeats from then on`);
  check.is(at(A, "the old place"), 0, `${kind}: A is no longer the layout`);
  check.is(at(C, "C again"), 1, `${kind}: C still repeats after one frame at A`);
}

export function run(check: Check): void {
  const table = new ChannelTable(referenceSpecs);
  const frames: [Kind, Uint8Array][] = [
    ["sensor", fromHex(SENSOR_REFERENCE_HEX)],
    ["motor", fromHex(MOTOR_REFERENCE_HEX)],
  ];
  let repeats = 0;
  for (const [kind, frame] of frames) {
    const rx = new Uint8Array(300);
    rx.set(frame, AT);
    const long = kind === "sensor" ? new SensorFrame(8, 4096) : new MotorFrame(8, 4096);
    // 1. a repeat on the second decode
    same(check, kind, long, rx, AT, frame.length, table, `${kind} first decode`);
    const before = long.repeats;
    check.ok(same(check, kind, long, rx, AT, frame.length, table, `${kind} second decode`) > 0, `${kind} reference decodes`);
    check.is(long.repeats, before + 1, `${kind}: the second decode of the same frame at the same place is a repeat`);

    // 2. every byte, every critical value, in place; then restored
    for (let i = 0; i < frame.length; i++) {
      for (const v of CRITICAL) {
        if (v === frame[i]) continue;
        rx[AT + i] = v;
        same(check, kind, long, rx, AT, frame.length, table, `${kind} byte ${i} = ${v}`);
        rx[AT + i] = frame[i];
        same(check, kind, long, rx, AT, frame.length, table, `${kind} byte ${i} restored after ${v}`);
        same(check, kind, long, rx, AT, frame.length, table, `${kind} byte ${i} restored, again`);
      }
    }

    // 4. the same bytes in other circumstances
    const other = new ChannelTable(referenceSpecs);
    same(check, kind, long, rx, AT, frame.length, table, `${kind} again`);
    same(check, kind, long, rx, AT, frame.length, other, `${kind} against another table object`);
    same(check, kind, long, rx, AT, frame.length, table, `${kind} back to the first table`);
    long.maxFrameBytes = frame.length - 1;
    check.is(long.decode(rx, AT, frame.length, table) < 0, true, `${kind}: a lower maxFrameBytes refuses a remembered layout`);
    long.maxFrameBytes = 4096;
    same(check, kind, long, rx, AT, frame.length, table, `${kind} after the refusal`);
    const moved = new Uint8Array(300);
    moved.set(frame, AT + 1);
    same(check, kind, long, moved, AT + 1, frame.length, table, `${kind} at another offset in another buffer`);
    same(check, kind, long, rx, AT, frame.length, table, `${kind} back in the first buffer`);
    same(check, kind, long, rx, AT, frame.length - 1, table, `${kind} one byte shorter`);
    same(check, kind, long, rx, AT, frame.length, table, `${kind} whole again`);
    repeats += long.repeats;
  }

  // a motor frame's bytes through a sensor view that remembers a sensor layout, and back
  {
    const rx = new Uint8Array(300);
    const sensor = fromHex(SENSOR_REFERENCE_HEX);
    const motor = fromHex(MOTOR_REFERENCE_HEX);
    const view = new SensorFrame(8, 4096);
    rx.set(sensor, AT);
    same(check, "sensor", view, rx, AT, sensor.length, table, "sensor layout");
    same(check, "sensor", view, rx, AT, sensor.length, table, "sensor layout, repeat");
    rx.set(motor, AT);
    same(check, "sensor", view, rx, AT, sensor.length, table, "motor bytes (and stale tail) in a sensor view");
    same(check, "sensor", view, rx, AT, motor.length, table, "motor bytes at motor length in a sensor view");
    repeats += view.repeats;
  }

  // 3. seq and time across every head size, written at the same place
  {
    const { f32, i16 } = sensorReferenceData();
    const entries = new FrameEntries(table, ChannelKind.Sensor);
    entries.add(0, byteView(f32));
    entries.add(1, byteView(i16));
    const rx = new Uint8Array(300);
    const long = new SensorFrame(8, 4096);
    const values = [0, 23, 24, 23, 255, 256, 255, 65535, 65536, 65535, 0xffffffff, 7, 0xffffffff, 24];
    for (const seq of values) {
      for (const time of values) {
        const end = encodeSensorFrame(rx, AT, seq, time, entries);
        rx.fill(0xee, end); // the bytes after a shorter frame change too
        for (let k = 0; k < 2; k++) same(check, "sensor", long, rx, AT, end - AT, table, `seq ${seq} time ${time} (${k})`);
      }
    }
    repeats += long.repeats;
  }
  // 5. by word: the reference frames, and one whose last structural bytes can fall past the last whole word
  repeats += byWord(check, "sensor", fromHex(SENSOR_REFERENCE_HEX), table, "sensor");
  repeats += byWord(check, "motor", fromHex(MOTOR_REFERENCE_HEX), table, "motor");
  {
    const tailTable = new ChannelTable([...referenceSpecs, { id: 3, kind: ChannelKind.Sensor, elementType: ElementType.U8, count: 1, rateHz: 10 }]);
    const entries = new FrameEntries(tailTable, ChannelKind.Sensor);
    entries.add(0, byteView(sensorReferenceData().f32));
    entries.add(3, new Uint8Array([0x5a]));
    const tx = new Uint8Array(128);
    const end = encodeSensorFrame(tx, 0, 300, 20, entries);
    check.ok(end > 0 && tx[end - 3] === 3 && tx[end - 2] === 0x41, "the short-tail frame ends with id 3, bstr(1)");
    repeats += byWord(check, "sensor", tx.slice(0, end), tailTable, "short-tail sensor");
  }
  // 6. one-off shifts and places taking turns
  shifts(check, "sensor", fromHex(SENSOR_REFERENCE_HEX), table);
  shifts(check, "motor", fromHex(MOTOR_REFERENCE_HEX), table);
  check.ok(repeats > 1000, `the repeat path was taken (${repeats} times)`);
}
