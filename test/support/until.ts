/**
 * Polls `get` until `ok` holds (threads, pools, checkpoints and other processes change in real
 * time); fails after `ms` with what it last saw.
 */
export async function until<T>(
  what: string,
  get: () => T | Promise<T>,
  ok: (v: T) => boolean,
  ms = 20_000,
  everyMs = 25,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() - t0 > ms)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v).slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `until` for a plain condition: waits until `cond()` is true. */
export async function when(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  await until(what, cond, Boolean, ms);
}
