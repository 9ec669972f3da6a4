import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TARIFF_DIR } from '../../../../test/fixtures/data.ts';
import { serverForTests, startServer, type Reply } from '../../../../test/support/http-server.ts';
import { rejectionOf } from '../../../../test/support/rejection.ts';
import { localDay } from '#core/time';
import { awattarAdapter } from './awattar.ts';
import { energiDataServiceAdapter } from './energi-data-service.ts';
import { entsoeAdapter } from './entsoe.ts';
import { octopusAgileAdapter } from './octopus-agile.ts';
import { tibberAdapter } from './tibber.ts';
import { ProviderError, type DynamicAdapter, type ProviderIo, type SpotSlot } from './types.ts';

const fixture = (name: string) => fs.readFileSync(path.join(TARIFF_DIR, name), 'utf8');
const DAY = 86_400_000;

let reply: Reply = { body: '' };
const server = serverForTests(() => reply);
let io: ProviderIo;
beforeAll(() => {
  io = { fetch: globalThis.fetch, baseUrl: server.origin };
});

function day(tz: string, isoDate: string) {
  return localDay(Date.parse(`${isoDate}T12:00:00Z`), tz);
}

/** Contiguous, in order, all of one length. */
function expectTiled(slots: SpotSlot[], minutes: number) {
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i]!;
    expect(s.end - s.start).toBe(minutes * 60_000);
    if (i > 0) expect(s.start).toBe(slots[i - 1]!.end);
  }
}

const failure = (p: Promise<unknown>) => rejectionOf(p, ProviderError);

/** Answers with the fixture `file` and fetches, through `adapter`, the day in `zone` it is named for. */
async function fetchDay<C>(adapter: DynamicAdapter<C>, config: C, file: string, zone: string) {
  reply = { body: fixture(file), type: file.endsWith('.xml') ? 'application/xml' : 'application/json' };
  const d = day(zone, /\d{4}-\d\d-\d\d/.exec(file)![0]);
  return { d, slots: await adapter.fetch(config, d.start, d.end, io) };
}

describe('aWATTar', () => {
  it('parses a spring clock-change day (23 hourly slots) from EUR/MWh to EUR/kWh', async () => {
    const { d, slots } = await fetchDay(
      awattarAdapter,
      { kind: 'awattar', country: 'de' },
      'awattar-de-2023-03-26.json',
      'Europe/Berlin',
    );
    expect(server.requests.at(-1)?.url).toBe(`/v1/marketdata?start=${d.start}&end=${d.end}`);
    expect(slots).toHaveLength(23);
    expectTiled(slots, 60);
    const raw = JSON.parse(fixture('awattar-de-2023-03-26.json')) as { data: { marketprice: number }[] };
    expect(slots[0]).toEqual({
      start: d.start,
      end: d.start + 3_600_000,
      spot: raw.data[0]!.marketprice / 1000,
      currency: 'EUR',
    });
    expect(slots.at(-1)!.end).toBe(d.end);
  });

  it('says what is wrong with a malformed or failing answer', async () => {
    reply = { body: '{"object":"list"}' };
    expect((await failure(awattarAdapter.fetch({ kind: 'awattar', country: 'de' }, 0, DAY, io))).message).toBe(
      'aWATTar sent no "data" list',
    );
    reply = { body: '<html>Bad gateway</html>', status: 502, type: 'text/html' };
    expect((await failure(awattarAdapter.fetch({ kind: 'awattar', country: 'de' }, 0, DAY, io))).message).toBe(
      'aWATTar answered HTTP 502: <html>Bad gateway</html>',
    );
    reply = { body: '' };
    expect((await failure(awattarAdapter.fetch({ kind: 'awattar', country: 'de' }, 0, DAY, io))).message).toContain(
      'empty response',
    );
    reply = {
      body: '{"object":"list","data":[{"start_timestamp":0,"end_timestamp":3600000,"marketprice":"n/a","unit":"Eur/MWh"}]}',
    };
    expect((await failure(awattarAdapter.fetch({ kind: 'awattar', country: 'de' }, 0, DAY, io))).message).toContain(
      'malformed marketprice at data[0]',
    );
  });

  it('reports an unreachable provider', async () => {
    const closed = await startServer(() => ({ body: '' }));
    await closed.close();
    const err = await failure(
      awattarAdapter.fetch({ kind: 'awattar', country: 'de' }, 0, DAY, {
        fetch: globalThis.fetch,
        baseUrl: closed.origin,
      }),
    );
    expect(err.message).toMatch(/^Cannot reach aWATTar \(ECONNREFUSED\)/);
  });
});

