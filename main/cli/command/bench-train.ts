import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TrainSpec } from '#contract/index';
import { startTraining, TRAIN_DEFAULTS } from '#core/job/train-session';
import { Kernel, naiveGemm } from '#workers/train/gemm';
import { JSON_DOC, numberOption, type Command, flagOptions, textOptions } from '../command.ts';

const SIZES = [256, 512];
const TRIALS = 3;

/** Runs `fn` repeatedly for about `ms` and returns GFLOP/s for `flops` per call. */
function rate(flops: number, ms: number, fn: () => void): number {
  fn(); // warm-up: compile and touch the memory
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    fn();
    reps++;
    t = performance.now();
  }
  return (flops * reps) / ((t - t0) / 1000) / 1e9;
}

export function wasmGemmRate(n: number, ms: number): number {
  const k = new Kernel();
  const a = k.alloc(n * n);
  const b = k.alloc(n * n);
  const c = k.alloc(n * n);
  k.view(a).forEach((_, i, v) => (v[i] = Math.sin(i)));
  k.view(b).forEach((_, i, v) => (v[i] = Math.cos(i)));
  return rate(2 * n ** 3, ms, () => k.gemm(n, n, n, a, b, c));
}

function naiveGemmRate(n: number, ms: number): number {
  const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
  const c = new Float32Array(n * n);
  return rate(2 * n ** 3, ms, () => naiveGemm(n, n, n, a, b, c));
}

const NUMPY_SCRIPT = `
import ctypes, json, sys, time
import numpy as np
libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() and '.so' in l})
core = None
for p in libs:
    lib = ctypes.CDLL(p)
    for sym in ('openblas_get_corename', 'openblas_get_corename64_', 'scipy_openblas_get_corename64_'):
        f = getattr(lib, sym, None)
        if f is not None:
            f.restype = ctypes.c_char_p
            core = f().decode()
            break
    if core:
        break
out = {}
ms = float(sys.argv[1])
for n in map(int, sys.argv[2:]):
    a = np.random.rand(n, n).astype(np.float32)
    b = np.random.rand(n, n).astype(np.float32)
    c = a @ b
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < ms / 1000:
        np.matmul(a, b, out=c)
        reps += 1
    out[n] = 2 * n ** 3 * reps / (time.perf_counter() - t0) / 1e9
print(json.dumps({'python': sys.executable, 'numpy': np.__version__, 'blas': libs, 'kernel': core, 'gflops': out}))
`;

export type BlasResult = {
  python: string;
  numpy: string;
  blas: string[];
  kernel: string | null;
  gflops: Record<string, number>;
};

/**
 * Single-threaded sgemm through numpy, preferring Debian's python3 (its numpy uses whatever
 * libblas.so.3 the system selected: OpenBLAS once libopenblas0 is installed). OPENBLAS_CORETYPE
 * and OPENBLAS_L2_SIZE are removed for this command alone so OpenBLAS picks its own best kernel.
 */
