import fs from 'node:fs';
import path from 'node:path';
import { nodeOutDir } from '../locate.ts';
import { hashValue, jobParams, sha256d, topWordThreshold } from './sha.ts';

/** Layout shared with build.mjs (kernel.test.ts checks they agree). */
export const KERNEL_LAYOUT = { params: 0, found: 256, left: 252, maxFound: 256, streams: 2 } as const;
/** Nonces one loop turn of the kernel covers (4 lanes × streams). */
export const NONCES_PER_TURN = 4 * KERNEL_LAYOUT.streams;

/** Which kernel hashes: shown in the UI and the benchmark. */
export type KernelInfo = { route: 'wasm-simd'; lanes: number; description: string };

type ScanExports = { memory: WebAssembly.Memory; scan(start: number, turns: number): number };

export type Candidate = { nonce: number; hash: Buffer };

let compiled: WebAssembly.Module | undefined;

export function kernelWasmFile(): string {
  return path.join(nodeOutDir(), 'workers', 'hash-sha256d.wasm');
}

/**
 * The WebAssembly SIMD SHA-256d scanner: set a header and a target, then scan nonce ranges.
 * The kernel only pre-filters on the top hash word; every candidate is re-hashed here with
 * node:crypto and compared against the full target, so a kernel bug can cost shares but can
 * never report a wrong one.
 */
export class HashKernel {
  readonly info: KernelInfo = {
    route: 'wasm-simd',
    lanes: NONCES_PER_TURN,
    description: `WebAssembly SIMD, 4 lanes × ${KERNEL_LAYOUT.streams} streams, midstate + 3 precomputed rounds, early exit on the last word`,
  };
  private readonly ex: ScanExports;
  private readonly u32: Uint32Array;
  private header = new Uint8Array(80);
  private target = 0n;

  constructor() {
    compiled ??= new WebAssembly.Module(fs.readFileSync(kernelWasmFile()));
    this.ex = new WebAssembly.Instance(compiled, {}).exports as unknown as ScanExports;
    this.u32 = new Uint32Array(this.ex.memory.buffer);
  }

  /** `header`: 76 or 80 bytes (a nonce already there is ignored); `target`: 256-bit share target. */
  setWork(header: Uint8Array, target: bigint): void {
    this.header = new Uint8Array(80);
    this.header.set(header.subarray(0, 76));
    this.target = target;
    const p = jobParams(this.header);
    this.u32.set(p, KERNEL_LAYOUT.params / 4);
    this.u32[KERNEL_LAYOUT.params / 4 + 22] = topWordThreshold(target);
  }

  /**
   * Hashes nonces start .. start + count - 1 (count a multiple of NONCES_PER_TURN; wraps at
   * 2^32) and returns those whose hash meets the target. `pre` receives nonces that passed the
   * kernel's top-word filter (tests use it to check the filter against node:crypto).
   */
  scan(start: number, count: number, pre?: (nonce: number) => void): Candidate[] {
    if (count % NONCES_PER_TURN !== 0) throw new Error(`count must be a multiple of ${NONCES_PER_TURN}`);
    const out: Candidate[] = [];
    let turns = count / NONCES_PER_TURN;
    let base = start >>> 0;
    while (turns > 0) {
      const found = this.ex.scan(base | 0, turns);
      const left = this.u32[KERNEL_LAYOUT.left / 4]!;
      for (let i = 0; i < found; i++) {
        const nonce = this.u32[KERNEL_LAYOUT.found / 4 + i]!;
        pre?.(nonce);
        const hash = this.hashAt(nonce);
        if (hashValue(hash) <= this.target) out.push({ nonce, hash });
      }
      base = (base + (turns - left) * NONCES_PER_TURN) >>> 0;
      turns = left;
    }
    return out;
  }

  /** The header with `nonce` filled in. */
  headerAt(nonce: number): Uint8Array {
    const h = new Uint8Array(this.header);
    new DataView(h.buffer).setUint32(76, nonce >>> 0, true);
    return h;
  }

  hashAt(nonce: number): Buffer {
    return sha256d(this.headerAt(nonce));
  }
}
