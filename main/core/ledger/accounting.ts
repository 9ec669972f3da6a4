import { dayRange } from '#core/time';
import { assertSafe, energyCost, type MilliWh, type Nanos } from '#core/economics/money';
import { inTransaction, type Db, type Migration } from './db.ts';

/**
 * Slot accounting: one row per slot actually run, per device and job. Money is integer nano-units
 * of `currency` and energy integer mWh (see economics/money.ts), so every sum is exact.
 */
export const accountingMigrations: Migration[] = [
  {
    id: 'ledger/1',
    sql: `CREATE TABLE ledger_slot (
      start INTEGER NOT NULL,
      end INTEGER NOT NULL,
      device_id TEXT NOT NULL,
      job_id TEXT NOT NULL DEFAULT '',
      energy_mwh INTEGER NOT NULL,
      energy_source TEXT NOT NULL CHECK (energy_source IN ('measured', 'estimated')),
      heat_mwh INTEGER NOT NULL,
      heat_met_mwh INTEGER NOT NULL,
      currency TEXT NOT NULL,
      price_nanos INTEGER NOT NULL,
      cost_nanos INTEGER NOT NULL,
      heat_credit_nanos INTEGER NOT NULL,
      revenue_expected_nanos INTEGER NOT NULL,
      revenue_credited_nanos INTEGER NOT NULL,
      training_work INTEGER NOT NULL,
      training_value_nanos INTEGER NOT NULL,
      PRIMARY KEY (start, device_id, job_id)
    );
    CREATE INDEX ledger_slot_start ON ledger_slot (start);`,
  },
  {
    // Shares a LAN device reported accepted in a slot (the device's counter's increase): its own
    // pool pays for them, so they are shown per device, not booked as money.
    id: 'ledger/2',
    sql: `CREATE TABLE device_share (
      start INTEGER NOT NULL,
      device_id TEXT NOT NULL,
      accepted INTEGER NOT NULL,
      PRIMARY KEY (start, device_id)
    );`,
  },
];

export type EnergySource = 'measured' | 'estimated';

/** What one device did for one job in one slot. `cost` is computed from energy × price. */
export type SlotInput = {
  start: number;
  end: number;
  deviceId: string;
  /** '' when no job ran (mining counts as the job "mining"). */
  jobId: string;
  energy: MilliWh;
  energySource: EnergySource;
  heat: MilliWh;
  /** The part of `heat` the home needed. */
  heatMet: MilliWh;
  currency: string;
  /** Price per kWh in that slot (nano-units). */
  price: Nanos;
  heatCredit: Nanos;
  revenueExpected: Nanos;
  revenueCredited: Nanos;
  /** Work units done (samples, tokens, steps). */
  trainingWork: number;
  trainingValue: Nanos;
};

export type SlotRecord = SlotInput & { cost: Nanos };

function check(s: SlotInput): void {
  if (!(s.end > s.start)) throw new RangeError(`slot end ${s.end} is not after its start ${s.start}`);
  for (const [k, v] of Object.entries(s)) if (typeof v === 'number') assertSafe(v, k);
  if (s.heatMet > s.heat)
    throw new RangeError(`heat that met demand (${s.heatMet} mWh) exceeds heat delivered (${s.heat} mWh)`);
  if (!/^[A-Z]{3}$/.test(s.currency)) throw new RangeError(`"${s.currency}" is not a currency code`);
}

export function slotRecord(s: SlotInput): SlotRecord {
  check(s);
  return { ...s, cost: energyCost(s.energy, s.price) };
}

export type Accounting = ReturnType<typeof createAccounting>;

