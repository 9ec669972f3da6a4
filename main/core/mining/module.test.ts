import { describe, expect, it } from 'vitest';
import { HandlerError, type Events, type MiningShare } from '#contract/index';
import { loadNative } from '#workers/hash/kernel';
import { miningModule } from './module.ts';
import { testCores } from '../../../test/support/core.ts';
import { listeningPool } from '../../../test/support/listening-pool.ts';
import { when } from '../../../test/support/until.ts';

const cores = testCores('hearth-mining-');

describe('mining module', () => {
  it('validates pools before saving and never returns the password', async () => {
    const core = await cores.start({ modules: [miningModule()] });
    const h = core.handlers;
    await expect(h['mining-start']({})).rejects.toThrow(/no mining pool is configured/);
    const bad = h['mining-settings-set']({ pools: [{ url: 'pool.example.com:3333', user: 'a.b', password: 'p' }] });
    await expect(bad).rejects.toBeInstanceOf(HandlerError);
    await expect(bad).rejects.toThrow(/pool 1: .*no scheme/);
    expect((await h['mining-settings-get']({})).pools).toEqual([]); // nothing stored
    const saved = await h['mining-settings-set']({
      pools: [{ url: 'stratum+tcp://pool.example.com:3333', user: 'a.b', password: 'hunter2' }],
      threads: 1,
      powerPct: 50,
    });
    expect(saved.pools).toEqual([
      { url: 'stratum+tcp://pool.example.com:3333', user: 'a.b', hasPassword: true, extranonceSubscribe: false },
    ]);
    expect(saved.threads).toBe(1);
    expect(saved.powerPct).toBe(50);
    expect(JSON.stringify(saved)).not.toContain('hunter2');
    // Saving again without a password keeps the stored one.
    const again = await h['mining-settings-set']({
      pools: [{ url: 'stratum+tcp://pool.example.com:3333', user: 'a.b' }],
    });
    expect(again.pools[0]!.hasPassword).toBe(true);
  });

  it('mines against a real pool, emits hash-rate once a second, stores shares in the ledger and keeps them across restarts', async () => {
    const pool = await listeningPool({ difficulty: 2 ** -14 });
    pool.notify(true);
    const dataDir = cores.dir();
    let core = await cores.start({ dataDir, modules: [miningModule()] });
    const rates: Events['hash-rate'][] = [];
    const shares: MiningShare[] = [];
    core.events.on('hash-rate', (e) => rates.push(e));
    core.events.on('mining-share', (e) => shares.push(e));
    await core.handlers['mining-settings-set']({
      pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }],
      threads: 1,
    });
    const started = await core.handlers['mining-start']({});
    expect(started.running).toBe(true);
    expect(started.kernel?.route).toBe(loadNative().ok ? 'native' : 'wasm-simd');
    await when(
      'shares and a hash rate',
      () => shares.filter((s) => s.outcome === 'accepted').length >= 2 && rates.some((r) => r.hashRate > 0),
    );
    const st = await core.handlers['mining-status']({});
    expect(st.pool.state).toBe('mining');
    expect(st.jobDifficulty).toBe(2 ** -14);
    const live = await core.handlers['mining-set-power']({ powerPct: 25 });
    expect(live.powerPct).toBe(25);
    const stopped = await core.handlers['mining-stop']({});
    expect(stopped.running).toBe(false);
    const stored = await core.handlers['mining-shares']({ limit: 1000 });
    expect(stored.length).toBe(shares.length);
    expect(stored.filter((s) => s.outcome === 'accepted').length).toBe(
      pool.shares.filter((s) => s.verdict === 'accepted').length,
    );
    await core.close();
    core = await cores.start({ dataDir, modules: [miningModule()] });
    const after = await core.handlers['mining-status']({});
    expect(after.totals.accepted).toBe(stored.filter((s) => s.outcome === 'accepted').length);
    expect(after.powerPct).toBe(25);
  });

  it("checks a saved pool with its stored password, and stops with the pool's words when it refuses the worker", async () => {
    const pool = await listeningPool({
      difficulty: 0.01,
      versionMask: '1fffe000',
      accept: (u, p) => u === 'alice.rig' && p === 's3cret',
    });
    const core = await cores.start({
      modules: [miningModule({ stratum: { backoffMs: { initial: 50, max: 500, jitter: 0 } } })],
    });
    const h = core.handlers;
    await h['mining-settings-set']({ pools: [{ url: pool.url, user: 'alice.rig', password: 's3cret' }], threads: 1 });
    const ok = await h['mining-check']({ index: 0 });
    expect(ok).toMatchObject({
      ok: true,
      difficulty: 0.01,
      versionRollingMask: 0x1fffe000,
      hashRateSource: 'measured for this check',
    });
    expect(ok.expectedSecondsPerShare).toBeCloseTo((0.01 * 2 ** 32) / ok.hashRate!, 6);
    const wrong = await h['mining-check']({ pool: { url: pool.url, user: 'alice.rig', password: 'guess' } });
    expect(wrong).toMatchObject({ ok: false, refused: true });
    await expect(h['mining-check']({ index: 3 })).rejects.toThrow(/there is no pool 4/);

    const refusals: Events['mining-refused'][] = [];
    core.events.on('mining-refused', (r) => refusals.push(r));
    await h['mining-settings-set']({ pools: [{ url: pool.url, user: 'alice.rig', password: 'wrong' }] });
    await h['mining-start']({});
    await when('the refusal', () => refusals.length === 1);
    expect(refusals[0]!.reason).toMatch(/refused worker "alice.rig".*Failed authorisation/);
    await when('mining to stop', () => !core.service('mining').status().running);
    const st = await h['mining-status']({});
    expect(st.pool).toMatchObject({ state: 'refused' });
    expect(st.pool.lastError).toMatch(/Failed authorisation/);
    expect(pool.sessions).toBe(3); // two checks, one refused run: no retries
    expect((await h['mining-settings-get']({})).presets.map((p) => p.id)).toEqual(['ckpool-solo', 'public-pool']);
  });
});
