/*
 * tools/rp2040/profile: a flat profile of an RP2040 firmware image in rp2040js, per function,
 * between two UART lines, optionally split into phases at a marker function.
 *
 *   tsx tools/rp2040/profile.ts ELF --start TEXT --stop TEXT [--marker SYMBOL --phases N]
 *       [--top N] [--pcs N (hottest addresses)] [--max-mcycles N] [--usb]
 *       [--callers SYMBOL (its calls by return address)]
 *       [--word-at HEXPC:SPOFFSET [--modules mc.xs.c]] (how often each value of a stack word was
 *        seen at an address, folded by data symbol, or by module for mc.xs.c's gxCodeN arrays:
 *        e.g. the XS interpreter's opcode at its dispatch, a "?<hex>" per opcode; preloaded
 *        modules' code has no symbol, so a code pointer folds into "gxKeys")
 * e.g. the agent's tick of the RP2040 bench (build/rp2040/xs is where bench/rp2040.ts builds):
 *   tsx tools/rp2040/profile.ts build/rp2040/xs/bin/pico/release/rp2040/xs_pico.elf \
 *     --start "bench heap before-native-20hz" --stop "bench growth native-20hz" \
 *     --marker xs_bench_cycles_lap --phases 6
 *
 * Theory of operation: tools/rp2040/run.ts counts each executed instruction's cycles at its
 * address while the window is open (after a line containing --start, until one containing
 * --stop); here the addresses are folded into the ELF's function symbols (arm-none-eabi-nm),
 * and boot ROM addresses into one "bootrom" entry (the ROM's float and memory routines). With
 * --marker (e.g. xs_bench_cycles_lap) the phase advances at each entry of that function, so
 * phase 0 of the RP2040 bench's laps is the agent's tick and phase 2 the in-memory brain's.
 * Without --usb, no emulated USB host is attached (see RunOptions.usbHost in run.ts).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { loadBootrom, runImage, type Profile } from "./run";

const FLASH_BASE = 0x10000000;
const SRAM_BASE = 0x20000000;

interface Sym {
  addr: number;
  name: string;
}

function symbols(elf: string, types = /[tTwW]/): Sym[] {
  const out = spawnSync("arm-none-eabi-nm", ["-n", "--defined-only", elf], { encoding: "utf8", maxBuffer: 1 << 26 }).stdout;
  const syms: Sym[] = [];
  for (const line of out.split("\n")) {
    const m = /^([0-9a-f]{8}) (\S) (\S+)$/.exec(line);
    if (m && types.test(m[2])) syms.push({ addr: parseInt(m[1], 16) & ~1, name: m[3] });
  }
  return syms.sort((a, b) => a.addr - b.addr);
}

function lookup(syms: Sym[], addr: number): string {
  let lo = 0;
  let hi = syms.length - 1;
  if (hi < 0 || addr < syms[0].addr) return `?${addr.toString(16)}`;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (syms[mid].addr <= addr) lo = mid;
    else hi = mid - 1;
  }
  return syms[lo].name;
}

function fold(p: Profile, syms: Sym[]): Map<string, number> {
  const by = new Map<string, number>();
  const add = (name: string, c: number) => by.set(name, (by.get(name) ?? 0) + c);
  p.rom.forEach((c, i) => c && add("bootrom", c));
  p.flash.forEach((c, i) => c && add(lookup(syms, FLASH_BASE + 2 * i), c));
  p.sram.forEach((c, i) => c && add(lookup(syms, SRAM_BASE + 2 * i), c));
  return by;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let elf = "";
  let start = "";
  let stop = "";
  let marker = "";
  let phases = 1;
  let top = 40;
  let pcs = 0;
  let usbHost = false;
  let callers = "";
  let wordAt: { pc: number; spOffset: number } | undefined;
  let modulesFile = "";
  let maxMcycles = 4000;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--start") start = args[++i];
    else if (a === "--stop") stop = args[++i];
    else if (a === "--marker") marker = args[++i];
    else if (a === "--phases") phases = Number(args[++i]);
    else if (a === "--top") top = Number(args[++i]);
    else if (a === "--pcs") pcs = Number(args[++i]);
    else if (a === "--max-mcycles") maxMcycles = Number(args[++i]);
    else if (a === "--usb") usbHost = true;
    else if (a === "--callers") callers = args[++i];
    else if (a === "--word-at") {
      const [pc, off] = args[++i].split(":");
      wordAt = { pc: parseInt(pc, 16), spOffset: Number(off) };
    } else if (a === "--modules") modulesFile = args[++i];
    else if (!elf) elf = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  if (!elf || !start || !stop) throw new Error("usage: tsx tools/rp2040/profile.ts ELF --start TEXT --stop TEXT [--marker SYMBOL --phases N] [--top N]");
  const syms = symbols(elf);
  const markerAddr = marker ? syms.find((s) => s.name === marker)?.addr : undefined;
  if (marker && markerAddr === undefined) throw new Error(`no symbol ${marker} in ${elf}`);
  const calleeAddr = callers ? syms.find((s) => s.name === callers)?.addr : undefined;
  if (callers && calleeAddr === undefined) throw new Error(`no symbol ${callers} in ${elf}`);
  const rom = await loadBootrom();
  if (typeof rom === "string") throw new Error(rom);
  const r = await runImage({ image: elf, bootrom: rom, maxCycles: maxMcycles * 1e6, until: stop, usbHost, profile: { start, stop, marker: markerAddr, phases, callersOf: calleeAddr, wordAt }, onLine: (l) => console.log(`[${l.cycles}] ${l.text}`) });
  for (const [k, p] of (r.profile ?? []).entries()) {
    console.log(`\nphase ${k}: ${p.cycles} cycles`);
    const rows = [...fold(p, syms)].sort((a, b) => b[1] - a[1]).slice(0, top);
    for (const [name, c] of rows) console.log(`${String(c).padStart(12)} ${((100 * c) / p.cycles).toFixed(1).padStart(5)}%  ${name}`);
    if (calleeAddr !== undefined) {
      const calls = [...p.callers].sort((a, b) => b[1] - a[1]).slice(0, top);
      console.log(`calls of ${callers} by return address:`);
      for (const [lr, n] of calls) console.log(`${String(n).padStart(12)}  0x${lr.toString(16)}  ${lookup(syms, lr)}`);
    }
    if (wordAt) {
      // the word is a bytecode address: fold it into the data symbol holding it (gxCodeN of mc.xs.c), named by module
      const data = symbols(elf, /[rRdDbB]/);
      const names = new Map<string, string>();
      if (modulesFile) {
        for (const m of fs.readFileSync(modulesFile, "utf8").matchAll(/\(txS1\*\)(gxCode\d+), \d+, NULL, 0, "([^"]+)"/g)) names.set(m[1], m[2]);
      }
      const by = new Map<string, number>();
      let total = 0;
      for (const [w, n] of p.words) {
        const sym = lookup(data, w);
        const name = names.get(sym) ?? sym;
        by.set(name, (by.get(name) ?? 0) + n);
        total += n;
      }
      console.log(`words at 0x${wordAt.pc.toString(16)} (sp+${wordAt.spOffset}): ${total}, by data symbol / module:`);
      for (const [name, n] of [...by].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${String(n).padStart(12)} ${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
    }
    if (pcs > 0) {
      const hot = [...p.flash.entries()].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]).slice(0, pcs);
      for (const [i, c] of hot) console.log(`${String(c).padStart(12)}  0x${(FLASH_BASE + 2 * i).toString(16)}  ${lookup(syms, FLASH_BASE + 2 * i)}`);
    }
  }
  return 0;
}

main().then(
  (c) => process.exit(c),
  (e) => {
    console.error(`rp2040 profile: ${(e as Error).message}`);
    process.exit(1);
  },
);