describe('Energi Data Service', () => {
  it('parses a quarter-hourly autumn clock-change day: 100 slots in DKK or EUR', async () => {
    const { d, slots: dkk } = await fetchDay(
      energiDataServiceAdapter,
      { kind: 'energi-data-service', area: 'DK1', currency: 'DKK' },
      'energi-data-service-dk1-2025-10-26.json',
      'Europe/Copenhagen',
    );
    const url = new URL(server.requests.at(-1)!.url, server.origin);
    expect(url.pathname).toBe('/dataset/DayAheadPrices');
    expect(url.searchParams.get('filter')).toBe('{"PriceArea":["DK1"]}');
    expect(dkk).toHaveLength(100);
    expectTiled(dkk, 15);
    expect(dkk[0]!.start).toBe(d.start);
    expect(dkk.at(-1)!.end).toBe(d.end);
    expect(dkk[0]!.currency).toBe('DKK');
    const eur = await energiDataServiceAdapter.fetch(
      { kind: 'energi-data-service', area: 'DK1', currency: 'EUR' },
      d.start,
      d.end,
      io,
    );
    expect(dkk[0]!.spot / eur[0]!.spot).toBeCloseTo(7.4603, 2);
  });

  it('ignores other price areas and refuses a body without records', async () => {
    reply = { body: fixture('energi-data-service-dk1-2025-10-26.json') };
    expect(
      await energiDataServiceAdapter.fetch({ kind: 'energi-data-service', area: 'DK2', currency: 'EUR' }, 0, DAY, io),
    ).toEqual([]);
    reply = { body: '{"error":"Dataset not found"}', status: 200 };
    expect(
      (
        await failure(
          energiDataServiceAdapter.fetch({ kind: 'energi-data-service', area: 'DK1', currency: 'EUR' }, 0, DAY, io),
        )
      ).message,
    ).toBe('Energi Data Service sent no "records" list');
  });
});

describe('Octopus Agile', () => {
  it('parses an autumn clock-change day (50 half hours, newest first) in GBP per kWh incl. VAT', async () => {
    const { d, slots } = await fetchDay(
      octopusAgileAdapter,
      { kind: 'octopus-agile', product: 'AGILE-FLEX-22-11-25', region: 'C' },
      'octopus-agile-c-2023-10-29.json',
      'Europe/London',
    );
    expect(server.requests.at(-1)!.url).toMatch(
      /^\/v1\/products\/AGILE-FLEX-22-11-25\/electricity-tariffs\/E-1R-AGILE-FLEX-22-11-25-C\/standard-unit-rates\/\?period_from=/,
    );
    expect(slots).toHaveLength(50);
    const sorted = [...slots].sort((a, b) => a.start - b.start);
    expectTiled(sorted, 30);
    expect(sorted[0]!.start).toBe(d.start);
    const raw = JSON.parse(fixture('octopus-agile-c-2023-10-29.json')) as { results: { value_inc_vat: number }[] };
    expect(slots[0]!.spot).toBeCloseTo(raw.results[0]!.value_inc_vat / 100, 12);
    expect(slots[0]!.currency).toBe('GBP');
  });

  it('names an unknown product', async () => {
    reply = { body: '{"detail":"No EnergyProduct matches the given query."}', status: 404 };
    const err = await failure(
      octopusAgileAdapter.fetch({ kind: 'octopus-agile', product: 'AGILE-NOPE', region: 'C' }, 0, DAY, io),
    );
    expect(err.message).toBe(
      'Octopus Energy answered HTTP 404: {"detail":"No EnergyProduct matches the given query."}',
    );
  });
});

