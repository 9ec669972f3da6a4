import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LanDevice } from '#contract/index';
import { startAxeosSim } from '../support/sim/axeos.ts';
import { startBraiinsSim } from '../support/sim/braiins.ts';
import { runCli, tempDir } from './harness.ts';

const closers: (() => Promise<void>)[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('hearth devices, through the real command, against simulators on loopback', () => {
  it('adds an AxeOS and a Braiins OS device, lists their readings, refuses a wrong kind, removes one', async () => {
    const axe = await startAxeosSim({ host: '127.0.0.50' });
    const bos = await startBraiinsSim({ host: '127.0.0.51', password: 'pw-from-env' });
    const other = await startAxeosSim({ host: '127.0.0.52' });
    closers.push(axe.close, bos.close, other.close);
    const dir = tempDir('hearth-cli-devices-');
    dirs.push(dir);
    const hearth = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli([...args, '--data-dir', dir], env);

    const added = await hearth([
      'devices',
      'add',
      'axeos',
      `${axe.address.host}:${axe.address.port}`,
      '--name',
      'Desk',
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added axeos 127\.0\.0\.50:\d+ as "Desk" \(id \w+\)\.$/m);

    const braiins = await hearth(['devices', 'add', 'braiins', `${bos.host}:${bos.port}`], {
      HEARTH_DEVICE_PASSWORD: 'pw-from-env',
    });
    expect(braiins.code).toBe(0);
    // The password came from the environment and is stored sealed, never as typed.
    expect(fs.readFileSync(path.join(dir, 'hearth.db')).includes('pw-from-env')).toBe(false);

    const wrong = await hearth(['devices', 'add', 'cgminer', `${other.address.host}:${other.address.port}`]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(`${other.address.host}:${other.address.port} does not answer as cgminer API`);

    const table = await hearth(['devices']);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID +NAME +KIND +ADDRESS +STATUS +POWER +HASH RATE +TEMP$/);
    expect(lines[1]).toMatch(/ Desk +axeos +127\.0\.0\.50:\d+ +online +\d+\.\d W +[\d.]+ [GT]H\/s +\d+\.\d °C$/);
    expect(lines[2]).toMatch(/ braiins +127\.0\.0\.51:\d+ +online +\d+\.\d W/);

    const json = await hearth(['devices', '--json']);
    const list = JSON.parse(json.stdout) as LanDevice[];
    expect(list.map((d) => [d.kind, d.status])).toEqual([
      ['axeos', 'online'],
      ['braiins', 'online'],
    ]);
    expect(list[0]!.telemetry?.powerW).toBeGreaterThan(0);

    const removed = await hearth(['devices', 'remove', list[0]!.id]);
    expect(removed.code).toBe(0);
    const after = JSON.parse((await hearth(['devices', '--json'])).stdout) as LanDevice[];
    expect(after.map((d) => d.kind)).toEqual(['braiins']);

    const unknown = await hearth(['devices', 'remove', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('No device has the id "nope"');
  }, 60_000);
});
