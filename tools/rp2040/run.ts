/*
 * tools/rp2040/run: runs an RP2040 firmware image in rp2040js (the npm emulator of the RP2040's
 * Cortex-M0+ cores and peripherals) and collects what it prints on UART0, with the emulator's
 * cycle count at each line.
 *
 *   tsx tools/rp2040/run.ts IMAGE [--max-mcycles N] [--until TEXT]... [--no-usb]
 *
 * IMAGE is an ELF (its loadable segments in flash are copied in), a UF2 or a raw flash .bin.
 * What the firmware prints on its USB CDC serial port (the Moddable runtime's console: trace()
 * and uncaught exceptions) is collected too, as console lines prefixed "usb:" on the command line.
 * The RP2040 boot ROM is not part of rp2040js: set RP2040_BOOTROM to either a raw binary of it
 * (16 KiB, little-endian words) or to rp2040js's own demo/bootrom.ts from a checkout of the
 * wokwi/rp2040js repository (its first exported Uint32Array is used). Nothing here fetches or
 * builds anything.
 *
 * Theory of operation: as rp2040js's own Simulator.execute(), but synchronous and bounded: the
 * core starts at the flash base (boot stage 2 of a Pico SDK image), executes instruction by
 * instruction, and the simulation clock advances by each instruction's cycles at 125 MHz
 * (rp2040js's fixed rate; the clock only drives timers, a cycle is a cycle). While the core
 * waits (WFI/WFE), the clock jumps to the next alarm. The run stops when a line contains the
 * --until text, at --max-mcycles million cycles, or when the core stays waiting with no alarm.
 * Cycles are rp2040js's model of the M0+ (one per instruction plus its documented extras); flash
 * reads cost no wait states here, unlike XIP flash cache misses on a real chip.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ConsoleLogger, LogLevel, Simulator, USBCDC } from "rp2040js";

const FLASH_BASE = 0x10000000;
const CYCLE_NANOS = 1e9 / 125e6;
const SRAM_BASE = 0x20000000;
const SRAM_BYTES = 264 * 1024;
const ROM_BYTES = 16 * 1024;

export interface UartLine {
  text: string;
  /** Cycles the emulated core had executed (idle waits not counted) when the line's newline was written. */
  cycles: number;
}

export interface RunResult {
  lines: UartLine[];
  /** Lines written on the USB CDC serial port (an emulated host enumerates it and raises DTR). */
  console: UartLine[];
  cycles: number;
  /** With RunOptions.profile: cycles spent at each instruction address (halfword index from FLASH_BASE / SRAM_BASE) in the window. */
  profile?: Profile[];
  /** Program counter when the run stopped (to look up in the image's symbols when it hangs). */
  pc: number;
  /** Why the run stopped: "until", "max-cycles" or "idle". */
  stopped: "until" | "max-cycles" | "idle";
}

/**
 * Cycles spent at each instruction address (one slot per halfword from the region's base) in a
 * profile window. With a marker address, the window is split into phases: each time the core
 * reaches the marker, the phase advances (mod phases), so phase k holds what ran after the
 * marker's k-th hit in each round (e.g. between two SysTick laps).
 */
export interface Profile {
  rom: Float64Array;
  flash: Float64Array;
  sram: Float64Array;
  cycles: number;
  /** With RunOptions.profile.callersOf: calls of that function by return address (LR). */
  callers: Map<number, number>;
  /** With RunOptions.profile.wordAt: how often each value of the word at SP + spOffset was seen when the core reached pc. */
  words: Map<number, number>;
}

export interface RunOptions {
  image: string;
  bootrom: Uint32Array;
  maxCycles: number;
  /** Stop after a line containing this text (or any of these). */
  until?: string | string[];
  /** Called with every complete line. */
  onLine?: (line: UartLine) => void;
  /** Called with every complete USB CDC console line. */
  onConsole?: (line: UartLine) => void;
  /**
   * Attach the emulated USB host (default true): it enumerates the CDC port and collects the
   * console. rp2040js's host model makes the device's USB stack service interrupts all the time
   * (about two thirds of all cycles with the Moddable runtime), which a board running on its own
   * power, with no host, never pays; so cycle benchmarks run without it.
   */
  usbHost?: boolean;
  /** Flat profile: cycles per instruction address between a line containing start and one containing stop. */
  profile?: { start: string; stop: string; marker?: number; phases?: number; callersOf?: number; wordAt?: { pc: number; spOffset: number } };
}

