import { describe, expect, it } from 'vitest';
import type { SetupStatus } from '#contract/index';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { tariffModule } from '#core/tariff/module';
import { testCores } from '../../../test/support/core.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { setupModule } from './module.ts';

const cores = testCores('hearth-setup-');

describe('setup status', () => {
  it('calls every default assumed on a fresh install, names it in words, and stops once it is saved or confirmed; survives a restart', async () => {
    const dir = cores.dir();
    const clock = new TestClock(Date.UTC(2026, 0, 14, 10));
    const modules = () => [tariffModule({ cron: false }), heatingModule({ cron: false }), setupModule()];
    const core = await cores.start({ dataDir: dir, clock, modules: modules() });
    const status = async (c = core) => {
      const r = await dispatch(c.handlers, 'setup-status', {});
      if (!r.ok) throw new Error(r.error.message);
      return r.result as SetupStatus;
    };
    const fresh = await status();
    expect(fresh.state).toBe('new');
    expect(fresh.at).toBeNull();
    expect(fresh.items.map((i) => [i.topic, i.assumed])).toEqual([
      ['tariff', true],
      ['heating', true],
      ['mining', true],
      ['devices', true],
    ]);
    expect(fresh.items[0]!.value).toBe('fixed price 0.30 EUR/kWh');
    expect(fresh.items[1]!.value).toBe('gas 0.10 EUR/kWh at 90 %; the room loses 60 W/K');

    // Saving through the tariff's own call is a confirmation too; the value in words follows it.
    const ts = await dispatch(core.handlers, 'tariff-settings', {});
    if (!ts.ok) throw new Error(ts.error.message);
    const saved = await dispatch(core.handlers, 'tariff-configure', {
      ...(ts.result as object),
      tariff: { kind: 'fixed', price: 0.2734, currency: 'EUR' },
      skipCheck: true,
    } as never);
    expect(saved.ok).toBe(true);
    const afterTariff = await status();
    expect(afterTariff.items[0]).toEqual({ topic: 'tariff', assumed: false, value: 'fixed price 0.2734 EUR/kWh' });
    expect(afterTariff.items[1]!.assumed).toBe(true);

    // Confirming keeps the value as it is.
    const confirmed = await dispatch(core.handlers, 'setup-confirm', { topic: 'heating' });
    expect(confirmed).toMatchObject({ ok: true });
    const h = await dispatch(core.handlers, 'heating-settings', {});
    expect(h).toMatchObject({ ok: true, result: { heatSource: { kind: 'gas', pricePerKWh: 0.1, efficiency: 0.9 } } });
    const bad = await dispatch(core.handlers, 'setup-confirm', { topic: 'weather' } as never);
    expect(bad).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('tariff, heating, mining or devices') },
    });

    expect(await dispatch(core.handlers, 'setup-finish', { state: 'skipped' })).toMatchObject({
      ok: true,
      result: { state: 'skipped', at: clock.now() },
    });
    await core.close();
    const again = await cores.start({ dataDir: dir, clock, modules: modules() });
    const later = await status(again);
    expect(later.state).toBe('skipped');
    expect(later.items.map((i) => i.assumed)).toEqual([false, false, true, true]);
  });
});
