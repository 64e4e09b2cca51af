/*
 * generation: keeps the session generation increasing across reboots.
 *
 * Theory of operation: the agent bumps its generation on every connection attempt and puts
 * it in its will, so the brain can tell a stale death from a current one (like Sparkplug's
 * bdSeq). After a reboot it must not start from 0 again. Writing flash on every attempt would
 * wear it, so generations are reserved in blocks: at boot the next block's start is written
 * once, and again only when the running generation reaches it. So at most one Preferences
 * write per boot plus one per `BLOCK` connection attempts, and a reboot at any moment resumes
 * above every generation used before.
 */
import Preference from "preference";

const DOMAIN = "brainstem";
const KEY = "gen";
const BLOCK = 64;

export class GenerationStore {
  /** The generation the agent should start from. */
  readonly initial: number;
  private mark: number;

  constructor() {
    let saved = 0;
    try {
      const v = Preference.get(DOMAIN, KEY);
      if (typeof v === "number" && v >= 0) saved = v >>> 0;
    } catch {
      // no preferences on this port
    }
    this.initial = saved;
    this.mark = saved;
    this.reserve();
  }

  /** Call after each tick with the agent's generation; writes Preferences only at a block boundary. */
  observe(generation: number): void {
    if (((generation - this.mark) | 0) >= 0) this.reserve();
  }

  private reserve(): void {
    this.mark = (this.mark + BLOCK) >>> 0;
    try {
      Preference.set(DOMAIN, KEY, this.mark);
    } catch {
      // read-only or absent preferences: generations restart at boot
    }
  }
}
