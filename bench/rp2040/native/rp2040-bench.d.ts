/*
 * Types of rp2040-bench.js (see that file).
 */
export function uartLine(text: string): void;
export function micros(): number;
export function clockHz(): number;
export function cyclesStart(): void;
export function cyclesLap(): number;
export function heap(out: Uint8Array): void;
export function collect(): void;
