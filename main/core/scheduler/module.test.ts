import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCore, type Core } from '#core/app';
import { dispatch } from '#core/handler';
import { heatingModule } from '#core/heating/module';
import { tariffModule } from '#core/tariff/module';
import { schedulerModule } from './module.ts';
import { TestClock } from './test-clock.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const open: { core: Core; dir: string }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.core.close();
    fs.rmSync(o.dir, { recursive: true, force: true });
  }
});

describe('scheduler module', () => {
  it('plans on start, serves the plan and takes a pause override that expires', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-scheduler-'));
    const t0 = Date.UTC(2026, 2, 29, 10, 7);
    const clock = new TestClock(t0);
    const core = await startCore({ dataDir: dir, clock, log: quiet, modules: [tariffModule({ cron: false }), heatingModule({ cron: false }), schedulerModule({ cron: false })] });
    open.push({ core, dir });
    const applied: string[] = [];
    core.events.on('plan-applied', (a) => applied.push(a.source));
    const got = await dispatch(core.handlers, 'plan-get', {});
    expect(got.ok).toBe(true);
    if (!got.ok) return;
    const r = got.result as { plan: { slots: unknown[] } | null; applied: { slotStart: number } | null };
    expect(r.plan).not.toBeNull();
    expect(r.applied?.slotStart).toBe(Date.UTC(2026, 2, 29, 10, 0));
    const past = await dispatch(core.handlers, 'plan-override', { override: { kind: 'pause', until: t0 - 1 } });
    expect(past).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const bad = await dispatch(core.handlers, 'plan-override', { override: { kind: 'sleep' } });
    expect(bad.ok).toBe(false);
    const ok = await dispatch(core.handlers, 'plan-override', { override: { kind: 'pause', until: t0 + 3_600_000 } });
    expect(ok.ok).toBe(true);
    expect(applied.at(-1)).toBe('override');
    await clock.advanceTo(t0 + 3_600_000 + 1);
    expect(applied.at(-1)).not.toBe('override');
  }, 30_000);
});
