/*
 * rp2040-bench: the chip services of the RP2040 benchmark firmware (see rp2040-bench.c).
 *   uartLine(text)     writes text and a newline on UART0
 *   micros()           the 1 MHz timer, µs since boot
 *   clockHz()          clk_sys in Hz
 *   cyclesStart()      starts SysTick (processor clock, 24 bits)
 *   cyclesLap()        cycles since the previous cyclesStart()/cyclesLap()
 *   heap(bytes)        fills a Uint8Array over a Float64Array(6): slots in use (bytes), chunks in use,
 *                      their peaks, their maxima
 *   collect()          runs the XS garbage collector
 * (The in-memory socket copies with the firmware's own native copy, hosts/moddable/native/byte-copy.)
 */
export function uartLine(text) @ "xs_bench_uart_line";
export function micros() @ "xs_bench_micros";
export function clockHz() @ "xs_bench_clock_hz";
export function cyclesStart() @ "xs_bench_cycles_start";
export function cyclesLap() @ "xs_bench_cycles_lap";
export function heap(out) @ "xs_bench_heap";
export function collect() @ "xs_bench_collect";
