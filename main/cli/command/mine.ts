import fs from 'node:fs';
import os from 'node:os';
import { HandlerError } from '#contract/index';
import { startCore } from '#core/app';
import type { MiningPoolCheck } from '#contract/index';
import { miningModule } from '#core/mining/module';
import { POOL_PRESETS } from '#core/mining/service';
import { parsePoolUrl, type PoolConfig } from '#core/mining/stratum';
import { dataDirOf, withClient } from '../client.ts';
import { DATA_DIR_DOC, numberOption, UsageError, type Command, flagOptions, textOptions } from '../command.ts';
import { formatDuration } from './train.ts';

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

/** "2 rejected (Above target ×2)": the count with the pool's reasons. */
export function rejectedText(n: number, reasons: Record<string, number>): string {
  const parts = Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([why, k]) => `${why} ×${k}`);
  return `${n} rejected${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

export function checkText(c: MiningPoolCheck): string[] {
  if (!c.ok) return [`${c.url}: check failed${c.refused ? ' (refused)' : ''}: ${c.error ?? 'no reason given'}`];
  const lines = [
    `${c.url}: ok — first job ${c.msToJob} ms after connecting`,
    `  difficulty        ${c.difficulty}`,
    `  job version       ${c.jobVersion}`,
    `  version rolling   ${c.versionRollingMask !== null ? `mask ${c.versionRollingMask.toString(16).padStart(8, '0')}` : 'not offered (mining works without it)'}`,
    `  extranonce        extranonce1 ${c.extranonce1Bytes} bytes, extranonce2 ${c.extranonce2Size} bytes`,
  ];
  if (c.hashRate !== null && c.expectedSecondsPerShare !== null) {
    lines.push(`  this machine      ${fmtRate(c.hashRate)} (${c.hashRateSource})`);
    lines.push(
      `  time to a share   ${c.expectedSecondsPerShare < 60 ? `${c.expectedSecondsPerShare.toPrecision(3)} s` : formatDuration(c.expectedSecondsPerShare)} on average at that difficulty (an estimate)`,
    );
  }
  return lines;
}

export const mineCommand: Command = {
  name: 'mine',
  summary: 'Mine Bitcoin on the CPU through a Stratum pool, with live hash rate and shares (Ctrl-C stops)',
  usage:
    '[--pool URL | --preset ID] [--user WORKER] [--pass-file FILE] [--threads N] [--power 25|50|75|100] [--seconds S] [--check] [--data-dir DIR]',
  details:
    'Without --pool it uses the pools saved on the Mining page (the first preferred, the others as failover).\n' +
    'The password of a pool given with --pool or --preset comes from --pass-file FILE (its first line, readable by you\n' +
    'alone: chmod 600), else from the environment variable HEARTH_POOL_PASSWORD, else "x". It is never an argument:\n' +
    'other users see a command line in the process list (ps). The saved pools use the passwords saved with them.\n' +
    '--check connects once (subscribe, version rolling, authorise, first job), prints what the pool sent and the expected\n' +
    'time to a share on this machine, and exits 0 (usable) or 1 (with the reason).\n' +
    `Presets: ${POOL_PRESETS.map((p) => `${p.id} (${p.url}; user: ${p.userHint})`).join('; ')}.\n` +
    'Shares are stored in the ledger. A pool that refuses the worker stops mining with exit code 1.',
  docs: {
    pool: {
      value: 'URL',
      text: 'a Stratum pool, stratum+tcp://host:port',
      default: 'the pools saved on the Mining page',
    },
    preset: { value: 'ID', text: 'a known pool by name (see below)' },
    user: { value: 'WORKER', text: 'the worker name the pool knows you by', default: 'the saved one' },
    'pass-file': {
      value: 'FILE',
      text: 'read the pool password from this file (first line; mode 600)',
      default: 'HEARTH_POOL_PASSWORD, else "x"',
    },
    pass: { value: 'PASSWORD', text: 'not accepted: a password on the command line shows in ps; use --pass-file' },
    threads: { value: 'N', text: 'hashing threads', default: 'the saved setting', unit: 'threads', example: '2' },
    power: {
      value: '25|50|75|100',
      text: 'percent of each thread’s time spent hashing',
      default: 'the saved setting',
      unit: 'percent',
      example: '50',
    },
    seconds: { value: 'S', text: 'stop after this long', default: 'until Ctrl-C', unit: 'seconds', example: '60' },
    check: { text: 'connect once, print what the pool sent, exit 0 (usable) or 1' },
    'data-dir': DATA_DIR_DOC,
  },
  examples: [
    'hearth mine --preset ckpool-solo --user bc1q...yourAddress.rig --threads 2',
    'hearth mine --check --preset ckpool-solo --user bc1q...yourAddress.rig',
  ],
  options: {
    ...flagOptions('check'),
    ...textOptions('pool', 'preset', 'user', 'pass', 'pass-file', 'threads', 'power', 'seconds', 'data-dir'),
  },
  async run({ values, stopped }) {
    if (values['pass'] !== undefined)
      throw new UsageError(
        '--pass is not accepted: every user of this machine can read a command line in the process list (ps). ' +
          'Put the password in a file only you can read and give --pass-file FILE, or set HEARTH_POOL_PASSWORD, ' +
          'or save it with the pool on the Mining page',
      );
    const threads = numberOption(values['threads'], 'threads', { min: 1, max: os.availableParallelism() });
    const power = numberOption(values['power'], 'power', { min: 1, max: 100 });
    const seconds = numberOption(values['seconds'], 'seconds', { min: 1, max: 10 ** 7, integer: false });
    let pools: PoolConfig[] | undefined;
    let url = typeof values['pool'] === 'string' ? values['pool'] : undefined;
    if (values['preset'] !== undefined) {
      const preset = POOL_PRESETS.find((p) => p.id === values['preset']);
      if (!preset)
        throw new UsageError(
          `--preset ${String(values['preset'])} is not known: use one of ${POOL_PRESETS.map((p) => p.id).join(', ')}`,
        );
      if (url !== undefined) throw new UsageError('--preset and --pool both name a pool: give one of them');
      url = preset.url;
    }
    const passFile = typeof values['pass-file'] === 'string' ? values['pass-file'] : undefined;
    const password = passFile !== undefined ? readPassFile(passFile) : (process.env['HEARTH_POOL_PASSWORD'] ?? 'x');
    if (url !== undefined) {
      try {
        parsePoolUrl(url);
      } catch (e) {
        throw new UsageError(`--pool: ${(e as Error).message}`);
      }
      const user = values['user'];
      if (typeof user !== 'string' || !user.trim())
        throw new UsageError(
          `${values['preset'] !== undefined ? '--preset' : '--pool'} needs --user WORKER (your pool account, often account.worker; on a solo pool your Bitcoin address)`,
        );
      pools = [{ url, user: user.trim(), password }];
    } else if (values['user'] !== undefined || passFile !== undefined) {
      throw new UsageError(
        '--user and --pass-file go with --pool URL or --preset ID (the saved pools use the worker and password saved with them)',
      );
    }
    if (values['check'] === true) {
      // One connection and a short measurement: the running Hearth's mining domain does it when there is one.
      return withClient(values, async ({ send }) => {
        const c = await send('mining-check', {
          ...(pools ? { pool: { url: pools[0]!.url, user: pools[0]!.user, password } } : {}),
          ...(threads !== undefined ? { threads } : {}),
        });
        for (const line of checkText(c)) console.log(line);
        return c.ok ? 0 : 1;
      });
    }
    // Mining itself runs here, in the foreground, for as long as the command runs: with this run's
    // pool, threads and power (not saved), its hash rate and shares printed as they come.
    const core = await startCore({
      dataDir: dataDirOf(values),
      modules: [miningModule()],
      log: { info: (m) => console.error(m), warn: (m) => console.error(m), error: (m) => console.error(m) },
    });
    try {
      const svc = core.service('mining');
      let refused: string | null = null;
      let onRefused: () => void = () => undefined;
      const refusal = new Promise<string>((r) => (onRefused = () => r('refused')));
      core.events.on('mining-refused', (r) => {
        refused = r.reason;
        onRefused();
      });
      let st;
      try {
        st = await svc.start({
          ...(pools ? { pools } : {}),
          ...(threads !== undefined ? { threads } : {}),
          ...(power !== undefined ? { powerPct: power } : {}),
        });
      } catch (e) {
        if (e instanceof HandlerError) throw new UsageError(`${e.message}${e.hint ? ` (${e.hint})` : ''}`);
        throw e;
      }
      console.log(
        `mining with ${st.threads} thread(s) at ${st.powerPct} % power; kernel: ${st.kernel?.description ?? 'unknown'}`,
      );
      let lastWhy: string | null = null;
      core.events.on('hash-rate', (r) => {
        const per = r.perThread.map(fmtRate).join(' ');
        const s = svc.status();
        if (s.pool.why && s.pool.why !== lastWhy) {
          lastWhy = s.pool.why;
          console.log(`pool ${s.pool.index !== null ? s.pool.index + 1 : '?'}: ${s.pool.url} (${s.pool.why})`);
        }
        const problem = s.health.state === 'unhealthy' ? `  UNPAID: ${s.health.problem}` : '';
        console.log(
          `${fmtRate(r.hashRate)} [${per}]  shares ${r.accepted} accepted, ${rejectedText(r.rejected, r.rejectReasons)}, ${r.stale} stale  pool ${r.poolState}${s.pool.difficulty !== null ? ` diff ${s.pool.difficulty}` : ''}${s.pool.lastError && r.poolState !== 'mining' ? `  (${s.pool.lastError})` : ''}${problem}`,
        );
      });
      core.events.on('mining-share', (sh) => {
        console.log(
          `share ${sh.outcome}: job ${sh.jobId}, difficulty ${sh.hashDifficulty.toPrecision(4)} (pool ${sh.difficulty})${sh.reason ? `: ${sh.reason}` : ''}`,
        );
      });
      const timeout =
        seconds !== undefined
          ? new Promise<string>((r) => setTimeout(() => r('time'), seconds * 1000).unref())
          : new Promise<string>(() => undefined);
      const why = await Promise.race([stopped, timeout, refusal]);
      const end = await svc.stop();
      if (refused !== null) {
        console.error(`mining stopped: ${refused}`);
        return 1;
      }
      console.log(
        `stopped (${why === 'time' ? `after ${seconds} s` : why}): ${end.accepted} accepted, ${rejectedText(end.rejected, end.rejectReasons)}, ${end.stale} stale shares this run`,
      );
      return 0;
    } finally {
      await core.close();
    }
  },
};

/** Longer than any pool password: a file this size was named by mistake. */
const PASS_FILE_MAX_BYTES = 1024;

/**
 * The password from --pass-file: its first line, trimmed. A file that other users can read is
 * refused (as ssh refuses such a key): the point of the file is that only its owner sees it.
 */
export function readPassFile(file: string): string {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--pass-file ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}. Write the pool password into it (chmod 600)`,
    );
  }
  if (!st.isFile())
    throw new UsageError(`--pass-file ${file} is not a file: name the file that holds the pool password`);
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0)
    throw new UsageError(
      `--pass-file ${file} can be read by other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${file} and try again`,
    );
  if (st.size > PASS_FILE_MAX_BYTES)
    throw new UsageError(
      `--pass-file ${file} is ${st.size} bytes; it should hold only the pool password (at most ${PASS_FILE_MAX_BYTES} bytes)`,
    );
  const password = (fs.readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '').trim();
  if (!password) throw new UsageError(`--pass-file ${file} is empty: write the pool password on its first line`);
  return password;
}
