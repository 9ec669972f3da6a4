import fs from 'node:fs';
import { nodeOutDir } from '../locate.ts';
import path from 'node:path';

/** Shape rules of the WebAssembly micro-kernel (see build.mjs): M in steps of 4, N in steps of 8. */
export const GEMM_ROW_STEP = 4;
export const GEMM_COL_STEP = 8;

type GemmExports = {
  memory: WebAssembly.Memory;
  gemm(M: number, N: number, K: number, a: number, b: number, c: number, acc: number): void;
  gemm_tn(M: number, N: number, K: number, a: number, b: number, c: number, acc: number): void;
  bias_tanh(p: number, rows: number, cols: number, bias: number): void;
  tanh_grad(d: number, h: number, n: number): void;
  exp_sub(p: number, n: number, m: number): void;
};

/** A matrix (or vector) living in the kernel's linear memory: `off` is a float index into `mem.f32`. */
export type Tensor = { off: number; len: number };

let compiled: WebAssembly.Module | undefined;

export function gemmWasmFile(): string {
  return path.join(nodeOutDir(), 'workers', 'train-gemm.wasm');
}

/**
 * The f32 kernel with its own linear memory and a bump allocator. Every buffer the model needs
 * is allocated once up front, so the hot loop never allocates.
 */
export class Kernel {
  private readonly ex: GemmExports;
  f32: Float32Array;
  private top = 64; // bytes; keep address 0 unused

  constructor() {
    compiled ??= new WebAssembly.Module(fs.readFileSync(gemmWasmFile()));
    this.ex = new WebAssembly.Instance(compiled, {}).exports as unknown as GemmExports;
    this.f32 = new Float32Array(this.ex.memory.buffer);
  }

  /** Reserves `len` floats, 64-byte aligned, zero-filled. */
  alloc(len: number): Tensor {
    const bytes = Math.ceil((len * 4) / 64) * 64;
    const need = this.top + bytes;
    const have = this.ex.memory.buffer.byteLength;
    if (need > have) {
      this.ex.memory.grow(Math.ceil((need - have) / 65536));
      this.f32 = new Float32Array(this.ex.memory.buffer);
    }
    const t = { off: this.top / 4, len };
    this.top = need;
    return t;
  }

  view(t: Tensor): Float32Array {
    return this.f32.subarray(t.off, t.off + t.len);
  }

  private check(M: number, N: number): void {
    if (M % GEMM_ROW_STEP !== 0 || N % GEMM_COL_STEP !== 0) {
      throw new Error(`gemm: M must be a multiple of ${GEMM_ROW_STEP} and N of ${GEMM_COL_STEP} (got M=${M}, N=${N})`);
    }
  }

  /** C[M x N] = A[M x K] * B[K x N] (or += with `accumulate`), all row-major. */
  gemm(M: number, N: number, K: number, a: Tensor, b: Tensor, c: Tensor, accumulate = false): void {
    this.check(M, N);
    if (a.len < M * K || b.len < K * N || c.len < M * N)
      throw new Error('gemm: a tensor is smaller than the shape says');
    this.ex.gemm(M, N, K, a.off * 4, b.off * 4, c.off * 4, accumulate ? 1 : 0);
  }

  /** C[M x N] = Aᵀ * B with A stored as K x M (or += with `accumulate`): no transposed copy needed. */
  gemmTN(M: number, N: number, K: number, a: Tensor, b: Tensor, c: Tensor, accumulate = false): void {
    this.check(M, N);
    if (a.len < M * K || b.len < K * N || c.len < M * N)
      throw new Error('gemm: a tensor is smaller than the shape says');
    this.ex.gemm_tn(M, N, K, a.off * 4, b.off * 4, c.off * 4, accumulate ? 1 : 0);
  }

  /** x[r, j] = tanh(x[r, j] + bias[j]) for a rows x cols matrix (cols a multiple of 4). */
  biasTanh(x: Tensor, rows: number, cols: number, bias: Tensor): void {
    if (cols % 4 !== 0 || x.len < rows * cols || bias.len < cols)
      throw new Error('biasTanh: cols must be a multiple of 4 and the tensors large enough');
    this.ex.bias_tanh(x.off * 4, rows, cols, bias.off * 4);
  }

  /** d[i] *= 1 - h[i]² for n elements (a multiple of 4). */
  tanhGrad(d: Tensor, h: Tensor, n: number): void {
    if (n % 4 !== 0 || d.len < n || h.len < n)
      throw new Error('tanhGrad: n must be a multiple of 4 and the tensors large enough');
    this.ex.tanh_grad(d.off * 4, h.off * 4, n);
  }

  /** x[i] = exp(x[i] - m) for n floats from float index `at` (n a multiple of 4; within 2 ulp of Math.exp). */
  expSub(at: number, n: number, m: number): void {
    this.ex.exp_sub(at * 4, n, m);
  }

  /** out[cols x rows] = in[rows x cols]ᵀ (the backward pass feeds transposes to the one NN kernel). */
  transpose(rows: number, cols: number, src: Tensor, dst: Tensor): void {
    const f = this.f32;
    const s = src.off;
    const d = dst.off;
    // 8 x 8 blocks keep both the reads and the writes within a few cache lines.
    for (let i0 = 0; i0 < rows; i0 += 8) {
      const i1 = Math.min(rows, i0 + 8);
      for (let j0 = 0; j0 < cols; j0 += 8) {
        const j1 = Math.min(cols, j0 + 8);
        for (let i = i0; i < i1; i++) {
          for (let j = j0; j < j1; j++) f[d + j * rows + i] = f[s + i * cols + j]!;
        }
      }
    }
  }
}

/** The reference the benchmark compares against: the textbook triple loop over Float32Arrays. */
export function naiveGemm(M: number, N: number, K: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!;
      c[i * N + j] = s;
    }
  }
}