export function numpyRates(sizes: number[], ms: number): BlasResult | { error: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  delete env['OPENBLAS_CORETYPE'];
  delete env['OPENBLAS_L2_SIZE'];
  const candidates = ['/usr/bin/python3', 'python3'].filter((p) => !p.startsWith('/') || fs.existsSync(p));
  let last = 'python3 not found';
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', NUMPY_SCRIPT, String(ms), ...sizes.map(String)], {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status === 0) return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as BlasResult;
    last = r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`);
  }
  return { error: `no numpy reference (${last}): install python3-numpy and libopenblas0-pthread` };
}

/** Training throughput over about `ms` after the first report (thread start-up excluded). */
export async function trainRate(spec: TrainSpec, ms: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-train-'));
  try {
    let first: { t: number; step: number } | null = null;
    let last: { t: number; step: number } | null = null;
    let run: ReturnType<typeof startTraining> | null = null;
    run = startTraining(spec, dir, {
      onProgress: (p) => {
        const now = performance.now();
        if (!first) first = { t: now, step: p.step };
        else last = { t: now, step: p.step };
        if (first && now - first.t >= ms) void run?.stop();
      },
    });
    await run.done;
    const f = first as { t: number; step: number } | null;
    const l = last as { t: number; step: number } | null;
    if (!f || !l) throw new Error('the training run ended before two progress reports: raise --seconds');
    return ((l.step - f.step) * spec.batchSize * 1000) / (l.t - f.t);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const benchTrainCommand: Command = {
  name: 'bench train',
  summary:
    'Measure the training kernel (GFLOP/s per core vs OpenBLAS through numpy, and a naive JS loop) and training throughput on 1 and N threads',
  usage: '[--threads N] [--batch N] [--seconds S] [--json]',
  options: { ...flagOptions('json'), ...textOptions('threads', 'batch', 'seconds') },
  docs: {
    threads: {
      value: 'N',
      text: 'training threads for the N-thread run',
      default: 'every logical core, at least 2',
      unit: 'threads',
      example: '4',
    },
    batch: { value: 'N', text: 'samples per training step', default: '512', unit: 'samples' },
    seconds: { value: 'S', text: 'how long each measurement runs', default: '3', unit: 'seconds' },
    json: JSON_DOC,
  },
  examples: ['hearth bench train --threads 4'],
  async run({ values }) {
    const threads =
      numberOption(values['threads'], 'threads', { min: 1, max: 64 }) ?? Math.max(2, os.availableParallelism());
    const batch = numberOption(values['batch'], 'batch', { min: 4, max: 65_536 }) ?? 512;
    const seconds = numberOption(values['seconds'], 'seconds', { min: 0.5, max: 120, integer: false }) ?? 3;
    const json = values['json'] === true;
    const ms = (seconds * 1000) / 6;
    const say = (s: string) => {
      if (!json) console.log(s);
    };
    say(
      `CPU: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.availableParallelism()} logical cores; Node ${process.versions.node}`,
    );
    say(`GEMM (C = A·B, square f32, one thread), GFLOP/s, best of ${TRIALS} interleaved trials:`);
    // Other processes share the cores: the kernels take turns, and each keeps its best trial.
    const best = new Map<string, number>();
    const keep = (k: string, v: number | undefined) => {
      if (v !== undefined) best.set(k, Math.max(best.get(k) ?? 0, v));
    };
    let blas: BlasResult | { error: string } = { error: 'not run' };
    for (let t = 0; t < TRIALS; t++) {
      const r = numpyRates(SIZES, ms / TRIALS);
      if ('gflops' in r || t === 0) blas = r;
      if (!('gflops' in r)) break;
      for (const n of SIZES) keep(`blas${n}`, r.gflops[String(n)]);
      for (const n of SIZES) keep(`wasm${n}`, wasmGemmRate(n, ms / TRIALS));
    }
    if (!('gflops' in blas)) for (const n of SIZES) keep(`wasm${n}`, wasmGemmRate(n, ms));
    const gemm: { n: number; wasm: number; naive: number | null; blas: number | null; ratio: number | null }[] = [];
    for (const n of SIZES) {
      const wasm = best.get(`wasm${n}`)!;
      const naive = n <= 256 ? naiveGemmRate(n, ms / 2) : null;
      const ref = best.get(`blas${n}`) ?? null;
      const row = { n, wasm, naive, blas: ref, ratio: ref ? wasm / ref : null };
      gemm.push(row);
      say(
        `  n=${n}: Hearth WASM SIMD ${wasm.toFixed(1)}` +
          (naive !== null ? `, naive JS ${naive.toFixed(2)} (${(wasm / naive).toFixed(1)}x)` : '') +
          (ref !== null ? `, OpenBLAS ${ref.toFixed(1)} → ${(100 * (wasm / ref)).toFixed(0)} % of OpenBLAS` : ''),
      );
    }
    if ('error' in blas) say(`  reference: ${blas.error}`);
    else
      say(
        `  reference: ${blas.python}, numpy ${blas.numpy}, ${blas.blas.map((b) => path.basename(b)).join(' + ')}, OpenBLAS kernel ${blas.kernel ?? 'not OpenBLAS'} (OPENBLAS_NUM_THREADS=1)`,
      );

    const spec: TrainSpec = {
      kind: 'train',
      ...TRAIN_DEFAULTS,
      steps: 1_000_000,
      batchSize: Math.ceil(batch / (4 * threads)) * 4 * threads,
      hidden: 256,
      checkpointEvery: 1_000_000,
    };
    say(
      `Training (character MLP, context ${spec.context}, hidden ${spec.hidden}, batch ${spec.batchSize}), samples/s (a sample is one predicted character, so also tokens/s):`,
    );
    let one = 0;
    let many = 0;
    for (let t = 0; t < 2; t++) {
      one = Math.max(one, await trainRate({ ...spec, threads: 1 }, ms * 0.75));
      many = Math.max(many, await trainRate({ ...spec, threads }, ms * 0.75));
    }
    say(`  1 thread:  ${Math.round(one).toLocaleString('en-US')} (best of 2)`);
    say(
      `  ${threads} threads: ${Math.round(many).toLocaleString('en-US')} (best of 2; ${(many / one).toFixed(2)}x of 1 thread)`,
    );
    const load = os.loadavg()[0] ?? 0;
    say(
      `  load average ${load.toFixed(2)} on ${os.availableParallelism()} cores during the run${load > 0.5 ? ': other processes compete for the cores, so the thread scaling is understated' : ''}`,
    );
    if (json) {
      console.log(
        JSON.stringify(
          {
            gemm,
            blas,
            train: { threads, oneThread: one, nThreads: many, speedup: many / one },
            loadAverage: os.loadavg()[0],
          },
          null,
          2,
        ),
      );
    }
    return 0;
  },
};