export function createAccounting(db: Db) {
  // A slot booked twice (a restart inside it) adds up; the cost is recomputed from the summed energy.
  const upsert =
    db.prepare(`INSERT INTO ledger_slot (start, end, device_id, job_id, energy_mwh, energy_source, heat_mwh,
      heat_met_mwh, currency, price_nanos, cost_nanos, heat_credit_nanos, revenue_expected_nanos, revenue_credited_nanos,
      training_work, training_value_nanos)
    VALUES (@start, @end, @deviceId, @jobId, @energy, @energySource, @heat, @heatMet, @currency, @price, @cost,
      @heatCredit, @revenueExpected, @revenueCredited, @trainingWork, @trainingValue)
    ON CONFLICT (start, device_id, job_id) DO UPDATE SET
      energy_mwh = energy_mwh + excluded.energy_mwh,
      energy_source = CASE WHEN energy_source = 'estimated' OR excluded.energy_source = 'estimated' THEN 'estimated' ELSE 'measured' END,
      heat_mwh = heat_mwh + excluded.heat_mwh,
      heat_met_mwh = heat_met_mwh + excluded.heat_met_mwh,
      cost_nanos = cost_nanos + excluded.cost_nanos,
      heat_credit_nanos = heat_credit_nanos + excluded.heat_credit_nanos,
      revenue_expected_nanos = revenue_expected_nanos + excluded.revenue_expected_nanos,
      revenue_credited_nanos = revenue_credited_nanos + excluded.revenue_credited_nanos,
      training_work = training_work + excluded.training_work,
      training_value_nanos = training_value_nanos + excluded.training_value_nanos`);
  const replace =
    db.prepare(`INSERT OR REPLACE INTO ledger_slot (start, end, device_id, job_id, energy_mwh, energy_source,
      heat_mwh, heat_met_mwh, currency, price_nanos, cost_nanos, heat_credit_nanos, revenue_expected_nanos,
      revenue_credited_nanos, training_work, training_value_nanos)
    VALUES (@start, @end, @deviceId, @jobId, @energy, @energySource, @heat, @heatMet, @currency, @price, @cost,
      @heatCredit, @revenueExpected, @revenueCredited, @trainingWork, @trainingValue)`);
  const select = db.prepare(
    `SELECT * FROM ledger_slot WHERE start >= ? AND start < ? ORDER BY start, device_id, job_id`,
  );

  return {
    /** Books one slot (adds to an existing row for the same slot, device and job). */
    book(s: SlotInput): SlotRecord {
      const r = slotRecord(s);
      upsert.run(r);
      return r;
    },
    /** Stores many records as given (CSV import): all or none. */
    replaceAll(records: SlotRecord[]): number {
      for (const r of records) {
        check(r);
        assertSafe(r.cost, 'cost');
      }
      inTransaction(db, () => {
        for (const r of records) replace.run(r);
      });
      return records.length;
    },
    slots(from: number, to: number): SlotRecord[] {
      return (select.all(from, to) as Record<string, unknown>[]).map(rowToRecord);
    },
  };
}

function rowToRecord(r: Record<string, unknown>): SlotRecord {
  return {
    start: Number(r['start']),
    end: Number(r['end']),
    deviceId: String(r['device_id']),
    jobId: String(r['job_id']),
    energy: Number(r['energy_mwh']),
    energySource: r['energy_source'] === 'measured' ? 'measured' : 'estimated',
    heat: Number(r['heat_mwh']),
    heatMet: Number(r['heat_met_mwh']),
    currency: String(r['currency']),
    price: Number(r['price_nanos']),
    cost: Number(r['cost_nanos']),
    heatCredit: Number(r['heat_credit_nanos']),
    revenueExpected: Number(r['revenue_expected_nanos']),
    revenueCredited: Number(r['revenue_credited_nanos']),
    trainingWork: Number(r['training_work']),
    trainingValue: Number(r['training_value_nanos']),
  };
}

/** Fixed charges on the bill, so totals match it: a standing charge per day and a fee per month. */
export type FixedCharges = { currency: string; standingPerDay: Nanos; monthlyFee: Nanos };

/** Totals for a span (a day, a device, a job). Energy in mWh, money in nano-units. */
export type Totals = {
  energy: MilliWh;
  estimatedEnergy: MilliWh;
  heat: MilliWh;
  heatMet: MilliWh;
  cost: Nanos;
  heatCredit: Nanos;
  revenueExpected: Nanos;
  revenueCredited: Nanos;
  trainingWork: number;
  trainingValue: Nanos;
  /** Fixed charges booked on this span (standing charge each day; monthly fee on the 1st). */
  standing: Nanos;
  monthlyFee: Nanos;
  /** revenueExpected + heatCredit + trainingValue − cost − standing − monthlyFee. */
  net: Nanos;
  slots: number;
};

export type DayTotals = Totals & { day: string; start: number; end: number; hours: number };

export function emptyTotals(): Totals {
  return {
    energy: 0,
    estimatedEnergy: 0,
    heat: 0,
    heatMet: 0,
    cost: 0,
    heatCredit: 0,
    revenueExpected: 0,
    revenueCredited: 0,
    trainingWork: 0,
    trainingValue: 0,
    standing: 0,
    monthlyFee: 0,
    net: 0,
    slots: 0,
  };
}

function finish<T extends Totals>(t: T): T {
  t.net = assertSafe(t.revenueExpected + t.heatCredit + t.trainingValue - t.cost - t.standing - t.monthlyFee, 'net');
  return t;
}

type Sums = {
  start: number;
  energy: number;
  est: number;
  heat: number;
  met: number;
  cost: number;
  credit: number;
  rexp: number;
  rcred: number;
  work: number;
  tval: number;
  n: number;
};

