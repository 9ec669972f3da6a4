import path from 'node:path';
import Database from 'libsql';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { argSchemas, type Telemetry } from '#contract/index';
import { SLOT_COLUMNS } from '#core/ledger/csv';
import {
  generate,
  malformedBody,
  mutate,
  seededRng,
  type JsonSchema,
  type Rng,
  type Samplers,
} from '../support/fuzz.ts';
import { apiCall, type RunningServer } from './harness.ts';
import { perTest } from './per-test.ts';

/**
 * A seeded fuzz of every method of the contract through a real `hearth serve`: arguments the
 * schema accepts, the same with one thing changed, junk, and bodies that are not JSON at all.
 * Whatever comes in, the answer is a 4xx or a 2xx with the JSON envelope, never a 5xx; the server
 * is alive afterwards and its ledger passes SQLite's integrity check. A failure names the seed,
 * the method and the change: the inputs replay exactly (the order four workers run them in may
 * differ a little, so state built up by earlier calls may too).
 */
const runs = perTest('hearth-http-fuzz-');

const SEED = 0x4ea27;
/** Calls per method from the schema (valid, mutated, junk), and with a malformed raw body. */
const CALLS_PER_METHOD = 34;
const MALFORMED_PER_METHOD = 8;
/** Requests in flight at once: enough to overlap handlers, far below the 32 per-client cap. */
const CONCURRENCY = 4;

/**
 * Methods not called, and why: each would change the machine or the run under the test rather
 * than answer.
 */
const SKIPPED: Record<string, string> = {
  // Starts a job's program or training worker: real processes and CPU for the rest of the run.
  'job-start': 'spawns the job program or a training worker',
  // Starts hash workers on every core and connects to the configured pool.
  'mining-start': 'starts mining (hash workers, a pool connection)',
  // Swaps the ledger for a backup and restarts the core: what the integrity check reads would be the backup.
  'ledger-restore': 'replaces the ledger and restarts the core',
};

/** Tariff sources that fetch prices from the internet; the fuzz never configures one. */
const REMOTE_TARIFFS = new Set([
  'awattar',
  'energi-data-service',
  'octopus-agile',
  'entsoe',
  'tibber',
  'home-assistant',
]);
/** URLs that stay on this machine (nothing listens on port 9), for pools and sensor sources. */
const LOOPBACK_URLS = [
  'http://127.0.0.1:9/',
  'mqtt://127.0.0.1:9',
  'stratum+tcp://127.0.0.1:9',
  'stratum+ssl://127.0.0.1:9',
  'http://[::1]:9/',
  'http://127.0.0.1:99999/',
  'ftp://127.0.0.1:9/',
  'not a url',
  '',
];

function isLoopbackUrl(value: string): boolean {
  try {
    const host = new URL(value).hostname;
    return host === '127.0.0.1' || host === '[::1]' || host === 'localhost';
  } catch {
    return false;
  }
}

/**
 * Keeps a call from reaching beyond this machine or running anything: every `url` points at a
 * closed loopback port, no internet tariff source is named, no job is started on creation,
 * test sources wait at most half a second, and run modes or overrides that would run something
 * name a device and job that do not exist (the real devices are switched off before the fuzz), and a
 * LAN scan only asks one loopback address.
 */
function neutralise(method: string, args: unknown, rng: Rng): unknown {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'url' && typeof x === 'string' && !isLoopbackUrl(x)) o[k] = rng.pick(LOOPBACK_URLS);
      else if (k === 'kind' && typeof x === 'string' && REMOTE_TARIFFS.has(x)) o[k] = 'fixed';
      else if (k === 'waitMs' && typeof x === 'number' && x > 500) o[k] = 500;
      // A LAN device's address: only loopback, where nothing listens on this one (refused at once).
      else if (k === 'host' && method === 'device-add' && typeof x === 'string') o[k] = '127.0.0.254';
      // A scan's range: one loopback address where nothing listens, never a generated real range.
      else if (k === 'range' && method === 'device-scan' && typeof x === 'string') o[k] = '127.0.0.254';
      else o[k] = walk(x);
    }
    return o;
  };
  const out = walk(args);
  if (out === null || typeof out !== 'object' || Array.isArray(out)) return out;
  const o = out as Record<string, unknown>;
  if (method === 'job-create' && o.start === true) o.start = false;
  if (method === 'run-mode-set' && o.mode !== 'off')
    o.target = rng.chance(0.5) ? { device: 'gpu:fuzz-absent' } : { job: 2 ** 40 };
  if (method === 'plan-override') {
    const override = o.override as Record<string, unknown> | null | undefined;
    if (override && typeof override === 'object' && override.kind === 'run') {
      override.device = 'gpu:fuzz-absent';
      override.job = 'fuzz-absent';
    }
  }
  return out;
}

