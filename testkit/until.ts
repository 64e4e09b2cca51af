/*
 * until: polls a condition on real time (integration, fault and security tests). Resolves
 * with the milliseconds it took, or rejects naming what it waited for once `timeoutMs` passes.
 */
export async function until(what: string, pred: () => boolean, timeoutMs = 15_000, pollMs = 5): Promise<number> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return Date.now() - t0;
}
