import type { Clock } from '#core/clock';
import type { Plan, PlanApplied, PlanInput, PlanOverride } from '#contract/plan';
import { plan as makePlan } from '#workers/planner/plan';

export type SchedulerEvent =
  | { type: 'planned'; at: number; slots: number; net: number; shortfalls: Plan['shortfalls'] }
  | { type: 'applied'; at: number; applied: PlanApplied }
  | { type: 'override'; at: number; override: PlanOverride | null }
  | { type: 'error'; at: number; message: string };

export type SchedulerDeps = {
  clock: Clock;
  /** Slot length, ms; boundaries are multiples of it since the epoch (UTC), so DST never shifts them. */
  slotMs: number;
  /** The planner's inputs as they are now (prices, heat, devices, jobs, limits). */
  inputs(): Promise<PlanInput>;
  /** Puts the decisions into effect (worker pools); called at every boundary and after a re-plan. */
  apply(applied: PlanApplied): void | Promise<void>;
  /** Every decision and deviation, for the ledger. */
  record(event: SchedulerEvent): void;
  /** Changes arriving closer together than this are planned once. */
  debounceMs?: number;
  /** Makes the plan; default plan() in this thread (the core passes the planner worker's). */
  planner?: (input: PlanInput, now: number) => Promise<Plan>;
};

/**
 * Keeps a plan current and carries it out: plans on start, at every slot boundary applies that
 * slot's decisions (re-planning when the plan has run out), re-plans after changes (debounced),
 * and lets a manual override win until it expires.
 */
export class Scheduler {
  private current: Plan | null = null;
  private override: PlanOverride | null = null;
  private boundary: { cancel(): void } | null = null;
  private debounce: { cancel(): void } | null = null;
  private expiry: { cancel(): void } | null = null;
  private running = false;
  private planning: Promise<void> = Promise.resolve();

  constructor(private readonly deps: SchedulerDeps) {}

  /** Plans and applies the current slot at once (a restarted process resumes mid-slot). */
  async start(): Promise<void> {
    this.running = true;
    await this.replanNow();
    this.armBoundary();
  }

  stop(): void {
    this.running = false;
    this.boundary?.cancel();
    this.debounce?.cancel();
    this.expiry?.cancel();
  }

  plan(): Plan | null {
    return this.current;
  }

  /** Prices, sensors, jobs or settings changed: re-plan once the changes settle. */
  changed(): void {
    if (!this.running) return;
    this.debounce?.cancel();
    this.debounce = this.deps.clock.setTimeout(() => {
      this.debounce = null;
      void this.replanNow();
    }, this.deps.debounceMs ?? 2_000);
  }

  /** Sets (or clears, with null) the manual override and applies it now. */
  async setOverride(o: PlanOverride | null): Promise<void> {
    this.expiry?.cancel();
    this.expiry = null;
    this.override = o;
    this.deps.record({ type: 'override', at: this.deps.clock.now(), override: o });
    if (o) {
      this.expiry = this.deps.clock.setTimeout(
        () => {
          this.expiry = null;
          void this.setOverride(null);
        },
        Math.max(0, o.until - this.deps.clock.now()),
      );
    }
    await this.applyNow();
  }

  /** Applies the current slot again now (conditions changed: presence, temperature). */
  async reapply(): Promise<void> {
    if (!this.running) return;
    this.planning = this.planning.then(() => this.applyNow());
    return this.planning;
  }

  /** What should run right now: the override while it lasts, else the plan's slot. */
  decide(now: number): PlanApplied {
    const slotStart = Math.floor(now / this.deps.slotMs) * this.deps.slotMs;
    const o = this.override;
    const devices = this.current?.slots[0]?.decisions.map((d) => d.device) ?? [];
    if (o && now < o.until) {
      const until = new Date(o.until).toISOString().slice(11, 16);
      if (o.kind === 'pause') {
        return {
          slotStart,
          source: 'override',
          reason: `paused by hand until ${until} UTC`,
          decisions: devices.map((device) => ({ device, job: null, level: -1, powerW: 0, work: 0 })),
        };
      }
      const planned = this.slotAt(now)?.decisions ?? [];
      const decisions = planned.map((d) =>
        d.device === o.device ? { device: d.device, job: o.job, level: o.level, powerW: o.powerW, work: 0 } : d,
      );
      if (!decisions.some((d) => d.device === o.device))
        decisions.push({ device: o.device, job: o.job, level: o.level, powerW: o.powerW, work: 0 });
      return { slotStart, source: 'override', reason: `run by hand until ${until} UTC`, decisions };
    }
    const slot = this.slotAt(now);
    if (!slot) return { slotStart, source: 'none', reason: 'no plan for this slot (no prices yet?)', decisions: [] };
    return { slotStart, source: 'plan', reason: slot.reason, decisions: slot.decisions };
  }

  private slotAt(now: number) {
    return this.current?.slots.find(
      (s, i, all) => s.start <= now && now < (all[i + 1]?.start ?? s.start + this.deps.slotMs),
    );
  }

  private async replanNow(): Promise<void> {
    // One planning at a time; a change during planning plans again afterwards.
    this.planning = this.planning.then(async () => {
      try {
        const input = await this.deps.inputs();
        const now = this.deps.clock.now();
        const p = await (this.deps.planner ? this.deps.planner(input, now) : makePlan(input, { now }));
        this.current = p;
        this.deps.record({
          type: 'planned',
          at: this.deps.clock.now(),
          slots: p.slots.length,
          net: p.totals.net,
          shortfalls: p.shortfalls,
        });
      } catch (e) {
        this.deps.record({
          type: 'error',
          at: this.deps.clock.now(),
          message: `planning failed: ${(e as Error).message}`,
        });
      }
      await this.applyNow();
    });
    return this.planning;
  }

  private async applyNow(): Promise<void> {
    const applied = this.decide(this.deps.clock.now());
    this.deps.record({ type: 'applied', at: this.deps.clock.now(), applied });
    try {
      await this.deps.apply(applied);
    } catch (e) {
      this.deps.record({
        type: 'error',
        at: this.deps.clock.now(),
        message: `applying the slot failed: ${(e as Error).message}`,
      });
    }
  }

  private armBoundary(): void {
    if (!this.running) return;
    const now = this.deps.clock.now();
    const next = (Math.floor(now / this.deps.slotMs) + 1) * this.deps.slotMs;
    this.boundary = this.deps.clock.setTimeout(() => {
      this.boundary = null;
      const t = this.deps.clock.now();
      // A timer that fires a hair early (clock adjustments) must not apply the previous slot again.
      if (t < next) {
        this.armBoundary();
        return;
      }
      // Re-plan when the plan has run out (or is about to), else just apply the next slot.
      const last = this.current?.slots.at(-1);
      const work = !last || last.start <= t ? this.replanNow() : this.applyNow();
      void work.then(() => this.armBoundary());
    }, next - now);
  }
}
