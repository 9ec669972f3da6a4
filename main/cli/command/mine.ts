import os from 'node:os';
import { HandlerError } from '#contract/index';
import { startCore } from '#core/app';
import { defaultDataDir } from '#core/data-dir';
import { miningModule } from '#core/mining/module';
import { parsePoolUrl, type PoolConfig } from '#core/mining/stratum';
import { numberOption, UsageError, type Command } from '../command.ts';

export function fmtRate(hps: number): string {
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s'];
  let v = hps;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(2)} ${units[i]}`;
}

export const mineCommand: Command = {
  name: 'mine',
  summary: 'Mine Bitcoin on the CPU through a Stratum pool, with live hash rate and shares (Ctrl-C stops)',
  usage:
    '[--pool URL --user WORKER [--pass P]] [--threads N] [--power 25|50|75|100] [--seconds S] [--data-dir DIR]\n\n' +
    'Without --pool it uses the pools saved on the Mining page. Shares are stored in the ledger.',
  options: {
    pool: { type: 'string' },
    user: { type: 'string' },
    pass: { type: 'string' },
    threads: { type: 'string' },
    power: { type: 'string' },
    seconds: { type: 'string' },
    'data-dir': { type: 'string' },
  },
  async run({ values, stopped }) {
    const threads = numberOption(values['threads'], 'threads', { min: 1, max: os.availableParallelism() });
    const power = numberOption(values['power'], 'power', { min: 1, max: 100 });
    const seconds = numberOption(values['seconds'], 'seconds', { min: 1, max: 10 ** 7, integer: false });
    let pools: PoolConfig[] | undefined;
    if (values['pool'] !== undefined) {
      const url = String(values['pool']);
      try {
        parsePoolUrl(url);
      } catch (e) {
        throw new UsageError(`--pool: ${(e as Error).message}`);
      }
      const user = values['user'];
      if (typeof user !== 'string' || !user.trim()) throw new UsageError('--pool needs --user WORKER (your pool account, often account.worker)');
      pools = [{ url, user: user.trim(), password: typeof values['pass'] === 'string' ? values['pass'] : 'x' }];
    } else if (values['user'] !== undefined || values['pass'] !== undefined) {
      throw new UsageError('--user and --pass go with --pool URL');
    }
    const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
    const core = await startCore({
      dataDir,
      modules: [miningModule()],
      log: { info: (m) => console.error(m), warn: (m) => console.error(m), error: (m) => console.error(m) },
    });
    try {
      const svc = core.context.use('mining');
      let st;
      try {
        st = await svc.start({ ...(pools ? { pools } : {}), ...(threads !== undefined ? { threads } : {}), ...(power !== undefined ? { powerPct: power } : {}) });
      } catch (e) {
        if (e instanceof HandlerError) throw new UsageError(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
        throw e;
      }
      console.log(`mining with ${st.threads} thread(s) at ${st.powerPct} % power; kernel: ${st.kernel?.description ?? 'unknown'}`);
      core.events.on('hash-rate', (r) => {
        const per = r.perThread.map(fmtRate).join(' ');
        const s = svc.status();
        console.log(`${fmtRate(r.hashRate)} [${per}]  shares ${r.accepted} accepted, ${r.rejected} rejected, ${r.stale} stale  pool ${r.poolState}${s.pool.difficulty !== null ? ` diff ${s.pool.difficulty}` : ''}${s.pool.lastError && r.poolState !== 'mining' ? `  (${s.pool.lastError})` : ''}`);
      });
      core.events.on('mining-share', (sh) => {
        console.log(`share ${sh.outcome}: job ${sh.jobId}, difficulty ${sh.hashDifficulty.toPrecision(4)} (pool ${sh.difficulty})${sh.reason ? `: ${sh.reason}` : ''}`);
      });
      const timeout = seconds !== undefined ? new Promise<string>((r) => setTimeout(() => r('time'), seconds * 1000).unref()) : new Promise<string>(() => undefined);
      const why = await Promise.race([stopped, timeout]);
      const end = await svc.stop();
      console.log(`stopped (${why === 'time' ? `after ${seconds} s` : why}): ${end.accepted} accepted, ${end.rejected} rejected, ${end.stale} stale shares this run`);
      return 0;
    } finally {
      await core.close();
    }
  },
};
