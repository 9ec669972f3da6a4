import type { PowerSource } from '#contract/hardware';

/**
 * Accumulates what ran during the current slot from periodic samples: energy per device and job,
 * hashes, accepted share difficulty and training value. `flush` hands back the slot and starts
 * the next. Pure (no services), so a recorded day of samples can be fed through it in tests.
 */
export type MeterSample = {
  at: number;
  devices: {
    deviceId: string;
    powerW: number | null;
    source: PowerSource | null;
    /** A LAN miner's own hash rate, H/s (it mines for its own pool, not through Hearth's miner). */
    hashRate?: number;
    /** false: it stands outside the heated space (its heat is booked as none). */
    heats?: boolean;
  }[];
  /** Job per device while it ran ("mining", "job:<id>"); absent: no job. */
  jobs: Record<string, string>;
  /** Hash rate (H/s) at this moment, 0 when not mining. */
  hashRate: number;
  /** Value per hour (currency) of each running job, by job id. */
  valuePerHour: Record<string, number>;
  /** Work done so far (steps) by each running job, by job id; the meter books the increase. */
  work?: Record<string, number>;
};

export type MeterCell = {
  deviceId: string;
  jobId: string;
  /** Watt-milliseconds: exact integer sums of W × ms (divide by 3600 for mWh). */
  wattMs: number;
  estimated: boolean;
  /** Currency earned by the job's value per hour, share of this device. */
  trainingValue: number;
  /** Work units (steps) the job advanced in this slot; on the job's first device. */
  trainingWork: number;
  /** Hashes a LAN miner reported doing in this slot (its own hash rate × time). */
  hashes: number;
  /** false: its heat did not go into the heated space. */
  heats: boolean;
};

export type MeterSlot = {
  start: number;
  end: number;
  cells: MeterCell[];
  hashes: number;
  /** Sum of the difficulties of shares accepted in this slot. */
  shareDifficulty: number;
  /** Sum of the difficulties of shares the pool rejected in this slot: work that earned nothing. */
  rejectedDifficulty: number;
  /** Milliseconds actually sampled (less than the slot after a start or a gap). */
  coveredMs: number;
};

export function slotOf(at: number, slotMs: number): { start: number; end: number } {
  const start = Math.floor(at / slotMs) * slotMs;
  return { start, end: start + slotMs };
}

export class SlotMeter {
  private slot: MeterSlot | null = null;
  private last: MeterSample | null = null;
  private readonly lastWork = new Map<string, number>();

  /** @param maxGapMs a longer gap between samples (sleep, a stopped app) counts as nothing ran. */
  constructor(
    private readonly slotMs: number,
    private readonly maxGapMs: number,
  ) {}

  /** Adds a sample; returns the slots that ended before it (already complete). */
  sample(s: MeterSample): MeterSlot[] {
    const done: MeterSlot[] = [];
    const prev = this.last;
    this.last = s;
    if (!prev || s.at <= prev.at || s.at - prev.at > this.maxGapMs) {
      if (this.slot && s.at >= this.slot.end) done.push(this.take());
      for (const [job, total] of Object.entries(s.work ?? {})) this.lastWork.set(job, total);
      return done;
    }
    // The interval (prev.at, s.at] is credited with the previous sample's readings, split at slot boundaries.
    let t = prev.at;
    while (t < s.at) {
      const { start, end } = slotOf(t, this.slotMs);
      if (this.slot && this.slot.start !== start) done.push(this.take());
      this.slot ??= { start, end, cells: [], hashes: 0, shareDifficulty: 0, rejectedDifficulty: 0, coveredMs: 0 };
      const upto = Math.min(end, s.at);
      this.credit(prev, upto - t);
      t = upto;
    }
    this.creditWork(s, done);
    if (this.slot && s.at >= this.slot.end) done.push(this.take());
    return done;
  }

  /** Steps done since the previous sample go to the slot they ended in, on the job's first cell. */
  private creditWork(s: MeterSample, done: MeterSlot[]): void {
    for (const [job, total] of Object.entries(s.work ?? {})) {
      const before = this.lastWork.get(job);
      this.lastWork.set(job, total);
      const delta = before === undefined ? 0 : total - before;
      if (delta <= 0) continue;
      const slot = this.slot ?? done[done.length - 1];
      const cell = slot?.cells.find((c) => c.jobId === job);
      if (cell) cell.trainingWork += delta;
    }
  }

  /** A share the pool answered at `at`: accepted work is credited, rejected work is taken off the slot's hashes. */
  share(at: number, difficulty: number, accepted = true): void {
    const { start, end } = slotOf(at, this.slotMs);
    if (!this.slot || this.slot.start !== start) {
      if (this.slot && this.slot.start < start) return; // before its slot was booked: counted nowhere rather than twice
      this.slot ??= { start, end, cells: [], hashes: 0, shareDifficulty: 0, rejectedDifficulty: 0, coveredMs: 0 };
    }
    if (this.slot.start !== start) return;
    if (accepted) this.slot.shareDifficulty += difficulty;
    else this.slot.rejectedDifficulty += difficulty;
  }

  /** The slot in progress, cut short (stop): booked with what it has so far. */
  flush(): MeterSlot | null {
    return this.slot ? this.take() : null;
  }

  private take(): MeterSlot {
    const s = this.slot!;
    this.slot = null;
    return s;
  }

  private credit(p: MeterSample, ms: number): void {
    const slot = this.slot!;
    slot.coveredMs += ms;
    slot.hashes += p.hashRate * (ms / 1000);
    const jobsOn = new Map<string, number>();
    for (const job of Object.values(p.jobs)) jobsOn.set(job, (jobsOn.get(job) ?? 0) + 1);
    for (const d of p.devices) {
      if (d.powerW === null || d.powerW <= 0) continue;
      const jobId = p.jobs[d.deviceId] ?? '';
      let cell = slot.cells.find((c) => c.deviceId === d.deviceId && c.jobId === jobId);
      if (!cell) {
        cell = {
          deviceId: d.deviceId,
          jobId,
          wattMs: 0,
          estimated: false,
          trainingValue: 0,
          trainingWork: 0,
          hashes: 0,
          heats: d.heats !== false,
        };
        slot.cells.push(cell);
      }
      cell.wattMs += Math.round(d.powerW * ms);
      cell.hashes += (d.hashRate ?? 0) * (ms / 1000);
      if (d.source === null || d.source === 'estimate') cell.estimated = true;
      const vph = jobId ? p.valuePerHour[jobId] : undefined;
      if (vph) cell.trainingValue += (vph * ms) / 3_600_000 / (jobsOn.get(jobId) ?? 1);
    }
  }
}
