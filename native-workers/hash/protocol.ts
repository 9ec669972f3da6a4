import type { KernelInfo, KernelRoute } from './kernel.ts';

/** What a hashing thread is given at start (workerData). */
export type HashInit = {
  index: number;
  /** BigInt64Array: hashes done per thread, added by each thread to its own slot only. */
  counters: SharedArrayBuffer;
  /** Int32Array: duty cycle per thread in percent (0 pauses, 100 is full speed). */
  duty: SharedArrayBuffer;
  /** Kernel to use; 'auto' picks native where it was built, else WebAssembly. */
  route?: KernelRoute | 'auto';
  /** Thread niceness (0..19, default 10): the miner yields the cores to everything else. */
  nice?: number;
};

/** One unit of work: a header (76 bytes, no nonce) and the nonces this thread may try. */
export type HashWork = {
  type: 'work';
  /** The pool's job id plus the slot (extranonce2 value) the header was built with. */
  jobId: string;
  slot: number;
  header: Uint8Array;
  /** 256-bit share target as hex. */
  target: string;
  nonceStart: number;
  /** Exclusive; at most 2^32. */
  nonceEnd: number;
};

export type HashCommand = HashWork | { type: 'idle' } | { type: 'stop' };

export type HashEvent =
  | { type: 'ready'; kernel: KernelInfo }
  | { type: 'share'; jobId: string; slot: number; nonce: number; hash: string }
  | { type: 'exhausted'; jobId: string; slot: number }
  | { type: 'error'; message: string };
