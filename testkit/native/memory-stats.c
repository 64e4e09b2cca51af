/*
 * memory-stats.c: brainstem's only addition to the stock @agoric/xsnap worker.
 *
 * Why: the stock worker reports, after each evaluation, `currentHeapCount` (live slots, which
 * drops whenever the GC runs) and `allocate` (bytes XS reserved from the OS, which grows only
 * when the heap grows). Neither says how many bytes a piece of code allocated, and chunk
 * allocations (strings, ArrayBuffer storage, array element storage) are not visible at all.
 * This fragment exposes the XS allocator's own counters to JavaScript, without allocating:
 *
 *   memoryStats(arrayBuffer, resetPeaks?)
 *     arrayBuffer: >= 64 bytes; receives 8 float64 values (read BEFORE any peak reset):
 *     [0] currentHeapCount   slots in use; +1 per slot allocated, reset to the live count by a GC
 *     [1] peakHeapCount
 *     [2] maximumHeapCount   slots reserved
 *     [3] currentChunksSize  chunk bytes in use; + capacity per chunk allocated, recomputed
 *                            only by a compacting GC (gc() or chunk exhaustion)
 *     [4] peakChunksSize
 *     [5] maximumChunksSize  chunk bytes reserved
 *     [6] sizeof(txSlot)     bytes per slot (32 on 64-bit hosts, 16 on ESP32 / Pico)
 *     [7] allocatedSpace     bytes XS reserved from the OS (the stock meter's `allocate`)
 *     resetPeaks: when truthy, the two peaks are then set to the current values. XS only
 *     collects when the slot free list or the chunk space runs out, so after a reset a peak
 *     that stays well below its maximum proves that no GC ran (see test/helpers/xs.ts).
 *
 * testkit/xsnap-meter.ts appends the first function to a copy of xsnapPlatform.c (which sees
 * the full machine struct through xsAll.h) and the host function, its declaration and its
 * global to a copy of xsnap-worker.c, then relinks the worker with the package's own
 * prebuilt object files. Nothing else in the engine changes.
 */

/* ==== appended to xsnapPlatform.c ==== */
void fxBrainstemMemoryStats(txMachine* the, double* out, int resetPeaks)
{
	out[0] = (double)the->currentHeapCount;
	out[1] = (double)the->peakHeapCount;
	out[2] = (double)the->maximumHeapCount;
	out[3] = (double)the->currentChunksSize;
	out[4] = (double)the->peakChunksSize;
	out[5] = (double)the->maximumChunksSize;
	out[6] = (double)sizeof(txSlot);
	out[7] = (double)the->allocatedSpace;
	if (resetPeaks) {
		the->peakHeapCount = the->currentHeapCount;
		the->peakChunksSize = the->currentChunksSize;
	}
}

/* ==== appended to xsnap-worker.c ==== */
extern void fxBrainstemMemoryStats(void* the, double* out, int resetPeaks);
static void xs_memoryStats(xsMachine* the)
{
	double stats[8];
	if (xsToInteger(xsArgc) < 1)
		xsTypeError("memoryStats(arrayBuffer): missing ArrayBuffer");
	if (xsGetArrayBufferLength(xsArg(0)) < (xsIntegerValue)sizeof(stats))
		xsRangeError("memoryStats(arrayBuffer): ArrayBuffer smaller than 64 bytes");
	fxBrainstemMemoryStats(the, stats, xsToInteger(xsArgc) > 1 && xsTest(xsArg(1)));
	c_memcpy(xsToArrayBuffer(xsArg(0)), stats, sizeof(stats));
}
