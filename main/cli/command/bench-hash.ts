import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { loadNative, type KernelRoute } from '#workers/hash/kernel';
import { poolRate, type HashRun } from '#workers/hash/measure';
import { sha256d } from '#workers/hash/sha';
import { JSON_DOC, numberOption, type Command, flagOptions, textOptions } from '../command.ts';

export type OpensslRef = { bytesPerSec: number; noncesPerSec: number; version: string } | { error: string };

/**
 * This CPU's single-core SHA-256 rate from `openssl speed` on 16 KiB blocks (SHA extensions or
 * AVX2 where the CPU has them). Each nonce costs two 64-byte compressions, so nonces/s = bytes/s
 * ÷ 64 ÷ 2: a miner per core at ratio 1.0 matches OpenSSL's best bulk SHA-256.
 */
export function opensslSha256(seconds: number): OpensslRef {
  const r = spawnSync('openssl', ['speed', '-seconds', String(seconds), '-bytes', '16384', 'sha256'], {
    encoding: 'utf8',
    timeout: (seconds + 20) * 1000,
  });
  if (r.error || r.status !== 0)
    return {
      error: `openssl speed did not run (${r.error?.message ?? r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`}); install openssl for the reference`,
    };
  const line = r.stdout.split('\n').find((l) => /^sha256\s/.test(l));
  const m = line?.match(/([\d.]+)k\s*$/);
  if (!m) return { error: `could not read openssl's output: ${r.stdout.trim().split('\n').at(-1)}` };
  const bytesPerSec = Number(m[1]) * 1000;
  const version = spawnSync('openssl', ['version'], { encoding: 'utf8' }).stdout.trim();
  return { bytesPerSec, noncesPerSec: bytesPerSec / 128, version };
}

/** A naive miner: one node:crypto double hash per nonce on the main thread; per CPU-second like the rest. */
export function naiveCryptoRate(ms: number): number {
  const header = new Uint8Array(80);
  const view = new DataView(header.buffer);
  let n = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 1000; i++) {
      view.setUint32(76, n++, true);
      sha256d(header);
    }
    t = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return n / Math.max((cpu.user + cpu.system) / 1e6, 1e-3);
}

const fmt = (hps: number) => `${(hps / 1e6).toFixed(2)} MH/s`;

export const benchHashCommand: Command = {
  name: 'bench hash',
  summary:
    "Measure the SHA-256d mining kernel (H/s per thread) against this CPU's OpenSSL SHA-256 rate and a naive node:crypto loop",
  usage: '[--threads N] [--seconds S] [--json]',
  options: { ...flagOptions('json'), ...textOptions('threads', 'seconds') },
  docs: {
    threads: { value: 'N', text: 'hashing threads', default: 'every logical core', unit: 'threads', example: '2' },
    seconds: { value: 'S', text: 'how long each measurement runs', default: '3', unit: 'seconds' },
    json: JSON_DOC,
  },
  examples: ['hearth bench hash --threads 2 --seconds 5'],
  async run({ values }) {
    const threads = numberOption(values['threads'], 'threads', { min: 1, max: 256 }) ?? os.availableParallelism();
    const seconds = numberOption(values['seconds'], 'seconds', { min: 1, max: 120, integer: false }) ?? 3;
    const json = values['json'] === true;
    const say = (s: string) => {
      if (!json) console.log(s);
    };
    say(
      `CPU: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} logical cores; Node ${process.versions.node}`,
    );
    const ref = opensslSha256(2);
    const naive = naiveCryptoRate(Math.min(1000, (seconds * 1000) / 4));
    const native = loadNative();
    const routes: KernelRoute[] = native.ok ? ['native', 'wasm-simd'] : ['wasm-simd'];
    const refRate = 'noncesPerSec' in ref ? ref.noncesPerSec : null;
    const ratio = (x: number) => (refRate ? x / refRate : null);
    say(
      `reference: ${'error' in ref ? ref.error : `${ref.version}, sha256 16 KiB blocks ${(ref.bytesPerSec / 1e6).toFixed(0)} MB/s on one core = ${fmt(ref.noncesPerSec)} (÷ 64 B ÷ 2 compressions)`}`,
    );
    say(
      `naive node:crypto loop (main thread): ${fmt(naive)} per CPU-second${refRate ? `, ratio ${(naive / refRate).toFixed(3)}` : ''}`,
    );
    if (!native.ok) say(`native route: ${native.reason}`);
    // One thread per route: the per-core figure the ratio is about.
    const single: (HashRun & { route: KernelRoute })[] = [];
    for (const route of routes) {
      const r = await poolRate(1, (seconds * 1000) / (routes.length + 1), route);
      single.push({ ...r, route });
      const ratios = refRate
        ? `, ratio ${ratio(r.perCpuSecond)!.toFixed(3)} of OpenSSL per CPU-second (${ratio(r.total)!.toFixed(3)} by wall clock)`
        : '';
      say(
        `1 thread, ${r.kernel}: ${fmt(r.perCpuSecond)} per CPU-second, ${fmt(r.total)} by wall clock${ratios}, ${(r.perCpuSecond / naive).toFixed(1)}x the naive loop`,
      );
    }
    const best = routes[0]!;
    const many = threads > 1 ? await poolRate(threads, (seconds * 1000) / (routes.length + 1), best) : single[0]!;
    const perCoreMany = many.total / threads;
    if (threads > 1) {
      say(
        `${threads} threads (${best}): ${fmt(many.total)} total, per thread ${many.perThread.map(fmt).join(', ')}; per core ${fmt(perCoreMany)} by wall clock, ${fmt(many.perCpuSecond)} per CPU-second${refRate ? `, ratio ${ratio(many.perCpuSecond)!.toFixed(3)} (${ratio(perCoreMany)!.toFixed(3)} by wall clock)` : ''}`,
      );
    }
    say(
      `main-thread event-loop delay at full speed on ${threads} threads: p99 ${many.eventLoopP99Ms.toFixed(1)} ms, max ${many.eventLoopMaxMs.toFixed(1)} ms`,
    );
    const load = os.loadavg()[0] ?? 0;
    say(
      `load average ${load.toFixed(2)} on ${os.availableParallelism()} cores${load > 0.5 ? ': other processes compete for the cores, so rates are understated' : ''}`,
    );
    if (json) {
      console.log(
        JSON.stringify(
          {
            // ratio: per CPU-second, as openssl speed measures; wallRatio: by the wall clock.
            routes: single.map((r) => ({
              route: r.route,
              kernel: r.kernel,
              perCoreHps: r.total,
              perCpuSecondHps: r.perCpuSecond,
              ratio: ratio(r.perCpuSecond),
              wallRatio: ratio(r.total),
            })),
            native: native.ok ? { available: true } : { available: false, reason: native.reason },
            reference: ref,
            naive: { hps: naive, ratio: ratio(naive) },
            nThreads: {
              ...many,
              route: best,
              perCoreHps: perCoreMany,
              perCpuSecondHps: many.perCpuSecond,
              ratio: ratio(many.perCpuSecond),
              wallRatio: ratio(perCoreMany),
            },
            loadAverage: load,
          },
          null,
          2,
        ),
      );
    }
    return 0;
  },
};
