/**
 * One hashing thread. It scans its nonce range in chunks of about 20 ms, adds each chunk's count
 * to its own slot of the shared counter array (the host reads it once a second, no lock), and
 * between chunks goes back to the event loop so new work arrives within one chunk. A duty cycle
 * below 100 % sleeps in proportion after each chunk, so heat output can be set smoothly.
 */
import os from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createKernel, NONCES_PER_TURN } from './kernel.ts';
import type { HashCommand, HashEvent, HashInit, HashWork } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('The hash worker must run in a worker thread');
const init = workerData as HashInit;
const counters = new BigInt64Array(init.counters);
const duty = new Int32Array(init.duty);
const post = (m: HashEvent) => port.postMessage(m);

const CHUNK_MS = 20;
// Hashing is background work: lower this thread's priority (on Linux setpriority on pid 0 affects
// the calling thread only) so the app's main thread and the user's programs win the cores.
try {
  os.setPriority(init.nice ?? 10);
} catch {
  // Not permitted here (or not supported): run at normal priority.
}
const kernel = createKernel(init.route ?? 'auto');
let work: HashWork | null = null;
let next = 0;
let stopped = false;
let wake: (() => void) | null = null;

port.on('message', (m: HashCommand) => {
  if (m.type === 'stop') stopped = true;
  else if (m.type === 'idle') work = null;
  else {
    work = m;
    next = m.nonceStart;
    kernel.setWork(m.header, BigInt('0x' + m.target));
  }
  wake?.();
});

const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      wake = null;
      resolve();
    }, ms);
    wake = () => {
      clearTimeout(t);
      wake = null;
      resolve();
    };
  });
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));

async function run(): Promise<void> {
  post({ type: 'ready', kernel: kernel.info });
  let chunk = 64 * 1024;
  while (!stopped) {
    const pct = Atomics.load(duty, init.index);
    if (!work || pct <= 0) {
      await sleep(200);
      continue;
    }
    const w = work;
    const count = Math.min(chunk, w.nonceEnd - next);
    const t0 = performance.now();
    const found = kernel.scan(next, count);
    const ms = performance.now() - t0;
    Atomics.add(counters, init.index, BigInt(count));
    for (const f of found)
      post({ type: 'share', jobId: w.jobId, slot: w.slot, nonce: f.nonce, hash: f.hash.toString('hex') });
    next += count;
    if (next >= w.nonceEnd && work === w) {
      work = null;
      post({ type: 'exhausted', jobId: w.jobId, slot: w.slot });
    }
    // Aim each chunk at CHUNK_MS so new work and duty changes take effect quickly.
    const ideal = Math.round((count * CHUNK_MS) / Math.max(ms, 0.1) / NONCES_PER_TURN) * NONCES_PER_TURN;
    chunk = Math.max(NONCES_PER_TURN * 256, Math.min(ideal, 1 << 22));
    if (pct < 100) await sleep((ms * (100 - pct)) / pct);
    else await yieldToEvents();
  }
}

run().catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
