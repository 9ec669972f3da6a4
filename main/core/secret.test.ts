import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TariffSettings } from '#contract/index';
import type { Logger } from './log.ts';
import { heatingSetting } from './heating/setting.ts';
import { miningSetting } from './mining/setting.ts';
import { KEY_FILE, keyFileSecretStore } from './secret-key.ts';
import { plainSecretStore } from './secret.ts';
import { tariffModule } from './tariff/module.ts';
import { tariffSetting } from './tariff/setting.ts';
import { testCores } from '../../test/support/core.ts';

const cores = testCores('hearth-secret-');
const offline = { fetch: async () => Promise.reject(new Error('offline in this test')), baseUrl: 'http://127.0.0.1:9' };

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

const entsoe = (token: string): TariffSettings => ({
  tariff: { kind: 'entsoe', zone: '10YBE----------2', token },
  charges: { perKWh: 0, tax: 0 },
  timeZone: 'Europe/Brussels',
});

/** Every stored setting value, as the bytes in hearth.db hold them. */
function storedText(dataDir: string): string {
  return ['hearth.db', 'hearth.db-wal']
    .filter((f) => fs.existsSync(path.join(dataDir, f)))
    .map((f) => fs.readFileSync(path.join(dataDir, f)).toString('latin1'))
    .join('');
}