/** A few values for one CSV column: mostly good, some that only a careless or hostile file has. */
const CELL: Partial<Record<(typeof SLOT_COLUMNS)[number], string[]>> = {
  start_utc: [
    '2026-01-01T00:00:00.000Z',
    '2026-01-01T00:15:00Z',
    '1970-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    'yesterday',
    '',
  ],
  end_utc: [
    '2026-01-01T00:15:00.000Z',
    '2025-12-31T23:45:00Z',
    '2026-01-01T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '',
  ],
  device: ['cpu', 'gpu:0', '', '"a,""quoted"" device"', '🔥'],
  job: ['mining', 'job:1', '', 'x'.repeat(300)],
  energy_source: ['measured', 'estimated', 'guessed'],
  currency: ['EUR', 'USD', '', 'euro'],
  training_work: ['0', '12', '-1', '1.5', '9007199254740993', 'many'],
};
const NUMBER_CELLS = [
  '0',
  '0.25',
  '-1',
  '1e308',
  '-1e308',
  'NaN',
  'Infinity',
  '0.0000000001',
  '99999999999999',
  '',
  'one',
];

/** A slots CSV as `hearth history --csv slots` writes it (columns maybe shuffled or missing), rows from CELL. */
function slotsCsv(rng: Rng): string {
  const columns = rng.chance(0.85) ? [...SLOT_COLUMNS] : SLOT_COLUMNS.filter(() => rng.chance(0.9));
  if (rng.chance(0.3)) columns.reverse();
  const rows = Array.from({ length: rng.int(0, 6) }, () =>
    columns
      .map((c) => rng.pick(rng.chance(0.8) ? (CELL[c] ?? NUMBER_CELLS).slice(0, 2) : (CELL[c] ?? NUMBER_CELLS)))
      .join(','),
  );
  return [columns.join(','), ...rows].join(rng.pick(['\n', '\r\n']));
}

/** A price file: a start column and a price column, times and prices now and then odd. */
function pricesCsv(rng: Rng): string {
  const header = rng.pick(['start,price', 'start_utc,eur_per_kwh', 'timestamp;price', 'time,price,unit', 'price']);
  const base = Date.UTC(2026, 0, 1);
  const rows = Array.from({ length: rng.int(0, 8) }, (_, i) => {
    const t = rng.chance(0.9) ? new Date(base + i * 3_600_000).toISOString() : rng.pick(['2026-13-01T00:00', '', 'x']);
    return `${t},${rng.chance(0.8) ? (rng.next() * 0.5).toFixed(4) : rng.pick(NUMBER_CELLS)}`;
  });
  return [header, ...rows].join('\n');
}