describe('ENTSO-E', () => {
  const config = { kind: 'entsoe' as const, zone: '10YBE----------2', token: 'secret-token' };

  it('parses a spring clock-change day and fills a left-out A03 position with the previous price', async () => {
    const { slots } = await fetchDay(entsoeAdapter, config, 'entsoe-be-2023-03-26.xml', 'Europe/Brussels');
    const url = new URL(server.requests.at(-1)!.url, server.origin);
    expect(url.searchParams.get('securityToken')).toBe('secret-token');
    expect(url.searchParams.get('documentType')).toBe('A44');
    expect(url.searchParams.get('in_Domain')).toBe('10YBE----------2');
    expect(url.searchParams.get('periodStart')).toBe('202303252300');
    expect(slots).toHaveLength(23);
    expectTiled(slots, 60);
    expect(slots[4]!.spot).toBe(slots[3]!.spot);
    expect(slots[3]!.spot).toBeCloseTo(0.06228, 10);
  });

  it('turns "no data", a rejected token and a non-document into clear errors', async () => {
    reply = { body: fixture('entsoe-no-data.xml'), type: 'application/xml' };
    expect((await failure(entsoeAdapter.fetch(config, 0, DAY, io))).message).toMatch(
      /^ENTSO-E has no prices for this zone and time yet \(No matching data found/,
    );
    reply = { body: '<html><body>Unauthorized</body></html>', status: 401, type: 'text/html' };
    const auth = await failure(entsoeAdapter.fetch(config, 0, DAY, io));
    expect(auth.auth).toBe(true);
    expect(auth.message).toBe('ENTSO-E rejected the token (HTTP 401): check the token in the tariff settings');
    reply = { body: '<html>maintenance</html>', type: 'text/html' };
    expect((await failure(entsoeAdapter.fetch(config, 0, DAY, io))).message).toContain('not a price document');
  });
});

describe('Tibber', () => {
  it('posts the GraphQL query with the token and parses an autumn clock-change day (25 hours, SEK)', async () => {
    const { d, slots } = await fetchDay(
      tibberAdapter,
      { kind: 'tibber', token: 'tok-123' },
      'tibber-2023-10-29.json',
      'Europe/Stockholm',
    );
    const req = server.requests.at(-1)!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v1-beta/gql');
    expect(req.headers.authorization).toBe('Bearer tok-123');
    expect((JSON.parse(req.body) as { query: string }).query).toContain('priceInfo');
    expect(slots).toHaveLength(25);
    expectTiled(slots, 60);
    expect(slots[0]!.start).toBe(d.start);
    expect(slots[0]!.currency).toBe('SEK');
  });

  it('reports a rejected token and a home without a subscription', async () => {
    reply = { body: '{"errors":[{"message":"invalid token","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}' };
    const err = await failure(tibberAdapter.fetch({ kind: 'tibber', token: 'bad' }, 0, DAY, io));
    expect(err.auth).toBe(true);
    expect(err.message).toContain('Tibber rejected the token (invalid token)');
    reply = { body: '{"data":{"viewer":{"homes":[{"id":"h1","currentSubscription":null}]}}}' };
    expect((await failure(tibberAdapter.fetch({ kind: 'tibber', token: 't' }, 0, DAY, io))).message).toBe(
      'Tibber: this home has no active subscription with prices',
    );
  });
});

describe('a quarter-hourly day from each provider that sends one: 96 slots of 15 minutes', () => {
  it.each<[string, () => Promise<{ slots: SpotSlot[] }>]>([
    [
      'aWATTar',
      () =>
        fetchDay(
          awattarAdapter,
          { kind: 'awattar', country: 'at' },
          'awattar-at-2025-10-01-15min.json',
          'Europe/Vienna',
        ),
    ],
    [
      'ENTSO-E',
      () =>
        fetchDay(
          entsoeAdapter,
          { kind: 'entsoe', zone: '10YBE----------2', token: 't' },
          'entsoe-be-2025-10-01-15min.xml',
          'Europe/Brussels',
        ),
    ],
    [
      'Tibber',
      () => fetchDay(tibberAdapter, { kind: 'tibber', token: 't' }, 'tibber-2025-10-02-15min.json', 'Europe/Berlin'),
    ],
  ])('%s', async (_, fetch) => {
    const { slots } = await fetch();
    expect(slots).toHaveLength(96);
    expectTiled(slots, 15);
  });
});