/** Loads the boot ROM named by RP2040_BOOTROM (see the header comment), or returns why it cannot. */
export async function loadBootrom(file = process.env.RP2040_BOOTROM): Promise<Uint32Array | string> {
  if (!file) return "RP2040_BOOTROM is not set (the RP2040 boot ROM: rp2040js's demo/bootrom.ts or a raw 16 KiB binary)";
  if (!fs.existsSync(file)) return `RP2040_BOOTROM=${file} does not exist`;
  if (/\.[cm]?[jt]s$/.test(file)) {
    const mod = (await import(pathToFileURL(path.resolve(file)).href)) as Record<string, unknown>;
    const rom = Object.values(mod).find((v): v is Uint32Array => v instanceof Uint32Array);
    return rom ?? `${file} exports no Uint32Array`;
  }
  const b = fs.readFileSync(file);
  if (b.length % 4 !== 0 || b.length > 16384) return `${file}: not a boot ROM image (${b.length} bytes)`;
  return new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
}

/** Copies the image into the emulated flash. */
function loadImage(flash: Uint8Array, file: string): void {
  const data = fs.readFileSync(file);
  if (data.readUInt32BE(0) === 0x7f454c46) return loadElf(flash, data);
  if (data.readUInt32LE(0) === 0x0a324655) {
    // UF2: 512-byte blocks, target address at 12, payload size at 16, payload at 32
    for (let o = 0; o + 512 <= data.length; o += 512) {
      const addr = data.readUInt32LE(o + 12);
      const size = data.readUInt32LE(o + 16);
      flash.set(data.subarray(o + 32, o + 32 + size), addr - FLASH_BASE);
    }
    return;
  }
  flash.set(data, 0);
}

/** ELF32 little-endian: every PT_LOAD segment whose physical address is in flash. */
function loadElf(flash: Uint8Array, elf: Buffer): void {
  const phoff = elf.readUInt32LE(28);
  const phentsize = elf.readUInt16LE(42);
  const phnum = elf.readUInt16LE(44);
  let loaded = 0;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (elf.readUInt32LE(ph) !== 1) continue; // PT_LOAD
    const offset = elf.readUInt32LE(ph + 4);
    const paddr = elf.readUInt32LE(ph + 12);
    const filesz = elf.readUInt32LE(ph + 16);
    if (filesz === 0 || paddr < FLASH_BASE || paddr + filesz > FLASH_BASE + flash.length) continue;
    flash.set(elf.subarray(offset, offset + filesz), paddr - FLASH_BASE);
    loaded += filesz;
  }
  if (loaded === 0) throw new Error("ELF image has no loadable segment in flash");
}

