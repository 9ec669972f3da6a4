/**
 * LAN heater-miners under a real `hearth serve`: devices added through the command (which talks to
 * the running server), planned with the PC, and the plan's levels and pauses carried to the
 * devices; `hearth devices` shows what each is doing now, read back from the devices themselves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LanDevice, Plan } from '#contract/index';
import { startAxeosSim } from '../support/sim/axeos.ts';
import { startCgminerSim } from '../support/sim/cgminer.ts';
import { apiCall, runCli, startServe, until, type RunningServer } from './harness.ts';

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('hearth serve with LAN heater-miners', () => {
  it('plans them with the PC under the fuse and each device does what the current slot says', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.91' });
    const avalon = await startCgminerSim({ host: '127.0.0.92', model: 'Nano3s' });
    closers.push(axe.close, avalon.close);
    const s: RunningServer = await startServe();
    closers.push(() => s.stop());
    const hearth = (args: string[]) => runCli([...args, '--data-dir', s.dataDir]);

    await apiCall(s, 'tariff-configure', {
      tariff: { kind: 'fixed', price: 0.3, currency: 'EUR' },
      charges: { perKWh: 0, tax: 0 },
      timeZone: 'UTC',
    });
    // A difficulty at which these miners' hashes pay for their power: the plan runs them.
    await apiCall(s, 'market-override', { btcPrice: 90_000, difficulty: 5e12, currency: 'EUR' });
    const limits = await apiCall<Record<string, unknown>>(s, 'plan-limits-get');
    await apiCall(s, 'plan-limits-set', { ...limits, powerCapW: 100 });

    for (const [kind, a, name] of [
      ['axeos', axe.address, 'Desk'],
      ['cgminer', avalon.address, 'Avalon'],
    ] as const) {
      const added = await hearth(['devices', 'add', kind, `${a.host}:${a.port}`, '--name', name]);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
    }

    // The running plan has both devices, and never more than the fuse in any slot.
    const plan = await until(
      'a plan with both devices',
      () => apiCall<{ plan: Plan | null }>(s, 'plan-get').then((r) => r.plan),
      (p) => p !== null && p.slots[0]!.decisions.filter((d) => d.device.startsWith('lan:')).length === 2,
      60_000,
      200,
    );
    for (const slot of plan!.slots)
      expect(slot.decisions.reduce((a, d) => a + d.powerW, 0)).toBeLessThanOrEqual(100 + 1e-6);

    // What the command shows now is what the devices report: each at its planned level, or paused.
    type Row = LanDevice & { action: string | null };
    const rows = await until(
      'every device doing what the plan says',
      async () => {
        axe.tick(); // the firmware's power-management loop applies new settings on its next pass
        const r = await hearth(['devices', '--json']);
        return JSON.parse(r.stdout) as Row[];
      },
      (list) =>
        list.length === 2 &&
        list.every((d) => {
          const t = d.telemetry;
          if (d.action === 'paused') return t?.state === 'paused';
          const m = /^level (\d+) \(/.exec(d.action ?? '');
          return m !== null && t?.state === 'running' && t.level === Number(m[1]);
        }),
      60_000,
      500,
    );
    expect(rows.map((r) => r.name).sort()).toEqual(['Avalon', 'Desk']);
    const table = await hearth(['devices']);
    expect(table.stdout).toMatch(/ Desk +axeos .* (level \d+ \(\d+\.\d W\)|paused)$/m);
    expect(table.stdout).not.toContain('NOW: what the plan has');
  }, 180_000);
});
