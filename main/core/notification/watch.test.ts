import { describe, expect, it } from 'vitest';
import type { Job, NotificationSettings, Telemetry } from '#contract/index';
import { ShareHealth } from '#core/mining/health';
import { Watch } from './watch.ts';

const settings: NotificationSettings = {
  maxTemperatureC: 90,
  poolUnreachableMin: 5,
  pricesExpectedBy: '14:00',
  dailySummary: false,
};

const tele = (c: number | null): Telemetry => ({
  at: '',
  cpuLoadPerCorePct: [],
  cpuLoadPct: 0,
  devices: [{ deviceId: 'cpu', label: 'CPU', loadPct: 100, temperatureC: c, powerW: 50, powerSource: 'estimate' }],
  totalPowerW: 50,
  estimated: true,
  heatW: 50,
  today: { energyKWh: 0, heatKWh: 0, peakPowerW: 0 },
});

const job = (state: Job['state'], error: string | null = null) =>
  ({
    id: 1,
    name: 'tiny',
    state,
    error,
    progress: { done: 500, total: 500, unit: 'steps', loss: null, samplesPerSec: null, etaSec: null },
  }) as Job;

describe('notification rules', () => {
  it('tells once per job outcome', () => {
    const w = new Watch(() => settings);
    expect(w.job(job('running'))).toBeNull();
    expect(w.job(job('finished'))).toMatchObject({
      kind: 'job-finished',
      title: 'Job "tiny" finished',
      body: '500 steps done.',
    });
    expect(w.job(job('finished'))).toBeNull();
    expect(w.job(job('failed', 'exit code 3'))).toMatchObject({
      kind: 'job-failed',
      level: 'error',
      body: 'exit code 3',
    });
  });

  it('warns when a device runs hot, again only after it cooled 5 K below the limit', () => {
    const w = new Watch(() => settings);
    expect(w.telemetry(tele(85))).toEqual([]);
    expect(w.telemetry(tele(93))).toHaveLength(1);
    expect(w.telemetry(tele(95))).toEqual([]);
    expect(w.telemetry(tele(88))).toEqual([]);
    expect(w.telemetry(tele(91))).toEqual([]);
    expect(w.telemetry(tele(84))).toEqual([]);
    expect(w.telemetry(tele(92))[0]).toMatchObject({ kind: 'over-temperature', title: 'CPU is at 92 °C' });
    expect(w.telemetry(tele(null))).toEqual([]);
  });

  it('tells when the pool was unreachable for 5 minutes while mining, once per outage', () => {
    const w = new Watch(() => settings);
    expect(w.pool(0, true, false, 'stratum+tcp://pool:3333')).toBeNull();
    expect(w.pool(4 * 60_000, true, false, 'stratum+tcp://pool:3333')).toBeNull();
    expect(w.pool(5 * 60_000, true, false, 'stratum+tcp://pool:3333')).toMatchObject({
      kind: 'pool-unreachable',
      body: expect.stringContaining('stratum+tcp://pool:3333'),
    });
    expect(w.pool(6 * 60_000, true, false, null)).toBeNull();
    expect(w.pool(7 * 60_000, true, true, null)).toBeNull();
    expect(w.pool(8 * 60_000, true, false, null)).toBeNull();
    // Not mining: an unreachable pool does not matter.
    expect(w.pool(20 * 60_000, false, false, null)).toBeNull();
  });

  it("tells once a day when tomorrow's prices are missing after their usual time", () => {
    const w = new Watch(() => settings);
    const tomorrowEnd = Date.parse('2024-03-03T00:00:00Z');
    expect(w.prices('2024-03-01', '13:59', tomorrowEnd, Date.parse('2024-03-02T00:00:00Z'), true)).toBeNull();
    expect(w.prices('2024-03-01', '14:05', tomorrowEnd, tomorrowEnd, true)).toBeNull();
    expect(w.prices('2024-03-01', '14:05', tomorrowEnd, null, false)).toBeNull();
    expect(w.prices('2024-03-01', '14:05', tomorrowEnd, Date.parse('2024-03-02T00:00:00Z'), true)).toMatchObject({
      kind: 'prices-missing',
    });
    expect(w.prices('2024-03-01', '15:05', tomorrowEnd, Date.parse('2024-03-02T00:00:00Z'), true)).toBeNull();
  });

  it('thirty minutes of rejected shares: one notification that names the pool, the reason and what to check', () => {
    const w = new Watch(() => settings);
    const h = new ShareHealth();
    const told: { at: number; n: NonNullable<ReturnType<Watch['poolHealth']>> }[] = [];
    // A share every 10 s, all "Above target"; the notification module looks once a minute.
    for (let t = 0; t <= 30 * 60_000; t += 10_000) {
      h.work(t, 1000 * 2 ** 32, 1000);
      h.answer(t, false, 'Above target');
      if (t % 60_000 === 0) {
        const n = w.poolHealth(true, h.state(t), 'stratum+tcp://solo.example:3333');
        if (n) told.push({ at: t, n });
      }
    }
    expect(told).toHaveLength(1);
    expect(told[0]!.at).toBeLessThanOrEqual(5 * 60_000);
    expect(told[0]!.n).toMatchObject({
      kind: 'pool-rejecting',
      level: 'warning',
      title: 'stratum+tcp://solo.example:3333 is not paying for this work',
    });
    expect(told[0]!.n.body).toMatch(
      /no revenue is counted and the planner gives mining no value.*"Above target".*hearth mine --check/,
    );
    // One accepted share does not end the spell (the rejections are still in the window): no second notice.
    h.answer(31 * 60_000, true, null);
    expect(w.poolHealth(true, h.state(31 * 60_000), null)).toBeNull();
    // Six minutes of accepted shares: healthy; a new spell later is told again.
    for (let t = 31 * 60_000; t <= 37 * 60_000; t += 10_000) h.answer(t, true, null);
    expect(h.state(37 * 60_000).state).toBe('ok');
    expect(w.poolHealth(true, h.state(37 * 60_000), null)).toBeNull();
    for (let t = 38 * 60_000; t < 39 * 60_000; t += 5_000) h.answer(t, false, 'Stale');
    expect(w.poolHealth(true, h.state(39 * 60_000), null)?.body).toMatch(/"Stale"/);
  });
});
