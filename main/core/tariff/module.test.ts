import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HandlerError, type Events, type TariffSettings } from '#contract/index';
import type { Core } from '#core/app';
import { systemClock, type Clock } from '#core/clock';
import { fetchDue, retryDelayMs } from './fetch-policy.ts';
import { testCores } from '../../../test/support/core.ts';
import { serverForTests, type Reply } from '../../../test/support/http-server.ts';
import { rejectionOf } from '../../../test/support/rejection.ts';
import { tariffModule } from './module.ts';
import { localDay, localToUtc } from '#core/time';
import { PRICES_DIR, TARIFF_DIR } from '../../../test/fixtures/data.ts';

const fixture = (name: string) => fs.readFileSync(path.join(TARIFF_DIR, name), 'utf8');
const DATA = PRICES_DIR;

let reply: Reply = { body: '' };
let now = 0;
const clock: Clock = { ...systemClock, now: () => now };
const server = serverForTests(() => reply);
const cores = testCores('hearth-tariff-');

async function core(dir?: string): Promise<{ core: Core; dir: string; events: { name: string; payload: unknown }[] }> {
  const dataDir = dir ?? cores.dir();
  const c = await cores.start({
    dataDir,
    clock,
    modules: [tariffModule({ io: { fetch: globalThis.fetch, baseUrl: server.origin }, cron: false })],
  });
  const events: { name: string; payload: unknown }[] = [];
  c.events.onAny((name, payload) => events.push({ name, payload }));
  return { core: c, dir: dataDir, events };
}

const rejection = (p: Promise<unknown>) => rejectionOf(p, HandlerError);

const berlin = (h: number) => localToUtc(2023, 3, 26, h, 0, 'Europe/Berlin');
const charges = { perKWh: 0.1, zones: [{ from: '17:00', to: '20:00', price: 0.2 }], tax: 0.19 };

