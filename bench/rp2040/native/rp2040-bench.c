/*
 * rp2040-bench (XS binding): what the RP2040 benchmark firmware (bench/rp2040/main.ts) needs from
 * the chip: lines on UART0, the 1 MHz timer, SysTick cycle laps, the XS heap's counters and a
 * garbage collection.
 *
 * Theory of operation: UART0 (GPIO 0/1, 115200 8N1) is set up on the first line and written
 * with blocking puts, independent of the SDK's stdio (the Moddable build sends stdio to USB).
 * SysTick runs from the processor clock as a free 24-bit down-counter; cyclesLap() returns
 * the cycles since its previous call, any length (the timer counts SysTick's wraps). heap() fills a Float64Array with the machine's slot
 * and chunk counters (bytes), through a byte view of it (xsmcGetBuffer takes only typed arrays
 * of one-byte elements), so it allocates nothing.
 */
#include "xsAll.h"
#include "xsmc.h"
#include "pico/stdlib.h"
#include "hardware/uart.h"
#include "hardware/gpio.h"
#include "hardware/clocks.h"
#include "hardware/structs/systick.h"

static uint8_t gUartReady = 0;
static uint32_t gLast = 0;

void xs_bench_uart_line(xsMachine *the)
{
	if (!gUartReady) {
		uart_init(uart0, 115200);
		gpio_set_function(0, GPIO_FUNC_UART);
		gpio_set_function(1, GPIO_FUNC_UART);
		gUartReady = 1;
	}
	uart_puts(uart0, xsmcToString(xsArg(0)));
	uart_puts(uart0, "\n");
	uart_tx_wait_blocking(uart0);
}

void xs_bench_micros(xsMachine *the)
{
	xsmcSetNumber(xsResult, (double)time_us_64());
}

void xs_bench_clock_hz(xsMachine *the)
{
	xsmcSetNumber(xsResult, (double)clock_get_hz(clk_sys));
}

static uint64_t gLastMicros = 0;
static uint32_t gCyclesPerMicro = 125;

void xs_bench_cycles_start(xsMachine *the)
{
	systick_hw->csr = 0;
	systick_hw->rvr = 0xffffff;
	systick_hw->cvr = 0;
	systick_hw->csr = 0x5; /* enable, processor clock, no interrupt */
	gCyclesPerMicro = clock_get_hz(clk_sys) / 1000000;
	gLast = systick_hw->cvr;
	gLastMicros = time_us_64();
}

/*
 * SysTick counts every cycle but wraps every 2^24; the 1 MHz timer tells how many wraps a long
 * span had: cycles = the SysTick difference + the whole number of 2^24 periods closest to
 * (timer difference x cycles per µs) minus that difference.
 */
void xs_bench_cycles_lap(xsMachine *the)
{
	uint32_t now = systick_hw->cvr; /* counts down */
	uint64_t micros = time_us_64();
	uint32_t span = (gLast - now) & 0xffffff;
	double expected = (double)(micros - gLastMicros) * gCyclesPerMicro;
	double wraps = (expected - span) / 16777216.0;
	double cycles = span + (double)(int64_t)(wraps + 0.5) * 16777216.0;
	gLast = now;
	gLastMicros = micros;
	xsmcSetNumber(xsResult, cycles);
}

void xs_bench_heap(xsMachine *the)
{
	void *data;
	xsUnsignedValue size;
	double *out;
	xsmcGetBufferWritable(xsArg(0), &data, &size);
	if (size < 6 * sizeof(double))
		xsRangeError("heap: 6 float64 needed");
	out = (double *)data;
	out[0] = (double)the->currentHeapCount * sizeof(txSlot);
	out[1] = (double)the->currentChunksSize;
	out[2] = (double)the->peakHeapCount * sizeof(txSlot);
	out[3] = (double)the->peakChunksSize;
	out[4] = (double)the->maximumHeapCount * sizeof(txSlot);
	out[5] = (double)the->maximumChunksSize;
}

void xs_bench_collect(xsMachine *the)
{
	xsCollectGarbage();
}
