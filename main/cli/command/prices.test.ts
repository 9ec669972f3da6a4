import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { PriceSlot } from '#contract/index';
import { UsageError } from '../command.ts';
import { heatCommand } from './heat.ts';
import { pricesCommand, pricesImportCommand } from './prices.ts';
import { PRICES_DIR } from '../../../test/fixtures/data.ts';
import { priceFileStats } from '../../../test/support/price-file.ts';

const DATA = PRICES_DIR;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-prices-cli-'));
const stopped = new Promise<string>(() => undefined);
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** Runs a command in-process and returns what it printed. */
async function run(
  cmd: typeof pricesCommand,
  values: Record<string, string | boolean>,
  positionals: string[] = [],
): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const code = await cmd.run({ values: { 'data-dir': dataDir, ...values }, positionals, stopped });
  vi.restoreAllMocks();
  return { code, out: lines.join('\n') };
}

describe('hearth prices', () => {
  for (const year of [2022, 2023]) {
    it(`imports be-day-ahead-${year}.csv and prints the yearly mean, min and max`, async () => {
      const file = path.join(DATA, `be-day-ahead-${year}.csv`);
      const { code, out } = await run(pricesImportCommand, {}, [file]);
      expect(code).toBe(0);
      const ref = priceFileStats(file);
      expect(out).toContain(`Imported 8760 slots of 60 min from be-day-ahead-${year}.csv`);
      const m = /mean (-?[\d.]+), min (-?[\d.]+), max (-?[\d.]+)/.exec(out);
      expect(m).not.toBeNull();
      expect(Math.abs(Number(m![1]) - ref.mean)).toBeLessThan(5e-9);
      expect(Number(m![2])).toBe(ref.min);
      expect(Number(m![3])).toBe(ref.max);
      // Past prices are added beside the live tariff; --use-as-tariff makes them the tariff.
      expect(out).toMatch(/: covers \d{4}-\d\d-\d\d – \d{4}-\d\d-\d\d \(.+\); ends before today/);
      const json = await run(pricesImportCommand, { json: true, 'use-as-tariff': true }, [file]);
      const r = JSON.parse(json.out) as { slots: number; mean: number; min: number; max: number };
      expect(r.slots).toBe(8760);
      expect(r.mean).toBeCloseTo(ref.mean, 12);
      expect([r.min, r.max]).toEqual([ref.min, ref.max]);
    });
  }

  it('lists slots of a window with the cheapest and dearest marked, as text and JSON', async () => {
    const { out } = await run(pricesCommand, { from: '2023-01-01T00:00:00Z', hours: '24' });
    // The imported prices all lie in the past: listed for the window asked, but not "ok" for the live plan.
    expect(out).toMatch(
      /^tariff csv: error, .*The imported prices end 2023-12-31, before now: the live plan has no prices/,
    );
    expect(out.match(/ cheapest/g)?.length).toBeGreaterThanOrEqual(1);
    expect(out).toMatch(/24 slots: mean -?[\d.]+ EUR\/kWh/);
    const json = JSON.parse(
      (await run(pricesCommand, { from: '2023-01-01T00:00:00Z', hours: '24', json: true })).out,
    ) as { slots: PriceSlot[] };
    expect(json.slots).toHaveLength(24);
    expect(json.slots[0]!.start).toBe(Date.parse('2023-01-01T00:00:00Z'));
  });

  it('refuses a CSV with a bad row, naming the line, and keeps what was stored', async () => {
    const bad = path.join(dataDir, 'bad.csv');
    fs.writeFileSync(bad, 'start_utc,eur_per_kwh\n2023-01-01T00:00:00Z,9.99\n2023-01-01T01:00:00Z,\n');
    await expect(run(pricesImportCommand, {}, [bad])).rejects.toThrow(UsageError);
    await expect(run(pricesImportCommand, {}, [bad])).rejects.toThrow('line 3: price "" is not a number');
    const json = JSON.parse(
      (await run(pricesCommand, { from: '2023-01-01T00:00:00Z', hours: '1', json: true })).out,
    ) as { slots: PriceSlot[] };
    expect(json.slots[0]!.spot).not.toBe(9.99);
  });

  it('prints heat demand and credit per slot', async () => {
    const { code, out } = await run(heatCommand, { from: '2023-01-10T12:00:00Z', hours: '2' });
    expect(code).toBe(0);
    expect(out).toMatch(/demand \d+ W {2}credit 0\.11111 EUR\/kWh/);
    expect(out).toContain('2 slots: heat demand');
  });
});