describe('tariff module', () => {
  it('starts on a fixed price and computes time-of-use slots with a zone past midnight', async () => {
    now = Date.parse('2024-01-05T12:00:00Z'); // a Friday
    const { core: c } = await core();
    const h = c.handlers;
    expect((await h['tariff-settings']({})).tariff.kind).toBe('fixed');
    await h['tariff-configure']({
      tariff: {
        kind: 'time-of-use',
        currency: 'EUR',
        defaultPrice: 0.32,
        zones: [{ days: [1, 2, 3, 4, 5], from: '22:00', to: '06:00', price: 0.21 }],
      },
      charges: { perKWh: 0, tax: 0 },
      timeZone: 'Europe/Brussels',
    });
    const from = localToUtc(2024, 1, 5, 0, 0, 'Europe/Brussels');
    const slots = await h['tariff-slots']({ from, to: from + 3 * 86_400_000 });
    expect(slots).toHaveLength(72);
    const at = (d: number, hour: number) =>
      slots.find((s) => s.start === localToUtc(2024, 1, d, hour, 0, 'Europe/Brussels'))?.price;
    expect(at(5, 3)).toBe(0.21); // Friday early morning: Thursday's night zone
    expect(at(5, 12)).toBe(0.32);
    expect(at(5, 23)).toBe(0.21); // Friday night zone starts on Friday
    expect(at(6, 3)).toBe(0.21); // ... and runs into Saturday morning
    expect(at(6, 23)).toBe(0.32); // no zone starts on Saturday
    expect(at(7, 3)).toBe(0.32);
    await c.close();
  });

  it('fetches aWATTar on save, applies charges and tax, keeps prices through a bad fetch, and survives a restart', async () => {
    now = berlin(10);
    reply = { body: fixture('awattar-de-2023-03-26.json') };
    const { core: c, dir, events } = await core();
    const h = c.handlers;
    const st = await h['tariff-configure']({
      tariff: { kind: 'awattar', country: 'de' },
      charges,
      timeZone: 'Europe/Berlin',
    });
    expect(st.state).toBe('ok');
    expect(st.knownUntil).toBe(berlin(24));
    expect(events.some((e) => e.name === 'price-update')).toBe(true);
    const slots = await h['tariff-slots']({ from: berlin(0), to: berlin(24) });
    expect(slots).toHaveLength(23);
    const raw = JSON.parse(fixture('awattar-de-2023-03-26.json')) as {
      data: { start_timestamp: number; marketprice: number }[];
    };
    const spotAt = (t: number) => raw.data.find((r) => r.start_timestamp === t)!.marketprice / 1000;
    const s10 = slots.find((s) => s.start === berlin(10))!;
    expect(s10.spot).toBe(spotAt(berlin(10)));
    expect(s10.price).toBeCloseTo((spotAt(berlin(10)) + 0.1) * 1.19, 12);
    const s18 = slots.find((s) => s.start === berlin(18))!;
    expect(s18.price).toBeCloseTo((spotAt(berlin(18)) + 0.2) * 1.19, 12);

    // The provider breaks: a clear status, the known prices stay.
    reply = { body: '{"object":"list","data":[{"start_timestamp":1,"unit":"Eur/MWh"}]}' };
    now = berlin(14);
    const bad = await h['tariff-refresh']({});
    expect(bad.state).toBe('stale');
    expect(bad.reason).toContain('aWATTar sent a malformed end_timestamp at data[0]');
    expect(events.filter((e) => e.name === 'tariff-status').at(-1)?.payload).toMatchObject({ state: 'stale' });
    expect(await h['tariff-slots']({ from: berlin(0), to: berlin(24) })).toEqual(slots);
    reply = { body: '{"object":"list","data":[]}' };
    expect((await h['tariff-refresh']({})).reason).toMatch(/^aWATTar sent no prices for/);
    await c.close();

    const again = await core(dir);
    expect(await again.core.handlers['tariff-slots']({ from: berlin(0), to: berlin(24) })).toEqual(slots);
    expect((await again.core.handlers['tariff-settings']({})).charges).toEqual(charges);
    await again.core.close();
  });

  it('refuses a token the provider rejects and keeps the previous tariff; masks a stored token', async () => {
    now = berlin(10);
    const { core: c } = await core();
    const h = c.handlers;
    reply = { body: fixture('awattar-de-2023-03-26.json') };
    await h['tariff-configure']({ tariff: { kind: 'awattar', country: 'de' }, charges, timeZone: 'Europe/Berlin' });
    reply = { body: 'Unauthorized', status: 401, type: 'text/plain' };
    const err = await rejection(
      h['tariff-configure']({
        tariff: { kind: 'entsoe', zone: '10YBE----------2', token: 'wrong-token' },
        charges,
        timeZone: 'Europe/Berlin',
      }),
    );
    expect(err.code).toBe('bad-request');
    expect(err.message).toBe(
      'Not saved: ENTSO-E rejected the token (HTTP 401): check the token in the tariff settings',
    );
    expect((await h['tariff-settings']({})).tariff).toEqual({ kind: 'awattar', country: 'de' });
    expect(await h['tariff-slots']({ from: berlin(0), to: berlin(24) })).toHaveLength(23);

    reply = { body: fixture('entsoe-be-2023-03-26.xml'), type: 'application/xml' };
    await h['tariff-configure']({
      tariff: { kind: 'entsoe', zone: '10YBE----------2', token: 'good-token-9876' },
      charges,
      timeZone: 'Europe/Brussels',
    });
    const shown = (await h['tariff-settings']({})) as TariffSettings;
    expect(shown.tariff).toEqual({ kind: 'entsoe', zone: '10YBE----------2', token: '••••9876' });
    // Saving the masked form again keeps the real token.
    await h['tariff-configure']({ ...shown, charges: { perKWh: 0, tax: 0 } });
    expect(new URL(server.requests.at(-1)!.url, server.origin).searchParams.get('securityToken')).toBe(
      'good-token-9876',
    );
    const stored = c.db.prepare("SELECT value FROM setting WHERE key = 'tariff'").get() as { value: string };
    // Sealed with the data folder's key file (secret-key.ts): the token itself is not in the ledger.
    expect(stored.value).toMatch(/"token":"key:v1:/);
    expect(stored.value).not.toContain('good-token-9876');
    await c.close();
  });

  it('imports a shared CSV through the handler, and a bad CSV changes nothing', async () => {
    now = Date.parse('2023-06-01T12:00:00Z');
    const { core: c, events } = await core();
    const h = c.handlers;
    await h['tariff-configure']({
      tariff: { kind: 'csv', currency: 'EUR' },
      charges: { perKWh: 0, tax: 0 },
      timeZone: 'Europe/Brussels',
    });
    expect((await h['tariff-status']({})).state).toBe('error');
    const res = await h['tariff-import-csv']({
      csv: fs.readFileSync(path.join(DATA, 'be-day-ahead-2023.csv'), 'utf8'),
    });
    expect(res.slots).toBe(8760);
    expect(events.filter((e) => e.name === 'price-update').at(-1)?.payload).toMatchObject({
      slots: 8760,
    } satisfies Partial<Events['price-update']>);
    const year = { from: Date.parse('2022-12-31T23:00:00Z'), to: Date.parse('2023-12-31T23:00:00Z') };
    expect(await h['tariff-slots'](year)).toHaveLength(8760);
    const err = await rejection(
      h['tariff-import-csv']({ csv: 'start_utc,eur_per_kwh\n2023-06-01T00:00:00Z,0.5\n2023-06-01T01:00:00Z,x\n' }),
    );
    expect(err.message).toContain('line 3: price "x" is not a number');
    const june = await h['tariff-slots']({
      from: Date.parse('2023-06-01T00:00:00Z'),
      to: Date.parse('2023-06-01T01:00:00Z'),
    });
    expect(june[0]?.spot).not.toBe(0.5);
    expect((await h['tariff-status']({})).state).toBe('ok');
    await c.close();
  });
});

describe('every day-ahead provider keeps its prices through a malformed or empty answer', () => {
  const cases: {
    name: string;
    tariff: TariffSettings['tariff'];
    fixture: string;
    type: string;
    day: [number, number, number, string];
    slots: number;
    broken: string[];
  }[] = [
    {
      name: 'aWATTar',
      tariff: { kind: 'awattar', country: 'at' },
      fixture: 'awattar-at-2025-10-01-15min.json',
      type: 'application/json',
      day: [2025, 10, 1, 'Europe/Vienna'],
      slots: 96,
      broken: ['{"object":"list","data":[]}', '', '[1,2'],
    },
    {
      name: 'Energi Data Service',
      tariff: { kind: 'energi-data-service', area: 'DK1', currency: 'EUR' },
      fixture: 'energi-data-service-dk1-2025-10-26.json',
      type: 'application/json',
      day: [2025, 10, 26, 'Europe/Copenhagen'],
      slots: 100,
      broken: ['{"total":0,"records":[]}', '', '{"records":[{"TimeUTC":"x","PriceArea":"DK1","DayAheadPriceEUR":1}]}'],
    },
    {
      name: 'Octopus Energy',
      tariff: { kind: 'octopus-agile', product: 'AGILE-FLEX-22-11-25', region: 'C' },
      fixture: 'octopus-agile-c-2023-10-29.json',
      type: 'application/json',
      day: [2023, 10, 29, 'Europe/London'],
      slots: 50,
      broken: [
        '{"count":0,"next":null,"previous":null,"results":[]}',
        '',
        '{"results":[{"valid_from":"2023-10-29T00:00:00Z","valid_to":"2023-10-29T00:30:00Z","value_inc_vat":"n/a"}]}',
      ],
    },
    {
      name: 'ENTSO-E',
      tariff: { kind: 'entsoe', zone: '10YBE----------2', token: 't' },
      fixture: 'entsoe-be-2023-03-26.xml',
      type: 'application/xml',
      day: [2023, 3, 26, 'Europe/Brussels'],
      slots: 23,
      broken: [fixture('entsoe-no-data.xml'), '', '<Publication_MarketDocument></Publication_MarketDocument>'],
    },
    {
      name: 'Tibber',
      tariff: { kind: 'tibber', token: 't' },
      fixture: 'tibber-2023-10-29.json',
      type: 'application/json',
      day: [2023, 10, 29, 'Europe/Stockholm'],
      slots: 25,
      broken: [
        '{"data":{"viewer":{"homes":[{"currentSubscription":{"priceInfo":{"today":[],"tomorrow":[]}}}]}}}',
        '',
        '{"data":{"viewer":{"homes":[]}}}',
      ],
    },
  ];
  for (const k of cases) {
    it(k.name, async () => {
      const [y, m, d, tz] = k.day;
      const start = localToUtc(y, m, d, 0, 0, tz);
      const end = localDay(start, tz).end;
      now = start + 10 * 3_600_000;
      reply = { body: fixture(k.fixture), type: k.type };
      const { core: c } = await core();
      const h = c.handlers;
      await h['tariff-configure']({ tariff: k.tariff, charges: { perKWh: 0, tax: 0 }, timeZone: tz });
      const before = await h['tariff-slots']({ from: start, to: end });
      expect(before).toHaveLength(k.slots);
      for (const body of k.broken) {
        reply = { body, type: k.type };
        const st = await h['tariff-refresh']({});
        expect(st.state).toBe('stale');
        expect(st.reason).toMatch(new RegExp(`^(${k.name}|Cannot)`));
        expect(await h['tariff-slots']({ from: start, to: end })).toEqual(before);
      }
      await c.close();
    });
  }
});

describe('fetch policy', () => {
  const publishes = { hour: 14, minute: 0, timeZone: 'Europe/Berlin' };
  const tz = 'Europe/Berlin';
  const d = (h: number) => localToUtc(2024, 1, 10, h, 0, tz);
  it('fetches when today is missing, and tomorrow after publication', () => {
    expect(fetchDue(d(9), { knownUntil: null, lastAttempt: null, failures: 0 }, publishes, tz)).toBe(true);
    expect(fetchDue(d(9), { knownUntil: d(24), lastAttempt: d(8), failures: 0 }, publishes, tz)).toBe(false);
    expect(fetchDue(d(14), { knownUntil: d(24), lastAttempt: d(9), failures: 0 }, publishes, tz)).toBe(true);
    expect(fetchDue(d(15), { knownUntil: d(24) + 86_400_000, lastAttempt: d(14), failures: 0 }, publishes, tz)).toBe(
      false,
    );
  });
  it('backs off after failures', () => {
    expect(retryDelayMs(1)).toBe(5 * 60_000);
    expect(retryDelayMs(3)).toBe(20 * 60_000);
    expect(retryDelayMs(9)).toBe(60 * 60_000);
    expect(fetchDue(d(15), { knownUntil: d(24), lastAttempt: d(15) - 10 * 60_000, failures: 3 }, publishes, tz)).toBe(
      false,
    );
    expect(fetchDue(d(15), { knownUntil: d(24), lastAttempt: d(15) - 21 * 60_000, failures: 3 }, publishes, tz)).toBe(
      true,
    );
  });
});
