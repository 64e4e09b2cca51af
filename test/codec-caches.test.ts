/*
 * The receive path's caches (MqttDecoder's topic cache, copyEntry's views, the frame fast
 * path's signature table): the shared suite (test/vectors/codec-caches.suite.ts) on V8 and on
 * XS, and their allocation on XS: none in steady state (one-off layouts included), none once
 * a changing layout has used up the cold limit, and a bounded number of views before that.
 */
import test from "ava";
import { testOnV8AndXs } from "./helpers/both-engines";
import { withXsWorker } from "./helpers/xs";
import { hot, run } from "./vectors/codec-caches.suite";

/** COPY_VIEW_MAX_MISSES in src/codec/frames/view.ts. */
const MAX_VIEWS = 16;

testOnV8AndXs("codec caches suite", run, "test/vectors/codec-caches.suite.ts", 21);

test("hot operations return their results (V8)", (t) => {
  const frame = 2 + 64 + 16;
  t.is(hot.copyStable(), frame);
  for (let i = 0; i < 12; i++) t.is(hot.copyOneOff(), frame);
  t.is(hot.copyThrash(), frame);
  t.is(hot.copyAlternate(), frame);
  t.is(hot.topicAlternating(), 3);
  t.is(hot.topicAlternating(), 3);
  t.is(hot.topicStable(), 3);
});

test("caches allocate nothing in steady state and a bounded amount while cold, on XS", async (t) => {
  await withXsWorker(async (w) => {
    t.true(w.hasMemoryStats, "metered xsnap worker missing: run npm run build:xs");
    await w.evaluateBundle("test/vectors/codec-caches.suite.ts", "cc");
    const zero = async (name: string) => {
      const a = await w.measureAlloc(`cc.hot.${name}`, 5_000);
      t.deepEqual(a && [a.slots, a.chunkBytes], [0, 0], name);
    };
    const view = await w.measureAlloc("cc.hot.makeView", 100);
    t.truthy(view && view.bytes > 0, "a subarray view allocates (the unit below)");
    const viewBytes = view!.bytes / 100;

    // Steady state: the views and the cached topic hit; a one-off layout makes no view.
    await zero("copyStable");
    await zero("copyOneOff");
    await zero("topicStable");
    await zero("topicAlternating");

    // A layout that keeps changing, from a fresh (cold) FrameView: at most MAX_VIEWS views, then none.
    for (const op of ["copyThrash", "copyAlternate"]) {
      await w.call("cc.hot.resetThrash");
      const first = await w.measureAlloc(`cc.hot.${op}`, 200);
      t.true(first!.bytes > 0, `${op}: the first misses make views`);
      t.true(first!.bytes <= MAX_VIEWS * viewBytes, `${op}: at most ${MAX_VIEWS} views (${first!.bytes} B, a view is ${viewBytes} B)`);
      await zero(op);
    }
  });
});