/** Property values the schemas cannot describe (see Samplers). */
const SAMPLERS: Samplers = {
  timeZone: (r) =>
    r.pick(['Europe/Brussels', 'UTC', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Mars/Olympus']),
  // At or above every setpoint the schema allows (30 °C), so a schedule's band is the right way up.
  maxC: (r) => 30 + r.int(0, 5),
  device: (r) => r.pick(['cpu', 'gpu:0', 'gpu:fuzz-absent']),
  csv: (r) => (r.chance(0.5) ? slotsCsv(r) : pricesCsv(r)),
};

type Case = { method: string; how: string; body: Buffer | string; contentType: string };
type Outcome = { status: number; text: string };

/**
 * Every call of the run in order, from the seed. Made one at a time as the workers ask (held all at
 * once they would take gigabytes); generation is synchronous, so the inputs do not depend on timing.
 */
function* cases(rng: Rng): Generator<Case> {
  for (const method of Object.keys(argSchemas).sort()) {
    if (SKIPPED[method]) continue;
    const schema = z.toJSONSchema(argSchemas[method as keyof typeof argSchemas] as z.ZodType, {
      io: 'input',
      unrepresentable: 'any',
    }) as JsonSchema;
    const json = (v: unknown) => JSON.stringify(neutralise(method, v, rng)) ?? '';
    for (let i = 0; i < CALLS_PER_METHOD; i++) {
      const valid = generate(schema, rng, SAMPLERS);
      // A third as generated (mostly accepted), the rest changed in one place.
      const m = i % 3 === 0 ? { value: valid, how: 'generated' } : mutate(valid, rng);
      const contentType = rng.pick([
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        '',
      ]);
      yield { method, how: `${m.how} [${contentType || 'no content-type'}]`, body: json(m.value), contentType };
    }
    for (let i = 0; i < MALFORMED_PER_METHOD; i++) {
      const { body, how } = malformedBody(rng, json(generate(schema, rng, SAMPLERS)));
      yield { method, how: `malformed body: ${how}`, body, contentType: 'application/json' };
    }
  }
}

async function send(s: RunningServer, c: Case): Promise<Outcome> {
  const headers: Record<string, string> = { authorization: `Bearer ${s.token}` };
  if (c.contentType) headers['content-type'] = c.contentType;
  const body = typeof c.body === 'string' ? c.body : new Uint8Array(c.body);
  const res = await fetch(`${s.origin}/api/${c.method}`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}

/** What is wrong with an answer, or null: a 5xx, or a body that is not the envelope its status implies. */
function problem(o: Outcome): string | null {
  if (o.status >= 500) return `HTTP ${o.status}`;
  let body: { ok?: unknown; error?: { message?: unknown } };
  try {
    body = JSON.parse(o.text) as typeof body;
  } catch {
    return `HTTP ${o.status} with a body that is not JSON`;
  }
  if (o.status >= 200 && o.status < 300) return body.ok === true ? null : `HTTP ${o.status} without ok:true`;
  if (body.ok !== false) return `HTTP ${o.status} without ok:false`;
  const message = body.error?.message;
  return typeof message === 'string' && message.trim().length > 0 ? null : `HTTP ${o.status} without an error message`;
}

describe('hearth serve API fuzz', () => {
  it(`answers ${CALLS_PER_METHOD + MALFORMED_PER_METHOD} odd calls per method with no 5xx and keeps its ledger whole (seed ${SEED})`, async () => {
    const s = await runs.serve(runs.folder());
    // Nothing may run on a real device while queued jobs and plans come and go under the fuzz.
    const now = await apiCall<Telemetry>(s, 'telemetry-now');
    for (const d of now.devices) await apiCall(s, 'run-mode-set', { target: { device: d.deviceId }, mode: 'off' });

    const all = cases(seededRng(SEED));
    const byStatus = new Map<number, number>();
    const problems: string[] = [];
    let calls = 0;
    const worker = async () => {
      for (let n = all.next(); !n.done; n = all.next()) {
        const c = n.value;
        calls++;
        let o: Outcome;
        try {
          o = await send(s, c);
        } catch (err) {
          o = { status: 0, text: `no answer: ${(err as Error).message}` };
        }
        byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
        // HEARTH_FUZZ_LOG=1 prints every call and its answer, to see what the fuzz reaches.
        if (process.env.HEARTH_FUZZ_LOG)
          console.log(c.method, o.status, c.how, String(c.body).slice(0, 120), o.text.slice(0, 160));
        const p = o.status === 0 ? o.text : problem(o);
        if (p) problems.push(`${c.method} (${c.how}): ${p}: ${o.text.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const summary = [...byStatus.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ');
    console.log(`fuzz seed ${SEED}: ${calls} calls; ${summary}`);
    expect(problems.slice(0, 20)).toEqual([]);
    expect([...byStatus.keys()].filter((status) => status >= 500 || status === 0)).toEqual([]);

    // Still alive and answering.
    expect(s.child.exitCode).toBeNull();
    expect(await apiCall<{ dataDir: string }>(s, 'data-folder')).toMatchObject({ dataDir: s.dataDir });
    expect(await apiCall<unknown[]>(s, 'job-list')).toBeInstanceOf(Array);

    expect(await s.stop('SIGINT')).toBe(0);
    const db = new Database(path.join(s.dataDir, 'hearth.db'), { readonly: true });
    try {
      expect(db.prepare('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      db.close();
    }
  }, 180_000);
});