describe('the key file secret store', () => {
  it('makes a 32-byte key file 0600 on first use and seals each secret with a fresh nonce (AES-256-GCM)', () => {
    const dir = cores.dir();
    const store = keyFileSecretStore(dir);
    expect(store.encrypted).toBe(true);
    expect(fs.existsSync(path.join(dir, KEY_FILE))).toBe(false);
    const a = store.seal('tibber-token-1234');
    const b = store.seal('tibber-token-1234');
    const st = fs.statSync(path.join(dir, KEY_FILE));
    expect(st.size).toBe(32);
    expect(st.mode & 0o777).toBe(0o600);
    expect(a).toMatch(/^key:v1:[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('tibber');
    // Another store on the same folder (the next start) reads the same key.
    expect(keyFileSecretStore(dir).open(a)).toBe('tibber-token-1234');
    expect(keyFileSecretStore(dir).open('plain:older')).toBe('older');
  });

  it('a missing, replaced or short key file, a tampered secret and a safeStorage secret each get a message that says what to do', () => {
    const dir = cores.dir();
    const sealed = keyFileSecretStore(dir).seal('pw');
    const file = path.join(dir, KEY_FILE);
    const tampered = `key:v1:${Buffer.from(Buffer.from(sealed.slice(7), 'base64').map((x, i) => (i === 14 ? x ^ 1 : x))).toString('base64')}`;
    expect(() => keyFileSecretStore(dir).open(tampered)).toThrow(
      /sealed with another key than the one in .*secret\.key/,
    );
    fs.writeFileSync(file, Buffer.alloc(32, 7));
    expect(() => keyFileSecretStore(dir).open(sealed)).toThrow(
      new RegExp(`another key than the one in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*Enter the secret again`),
    );
    fs.writeFileSync(file, 'short');
    expect(() => keyFileSecretStore(dir).open(sealed)).toThrow(/holds 5 bytes, not the 32 of a key/);
    fs.rmSync(file);
    expect(() => keyFileSecretStore(dir).open(sealed)).toThrow(
      /key file .*secret\.key that is no longer there.*Enter the secret again/,
    );
    expect(() => keyFileSecretStore(dir).open('safe:AAAA')).toThrow(
      'This secret was encrypted by the desktop app; enter it again here',
    );
  });
});

describe('secrets in the ledger', () => {
  it('are sealed with the key file by a headless core: the token is not in hearth.db', async () => {
    const dataDir = cores.dir();
    const c = await cores.start({ dataDir, modules: [tariffModule({ io: offline, cron: false })] });
    c.context.settings.set(tariffSetting, entsoe(c.context.secrets.seal('entsoe-secret-9876')));
    expect(c.context.secrets.encrypted).toBe(true);
    const row = c.db.prepare("SELECT value FROM setting WHERE key = 'tariff'").get() as { value: string };
    expect(row.value).toMatch(/"token":"key:v1:/);
    await c.close();
    expect(storedText(dataDir)).not.toContain('entsoe-secret-9876');
    const again = await cores.start({ dataDir, modules: [tariffModule({ io: offline, cron: false })] });
    expect((await again.handlers['tariff-settings']({})).tariff).toMatchObject({ kind: 'entsoe', token: '••••9876' });
  });

  it('stored as plain: by an older Hearth are sealed on start, none lost, and still work', async () => {
    const dataDir = cores.dir();
    const old = await cores.start({ dataDir, modules: [], secrets: plainSecretStore });
    const s = old.context.settings;
    s.set(tariffSetting, entsoe('plain:entsoe-old-4321'));
    s.set(heatingSetting, {
      ...s.get(heatingSetting),
      indoor: {
        kind: 'home-assistant',
        url: 'http://127.0.0.1:8123',
        entityId: 'sensor.living_room',
        token: 'plain:ha-token-abcd',
      },
    });
    s.set(miningSetting, {
      ...s.get(miningSetting),
      pools: [
        { url: 'stratum+tcp://127.0.0.1:3333', user: 'a.rig', password: 'plain:pool-pw-1', extranonceSubscribe: false },
        { url: 'stratum+tcp://127.0.0.1:3334', user: 'b.rig', password: null, extranonceSubscribe: false },
      ],
    });
    await old.close();
    expect(storedText(dataDir)).toContain('plain:pool-pw-1');

    const log = recordingLog();
    const c = await cores.start({ dataDir, modules: [], log });
    expect(log.lines.join('\n')).toContain(
      'sealed 3 secret(s) that an older Hearth had stored as plain text in the ledger',
    );
    const store = keyFileSecretStore(dataDir);
    const t = c.context.settings.get(tariffSetting).tariff as { token: string };
    const h = c.context.settings.get(heatingSetting).indoor as { token: string };
    const m = c.context.settings.get(miningSetting).pools;
    expect([t.token, h.token, m[0]!.password]).toEqual([
      expect.stringMatching(/^key:v1:/),
      expect.stringMatching(/^key:v1:/),
      expect.stringMatching(/^key:v1:/),
    ]);
    expect([store.open(t.token), store.open(h.token), store.open(m[0]!.password!)]).toEqual([
      'entsoe-old-4321',
      'ha-token-abcd',
      'pool-pw-1',
    ]);
    expect(m[1]!.password).toBeNull();
    await c.close();
    const text = storedText(dataDir);
    for (const secret of ['entsoe-old-4321', 'ha-token-abcd', 'pool-pw-1']) expect(text).not.toContain(secret);

    // Sealed once: the next start has nothing to do.
    const quietLog = recordingLog();
    await (await cores.start({ dataDir, modules: [], log: quietLog })).close();
    expect(quietLog.lines.filter((l) => l.includes('sealed'))).toEqual([]);
  });

  it('with the key file gone, the core still starts and says which file and what to do', async () => {
    const dataDir = cores.dir();
    const first = await cores.start({ dataDir, modules: [tariffModule({ io: offline, cron: false })] });
    first.context.settings.set(tariffSetting, entsoe(first.context.secrets.seal('entsoe-secret-9876')));
    await first.close();
    fs.rmSync(path.join(dataDir, KEY_FILE));

    const log = recordingLog();
    const c = await cores.start({ dataDir, log, modules: [tariffModule({ io: offline, cron: false })] });
    expect((await c.handlers['tariff-settings']({})).tariff.kind).toBe('fixed');
    expect(log.lines.join('\n')).toMatch(
      /the tariff's token could not be read \(A stored secret cannot be opened: it was sealed with a key file .*secret\.key that is no longer there\. Enter the secret again in its settings/,
    );
    // The sealed token is kept as it was, for the key file to be put back.
    const row = c.db.prepare("SELECT value FROM setting WHERE key = 'tariff'").get() as { value: string };
    expect(row.value).toMatch(/"token":"key:v1:/);
  });
});
