import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { PRICES_DIR, WEATHER_DIR } from '../../../test/fixtures/data.ts';
import { runCli, tempDir } from '../../../test/headless/harness.ts';

const file = path.join(PRICES_DIR, 'be-day-ahead-2023.csv');

describe('hearth backtest', () => {
  it('prints per-month and total figures for each policy; the planner nets the most', async () => {
    const r = await runCli(['backtest', '--prices', file, '--from', '2023-01-01', '--to', '2023-03-01', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { results: { policy: string; months: unknown[]; total: { net: number; energyKWh: number } }[] };
    expect(out.results.map((x) => x.policy.split(':')[0])).toEqual(['planner', 'always', 'thermostat', 'best threshold']);
    const [planner, ...rest] = out.results;
    // In winter months running whenever heat is needed can be exactly what the planner does too.
    for (const o of rest) expect(planner?.total.net).toBeGreaterThanOrEqual(o.total.net - 1e-9);
    expect(planner?.total.net).toBeGreaterThan(rest[0]?.total.net ?? Infinity);
    const text = await runCli(['backtest', '--prices', file, '--from', '2023-01-01', '--to', '2023-02-01', '--policy', 'planner', '--policy', 'threshold:0.1']);
    expect(text.stdout).toMatch(/total\npolicy +kWh +heat kWh +credit € +cost € +revenue € +net €\nplanner /);
    expect(text.stdout).toContain('threshold:0.1');
  }, 60_000);

  it('refuses bad input with one line and exit 2', async () => {
    const r = await runCli(['backtest', '--prices', file, '--policy', 'sometimes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--policy expects planner, always/);
    const m = await runCli(['backtest']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--prices FILE is required/);
  }, 60_000);

  it('--weather: demand from the heating model over the file, so the result follows the temperatures', async () => {
    const weather = path.join(WEATHER_DIR, 'synthetic-2023-01.csv');
    type Out = { weather: { points: number; heatLossWPerK: number } | null; results: { policy: string; total: { net: number; heatCredit: number; energyKWh: number } }[] };
    const jan = ['--prices', file, '--from', '2023-01-01', '--to', '2023-02-01', '--policy', 'planner', '--policy', 'always', '--json'];
    const r = await runCli(['backtest', ...jan, '--weather', weather, '--heat-loss', '30']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Out;
    expect(out.weather).toMatchObject({ points: 744, heatLossWPerK: 30 });
    const [planner, always] = out.results;
    expect(planner?.total.net).toBeGreaterThan(always?.total.net ?? Infinity);
    // A tighter room (more W/K) needs more heat: the planner runs more and is credited more.
    const leaky = JSON.parse((await runCli(['backtest', ...jan, '--weather', weather, '--heat-loss', '60'])).stdout) as Out;
    expect(leaky.results[0]?.total.heatCredit).toBeGreaterThan(planner?.total.heatCredit ?? Infinity);
    expect(leaky.results[0]?.total.energyKWh).toBeGreaterThan(planner?.total.energyKWh ?? Infinity);
    const text = await runCli(['backtest', '--prices', file, '--from', '2023-01-20', '--to', '2023-01-22', '--weather', weather, '--policy', 'planner']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/heat demand 60 W\/K × \(setpoint − outdoor from .*synthetic-2023-01.csv\) on days whose mean is below 15 °C/);
  }, 60_000);

  it('--weather: a bad row, a period it does not cover, and options without it are usage errors', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'time,temp_c\n2023-01-01T00:00:00Z,3\n2023-01-01T01:00:00Z,cold\n');
    const r = await runCli(['backtest', '--prices', file, '--weather', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.csv line 3: temperature "cold" is not a number');
    const short = await runCli(['backtest', '--prices', file, '--from', '2023-01-31', '--to', '2023-02-02', '--weather', path.join(WEATHER_DIR, 'synthetic-2023-01.csv')]);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/has no temperature for the slot at 2023-02-01T00:00:00.000Z/);
    const alone = await runCli(['backtest', '--prices', file, '--heat-loss', '50']);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--heat-loss needs --weather FILE/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
