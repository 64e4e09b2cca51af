/*
 * viewEntry returns the right values whether the receive buffer is a Uint8Array or a Node
 * Buffer (whose slice() is a view, not a copy), at aligned and unaligned offsets.
 */
import test from "ava";
import { ChannelKind, ChannelTable, byteView } from "../src/codec/frames/channels";
import { FrameEntries } from "../src/codec/frames/entries";
import { SensorFrame, decodeSensorFrame, encodeSensorFrame } from "../src/codec/frames/sensor";
import { viewEntry } from "../src/codec/frames/view";

const table = new ChannelTable([{ id: 3, kind: ChannelKind.Sensor, elementType: 85, count: 4, rateHz: 0 }]);

for (const pad of [0, 1, 2, 3]) {
  for (const kind of ["Uint8Array", "Buffer"] as const) {
    test(`viewEntry at offset ${pad} in a ${kind}`, (t) => {
      const values = Float32Array.of(1.5, -2.25, 3, 1e-3);
      const entries = new FrameEntries(table, ChannelKind.Sensor);
      entries.add(3, byteView(values));
      const frame = new Uint8Array(64);
      const n = encodeSensorFrame(frame, 0, 1, 2, entries);
      const pool = kind === "Buffer" ? Buffer.alloc(200, 0xee) : new Uint8Array(200).fill(0xee);
      pool.set(frame.subarray(0, n), 50 + pad);
      const out = new SensorFrame(4, 1024);
      t.is(decodeSensorFrame(pool, 50 + pad, n, table, out), 1);
      t.deepEqual(Array.from(viewEntry(out, 0)!), Array.from(values));
    });
  }
}
