import { afterEach, describe, expect, it } from 'vitest';
import type { Notification, Telemetry } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { ledgerModule } from '#core/ledger/module';
import { quiet } from '../../../test/support/quiet-log.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { notificationModule } from './module.ts';

const tmp = tempDirs('hearth-notify-');
let core: Core | null = null;
afterEach(async () => {
  await core?.close();
  core = null;
});

describe('notification module', () => {
  it('posts an over-temperature notice from live telemetry, pushes it and keeps it in the event log across restarts', async () => {
    const dataDir = tmp();
    core = await startCore({ dataDir, log: quiet, modules: [ledgerModule(), notificationModule()] });
    await core.handlers['notification-configure']({
      maxTemperatureC: 80,
      poolUnreachableMin: 5,
      pricesExpectedBy: '14:00',
      dailySummary: true,
    });
    const pushed: Notification[] = [];
    core.events.on('notification', (n) => pushed.push(n));
    const t: Telemetry = {
      at: new Date().toISOString(),
      cpuLoadPerCorePct: [100],
      cpuLoadPct: 100,
      devices: [
        {
          deviceId: 'gpu:0',
          label: 'GPU 0',
          loadPct: 100,
          temperatureC: 86,
          powerW: 200,
          powerSource: 'measured-gpu-driver',
        },
      ],
      totalPowerW: 200,
      estimated: false,
      heatW: 200,
      today: { energyKWh: 0, heatKWh: 0, peakPowerW: 200 },
    };
    core.events.emit('telemetry', t);
    core.events.emit('telemetry', t);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]).toMatchObject({ kind: 'over-temperature', level: 'warning', title: 'GPU 0 is at 86 °C' });
    await core.close();
    core = await startCore({ dataDir, log: quiet, modules: [ledgerModule(), notificationModule()] });
    const log = await core.handlers['notification-list']({});
    expect(log.map((n) => n.title)).toEqual(['GPU 0 is at 86 °C']);
    expect(await core.handlers['notification-settings']({})).toMatchObject({ maxTemperatureC: 80, dailySummary: true });
  });
});
