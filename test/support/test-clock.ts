import type { Clock } from '#core/clock';

/** A clock tests drive by hand: timers fire in time order as `advance` moves time forward. */
export class TestClock implements Clock {
  private timers: { at: number; fn: () => void; id: number; every?: number }[] = [];
  private seq = 0;
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const id = ++this.seq;
    this.timers.push({ at: this.t + Math.max(0, ms), fn, id });
    return { cancel: () => (this.timers = this.timers.filter((x) => x.id !== id)) && undefined };
  }
  setInterval(fn: () => void, ms: number): { cancel(): void } {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id, every: ms });
    return { cancel: () => (this.timers = this.timers.filter((x) => x.id !== id)) && undefined };
  }
  /** Moves time to `to`, firing due timers in order and letting their promises settle between. */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      await settle();
      const due = this.timers.filter((x) => x.at <= to).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.t = due.at;
      this.timers = this.timers.filter((x) => x.id !== due.id);
      if (due.every) this.timers.push({ ...due, at: due.at + due.every });
      due.fn();
    }
    this.t = to;
    await settle();
  }
}

/** Lets pending promise chains (planning runs HiGHS asynchronously) run to the end. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
}
