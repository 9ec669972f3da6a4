import { afterEach, describe, expect, it } from 'vitest';
import type { LanDevice } from '#contract/index';
import { startCore, type Core } from '#core/app';
import { dispatch } from '#core/handler';
import { quiet } from '../../../test/support/quiet-log.ts';
import { startAxeosSim } from '../../../test/support/sim/axeos.ts';
import { startBraiinsSim } from '../../../test/support/sim/braiins.ts';
import { tempDirs } from '../../../test/support/temp-dir.ts';
import { when } from '../../../test/support/until.ts';
import { deviceModule } from './module.ts';

const tmp = tempDirs('hearth-device-module-');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function core(dataDir: string): Promise<Core> {
  const c = await startCore({
    dataDir,
    log: quiet,
    modules: [deviceModule({ io: { timeoutMs: 1_500, maxReplyBytes: 1024 * 1024 } })],
  });
  closers.push(() => c.close());
  return c;
}

describe('device module', () => {
  it('adds, renames, lists and removes through the handlers, pushes device-update, and keeps devices across a restart', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.40' });
    const bos = await startBraiinsSim({ host: '127.0.0.41', password: 'secret-pw' });
    closers.push(axe.close, bos.close);
    const dataDir = tmp();
    const c = await core(dataDir);
    const pushed: LanDevice[][] = [];
    c.events.on('device-update', (l) => pushed.push(l));

    const a = await c.handlers['device-add']({ kind: 'axeos', ...axe.address });
    await c.handlers['device-add']({ kind: 'braiins', host: bos.host, port: bos.port, password: 'secret-pw' });
    expect(pushed.at(-1)?.map((d) => d.kind)).toEqual(['axeos', 'braiins']);
    expect((await c.handlers['device-rename']({ id: a.id, name: 'Bitaxe' })).name).toBe('Bitaxe');

    // The password is sealed in the ledger (the key file's AES-GCM headless), never as typed.
    const row = c.db.prepare("SELECT value FROM setting WHERE key = 'device.logins'").get() as { value: string };
    expect(row.value).not.toContain('secret-pw');

    const bad = await dispatch(c.handlers, 'device-add', { kind: 'toaster', host: '127.0.0.42' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    const url = await dispatch(c.handlers, 'device-add', { kind: 'axeos', host: 'http://127.0.0.42' });
    expect(url).toMatchObject({ ok: false, error: { field: 'host' } });

    await c.close();
    const again = await core(dataDir);
    const listed = await again.handlers['device-list']({});
    expect(listed.map((d) => [d.name, d.kind])).toEqual([
      ['Bitaxe', 'axeos'],
      [expect.stringContaining('127.0.0.41'), 'braiins'],
    ]);
    // Read again after the restart with the sealed login opened.
    await when('both are read after the restart', () =>
      again
        .service('device')
        .list()
        .every((d) => d.status === 'online'),
    );
    expect(await again.handlers['device-remove']({ id: a.id })).toEqual({ removed: true });
    expect((await again.handlers['device-list']({})).map((d) => d.kind)).toEqual(['braiins']);
  });
});
