import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TariffSettings } from '#contract/index';
import { systemClock, type Clock } from '#core/clock';
import { dispatch } from '#core/handler';
import { TARIFF_DIR } from '../../../test/fixtures/data.ts';
import { testCores } from '../../../test/support/core.ts';
import { serverForTests, type Reply } from '../../../test/support/http-server.ts';
import { refused } from '../../../test/support/refused.ts';
import { tariffModule } from './module.ts';
import { localToUtc } from '#core/time';

const fixture = (name: string) => fs.readFileSync(path.join(TARIFF_DIR, name), 'utf8');
// Inside the day the aWATTar fixture covers (the 23-hour spring-forward day in Berlin).
const now = localToUtc(2023, 3, 26, 10, 0, 'Europe/Berlin');
const clock: Clock = { ...systemClock, now: () => now };
let reply: Reply = { body: '' };
const server = serverForTests(() => reply);
const cores = testCores('hearth-tariff-');
const core = () =>
  cores.start({
    clock,
    modules: [tariffModule({ io: { fetch: globalThis.fetch, baseUrl: server.origin }, cron: false })],
  });

const none = { perKWh: 0, tax: 0 };
const tou: TariffSettings = {
  tariff: {
    kind: 'time-of-use',
    currency: 'EUR',
    defaultPrice: 0.32,
    zones: [{ from: '22:00', to: '06:00', price: 0.22 }],
  },
  charges: none,
  timeZone: 'Europe/Berlin',
};

describe('tariff settings: validated before they are stored', () => {
  it('refuses bad provider settings naming the field, and keeps the saved tariff', async () => {
    const c = await core();
    await c.handlers['tariff-configure'](tou);
    const cases: [unknown, string][] = [
      [
        { ...tou, tariff: { kind: 'fixed', price: 250, currency: 'EUR' } },
        'tariff.price: the price must be at most 100 per kWh: is it per MWh? divide by 1,000',
      ],
      [
        { ...tou, tariff: { kind: 'fixed', price: 0.3, currency: 'eur' } },
        'tariff.currency: enter a 3-letter currency code such as EUR',
      ],
      [
        { ...tou, tariff: { ...tou.tariff, zones: [{ from: '25:00', to: '06:00', price: 0.2 }] } },
        'tariff.zones.0.from: enter a time as HH:MM (00:00–23:59)',
      ],
      [
        { ...tou, tariff: { ...tou.tariff, zones: [{ days: [0], from: '22:00', to: '06:00', price: 0.2 }] } },
        'tariff.zones.0.days.0: the days are 1 (Monday) … 7 (Sunday)',
      ],
      [
        { ...tou, tariff: { kind: 'octopus-agile', product: 'AGILE-24-10-01', region: 'Z' } },
        'tariff.region: enter a region letter A–P (the last letter of the tariff code)',
      ],
      [
        { ...tou, tariff: { kind: 'entsoe', zone: 'BE', token: 'abc' } },
        'tariff.zone: enter an EIC bidding-zone code such as 10YBE----------2',
      ],
      [
        { ...tou, tariff: { kind: 'entsoe', zone: '10YBE----------2', token: 'abc\n' } },
        'tariff.token: the ENTSO-E security token contains a space or line break: paste it again without them',
      ],
      [{ ...tou, tariff: { kind: 'tibber', token: '' } }, 'tariff.token: the Tibber API token is required'],
      [
        { ...tou, tariff: { kind: 'tibber', token: 'abc', homeId: 'my house' } },
        'tariff.homeId: enter the home id as Tibber shows it, such as 96a14971-525a-4420-aae9-e5aedaa129ff, or leave it empty',
      ],
      [{ ...tou, charges: { perKWh: 0.1, tax: 19 } }, 'charges.tax: the tax must be between 0 and 100 %'],
      [{ ...tou, timeZone: 'Europe/Bruxelles' }, 'timeZone: enter an IANA time zone such as Europe/Brussels'],
    ];
    for (const [args, message] of cases) {
      expect(await dispatch(c.handlers, 'tariff-configure', args)).toEqual(refused(message));
      expect(await dispatch(c.handlers, 'tariff-test', args)).toEqual(refused(message));
    }
    expect(await c.handlers['tariff-settings']({})).toEqual(tou);
    await c.close();
  });

  it('Test asks the provider once and shows the prices or its reason, storing nothing', async () => {
    const c = await core();
    await c.handlers['tariff-configure'](tou);

    reply = { body: fixture('awattar-de-2023-03-26.json') };
    const charges = { perKWh: 0.1, tax: 0.19 };
    const ok = await c.handlers['tariff-test']({
      tariff: { kind: 'awattar', country: 'de' },
      charges,
      timeZone: 'Europe/Berlin',
    });
    const raw = (JSON.parse(fixture('awattar-de-2023-03-26.json')) as { data: { marketprice: number }[] }).data.map(
      (r) => (r.marketprice / 1000 + 0.1) * 1.19,
    );
    expect(ok).toMatchObject({
      ok: true,
      slots: 23,
      from: localToUtc(2023, 3, 26, 0, 0, 'Europe/Berlin'),
      currency: 'EUR',
    });
    expect(ok.min).toBeCloseTo(Math.min(...raw), 12);
    expect(ok.max).toBeCloseTo(Math.max(...raw), 12);
    expect(ok.message).toMatch(
      /^aWATTar: 23 slots until 2023-03-2\dT\d\d:00:00\.000Z, paying -?\d\.\d{5} … \d\.\d{5} EUR\/kWh$/,
    );

    reply = { body: 'Unauthorized', status: 401, type: 'text/plain' };
    expect(
      await c.handlers['tariff-test']({
        tariff: { kind: 'tibber', token: 'expired' },
        charges: none,
        timeZone: 'Europe/Stockholm',
      }),
    ).toEqual({
      ok: false,
      message: 'Tibber rejected the token (HTTP 401): check the token in the tariff settings',
      slots: 0,
      from: null,
      to: null,
      min: null,
      max: null,
      currency: null,
    });
    expect(
      (
        await c.handlers['tariff-test']({
          tariff: { kind: 'csv', currency: 'EUR' },
          charges: none,
          timeZone: 'Europe/Berlin',
        })
      ).message,
    ).toBe('No prices imported for today or tomorrow: import a CSV first');
    const static48 = await c.handlers['tariff-test'](tou);
    expect(static48).toMatchObject({ ok: true, slots: 47, min: 0.22, max: 0.32 });

    // Nothing was saved or cached by testing: the tariff is the one configured, aWATTar's series is empty.
    expect(await c.handlers['tariff-settings']({})).toEqual(tou);
    expect(
      (c.db.prepare("SELECT COUNT(*) AS n FROM price_slot WHERE source LIKE 'awattar%'").get() as { n: number }).n,
    ).toBe(0);
    await c.close();
  });
});