const SUMS = `SUM(energy_mwh) AS energy, SUM(CASE WHEN energy_source = 'estimated' THEN energy_mwh ELSE 0 END) AS est,
  SUM(heat_mwh) AS heat, SUM(heat_met_mwh) AS met, SUM(cost_nanos) AS cost, SUM(heat_credit_nanos) AS credit,
  SUM(revenue_expected_nanos) AS rexp, SUM(revenue_credited_nanos) AS rcred, SUM(training_work) AS work,
  SUM(training_value_nanos) AS tval, COUNT(*) AS n`;

function add(t: Totals, s: Sums): void {
  t.energy += Number(s.energy);
  t.estimatedEnergy += Number(s.est);
  t.heat += Number(s.heat);
  t.heatMet += Number(s.met);
  t.cost += Number(s.cost);
  t.heatCredit += Number(s.credit);
  t.revenueExpected += Number(s.rexp);
  t.revenueCredited += Number(s.rcred);
  t.trainingWork += Number(s.work);
  t.trainingValue += Number(s.tval);
  t.slots += Number(s.n);
}

/**
 * Per-day totals for local days [from, to] in `timeZone`, in `currency`. SQLite sums each slot
 * start (integers, exact); the slots are then assigned to local days by their start, so a 23- or
 * 25-hour day holds exactly the slots that began on it.
 */
export function rollupDays(
  db: Db,
  q: { from: string; to: string; timeZone: string; currency: string; charges?: FixedCharges; device?: string },
): DayTotals[] {
  const days = dayRange(q.from, q.to, q.timeZone);
  if (days.length === 0) return [];
  const first = days[0]!.start;
  const last = days[days.length - 1]!.end;
  // Slots are summed in the coarsest buckets every day boundary falls on (hours in most zones, 30
  // or 15 minutes in zones with such offsets): a slot belongs to a day by its start, and flooring
  // a start to a bucket never moves it across a boundary that is a multiple of the bucket.
  const bucket =
    [3_600_000, 1_800_000, 900_000, 60_000, 1000].find(
      (b) => days.every((d) => d.start % b === 0) && days[days.length - 1]!.end % b === 0,
    ) ?? 1;
  const rows = db
    .prepare(
      `SELECT (start / ${bucket}) * ${bucket} AS start, ${SUMS} FROM ledger_slot WHERE start >= ? AND start < ? AND currency = ?${q.device === undefined ? '' : ' AND device_id = ?'} GROUP BY start / ${bucket} ORDER BY 1`,
    )
    .all(first, last, q.currency, ...(q.device === undefined ? [] : [q.device])) as Sums[];
  const out: DayTotals[] = days.map((d) => ({
    ...emptyTotals(),
    day: d.day,
    start: d.start,
    end: d.end,
    hours: (d.end - d.start) / 3_600_000,
  }));
  let i = 0;
  for (const r of rows) {
    const start = Number(r.start);
    while (i < out.length - 1 && start >= out[i]!.end) i++;
    add(out[i]!, r);
  }
  const ch = q.charges && q.charges.currency === q.currency ? q.charges : null;
  for (const d of out) {
    if (ch) {
      d.standing = ch.standingPerDay;
      if (d.day.endsWith('-01')) d.monthlyFee = ch.monthlyFee;
    }
    finish(d);
  }
  return out;
}

/** Totals per device (or per job) over [from, to) in `currency`, largest energy first. */
export function rollupBy(
  db: Db,
  key: 'device' | 'job',
  q: { from: number; to: number; currency: string },
): (Totals & { id: string })[] {
  const col = key === 'device' ? 'device_id' : 'job_id';
  const rows = db
    .prepare(
      `SELECT ${col} AS id, 0 AS start, ${SUMS} FROM ledger_slot WHERE start >= ? AND start < ? AND currency = ? GROUP BY ${col} ORDER BY energy DESC, id`,
    )
    .all(q.from, q.to, q.currency) as (Sums & { id: string })[];
  return rows.map((r) => {
    const t = { ...emptyTotals(), id: String(r.id) };
    add(t, r);
    return finish(t);
  });
}

/**
 * Totals of the slots that start in each of `spans` (each [start, end)), without fixed charges:
 * the hours of a day, or the part of a period that has run. One indexed query per span.
 */
export function rollupSpans(db: Db, spans: { start: number; end: number }[], currency: string): Totals[] {
  const q = db.prepare(`SELECT 0 AS start, ${SUMS} FROM ledger_slot WHERE start >= ? AND start < ? AND currency = ?`);
  return spans.map((s) => {
    const t = emptyTotals();
    const r = q.get(s.start, s.end, currency) as Sums | undefined;
    if (r && Number(r.n) > 0) add(t, r);
    return finish(t);
  });
}

/** Sum of day totals (the table's last row). */
export function sumTotals(list: Totals[]): Totals {
  const t = emptyTotals();
  for (const d of list) {
    for (const k of Object.keys(t) as (keyof Totals)[]) t[k] += d[k];
  }
  return finish(t);
}