/** Runs the image (see the header comment). */
export async function runImage(opts: RunOptions): Promise<RunResult> {
  const sim = new Simulator();
  const mcu = sim.rp2040;
  mcu.logger = new ConsoleLogger(LogLevel.Error); // not the per-SEV debug lines
  const clock = sim.clock as unknown as { tick(n: number): void; nanosToNextAlarm: number };
  mcu.loadBootrom(opts.bootrom);
  loadImage(mcu.flash, opts.image);
  const lines: UartLine[] = [];
  const untils = opts.until === undefined ? [] : typeof opts.until === "string" ? [opts.until] : opts.until;
  let current = "";
  let profiling = false;
  const phases = opts.profile?.phases ?? 1;
  const marker = (opts.profile?.marker ?? -2) & ~1;
  const profs: Profile[] | undefined = opts.profile
    ? Array.from({ length: phases }, () => ({ rom: new Float64Array(ROM_BYTES >> 1), flash: new Float64Array(mcu.flash.length >> 1), sram: new Float64Array(SRAM_BYTES >> 1), cycles: 0, callers: new Map<number, number>(), words: new Map<number, number>() }))
    : undefined;
  let phase = phases - 1;
  const callee = (opts.profile?.callersOf ?? -2) & ~1;
  const wordPc = (opts.profile?.wordAt?.pc ?? -2) & ~1;
  const wordOffset = opts.profile?.wordAt?.spOffset ?? 0;
  let stop: RunResult["stopped"] | null = null;
  mcu.uart[0].onByte = (b: number) => {
    if (b === 10) {
      const line = { text: current.replace(/\r$/, ""), cycles: mcu.core.cycles };
      lines.push(line);
      opts.onLine?.(line);
      current = "";
      if (untils.some((u) => line.text.includes(u))) stop = "until";
      if (opts.profile && line.text.includes(opts.profile.start)) profiling = true;
      if (opts.profile && line.text.includes(opts.profile.stop)) profiling = false;
    } else current += String.fromCharCode(b);
  };
  const consoleLines: UartLine[] = [];
  let usbLine = "";
  const cdc = opts.usbHost === false ? ({} as USBCDC) : new USBCDC(mcu.usbCtrl);
  cdc.onSerialData = (data: Uint8Array) => {
    for (const b of data) {
      if (b === 10 || b === 13) {
        if (usbLine) {
          const line = { text: usbLine, cycles: mcu.core.cycles };
          consoleLines.push(line);
          opts.onConsole?.(line);
        }
        usbLine = "";
      } else usbLine += String.fromCharCode(b);
    }
  };
  mcu.core.PC = FLASH_BASE;
  const core = mcu.core;
  let idleJumps = 0;
  while (stop === null) {
    // a slice of instructions, then a turn of the event loop (logs, timeouts)
    for (let i = 0; i < 2_000_000 && stop === null; i++) {
      if (core.waiting) {
        const next = clock.nanosToNextAlarm;
        if (!(next > 0) || !Number.isFinite(next)) {
          if (++idleJumps > 3) stop = "idle";
          break;
        }
        clock.tick(next); // idle time: core.cycles counts executed cycles only
      } else {
        idleJumps = 0;
        if (profiling && profs) {
          const pc = core.PC & ~1;
          if (pc === marker) phase = (phase + 1) % phases;
          const prof = profs[phase];
          if (pc === wordPc) {
            const w = mcu.readUint32(core.SP + wordOffset);
            prof.words.set(w, (prof.words.get(w) ?? 0) + 1);
          }
          if (pc === callee) prof.callers.set(core.LR & ~1, (prof.callers.get(core.LR & ~1) ?? 0) + 1);
          const c = core.executeInstruction();
          clock.tick(c * CYCLE_NANOS);
          prof.cycles += c;
          if (pc >= SRAM_BASE) prof.sram[(pc - SRAM_BASE) >> 1] += c;
          else if (pc >= FLASH_BASE) prof.flash[(pc - FLASH_BASE) >> 1] += c;
          else prof.rom[pc >> 1] += c;
        } else {
          const c = core.executeInstruction();
          clock.tick(c * CYCLE_NANOS);
        }
      }
      if (core.cycles >= opts.maxCycles) stop = "max-cycles";
    }
    await new Promise((r) => setImmediate(r));
  }
  if (current) lines.push({ text: current, cycles: core.cycles });
  if (usbLine) consoleLines.push({ text: usbLine, cycles: core.cycles });
  return { lines, console: consoleLines, cycles: core.cycles, stopped: stop, pc: core.PC, profile: profs };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let image = "";
  let maxMcycles = 2000;
  const until: string[] = [];
  let usbHost = true;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--max-mcycles") maxMcycles = Number(args[++i]);
    else if (args[i] === "--until") until.push(args[++i]);
    else if (args[i] === "--no-usb") usbHost = false;
    else if (!image) image = args[i];
    else throw new Error(`unexpected argument ${args[i]}`);
  }
  if (!image) throw new Error("usage: tsx tools/rp2040/run.ts IMAGE [--max-mcycles N] [--until TEXT] [--no-usb]");
  const rom = await loadBootrom();
  if (typeof rom === "string") throw new Error(rom);
  const t0 = Date.now();
  const r = await runImage({ image, bootrom: rom, maxCycles: maxMcycles * 1e6, until, usbHost, onLine: (l) => console.log(`[${l.cycles}] ${l.text}`), onConsole: (l) => console.log(`[${l.cycles}] usb: ${l.text}`) });
  console.error(`rp2040: stopped (${r.stopped}) after ${r.cycles} cycles, ${((Date.now() - t0) / 1000).toFixed(1)} s, pc 0x${r.pc.toString(16)}`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().then(
    (c) => process.exit(c),
    (e) => {
      console.error(`rp2040: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
