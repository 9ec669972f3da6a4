import { GEMM_COL_STEP, type Kernel, type Tensor } from './gemm.ts';

/**
 * A character-level language model in the style of Bengio et al. (2003): the last `context`
 * characters are embedded, concatenated, passed through one tanh layer and a softmax over the
 * vocabulary. Small enough for a CPU, big enough that its matrix multiplies dominate the time.
 *
 * All parameters live in one flat Float32Array (layout below), so gradients, optimizer state and
 * checkpoints are single buffers that threads can share and files can hold byte for byte.
 */
export type ModelShape = { vocab: number; context: number; embed: number; hidden: number };

export const EMBED = 16;

export type Layout = {
  shape: ModelShape;
  /** Vocabulary padded to the kernel's column step; padded logits are masked out. */
  vocabPad: number;
  /** Input width: context × embed. */
  inputs: number;
  emb: number;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
  size: number;
};

export function layout(shape: ModelShape): Layout {
  const vocabPad = Math.ceil(shape.vocab / GEMM_COL_STEP) * GEMM_COL_STEP;
  const inputs = shape.context * shape.embed;
  const emb = 0;
  const w1 = emb + vocabPad * shape.embed;
  const b1 = w1 + inputs * shape.hidden;
  const w2 = b1 + shape.hidden;
  const b2 = w2 + shape.hidden * vocabPad;
  return { shape, vocabPad, inputs, emb, w1, b1, w2, b2, size: b2 + vocabPad };
}

/** mulberry32: a small, fast, well-mixed 32-bit generator; seeded init and batch sampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic initial parameters for a seed. */
export function initParams(l: Layout, seed: number, out: Float32Array): void {
  const rnd = mulberry32(seed ^ 0x9e3779b9);
  const u = (scale: number) => (rnd() * 2 - 1) * scale;
  out.fill(0);
  for (let i = 0; i < l.shape.vocab * l.shape.embed; i++) out[l.emb + i] = u(1);
  const a1 = Math.sqrt(3 / l.inputs);
  for (let i = 0; i < l.inputs * l.shape.hidden; i++) out[l.w1 + i] = u(a1);
  const a2 = Math.sqrt(3 / l.shape.hidden);
  for (let r = 0; r < l.shape.hidden; r++) {
    for (let c = 0; c < l.shape.vocab; c++) out[l.w2 + r * l.vocabPad + c] = u(a2);
  }
}

/**
 * Start positions of the `batch` sequences of step `step`: a pure function of (seed, step), so a
 * resumed run sees exactly the batches an uninterrupted one would, whatever the thread count.
 */
export function batchStarts(
  seed: number,
  step: number,
  batch: number,
  tokens: number,
  context: number,
  out: Int32Array,
): void {
  const rnd = mulberry32((Math.imul(seed, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)) >>> 0);
  const span = tokens - context - 1;
  for (let i = 0; i < batch; i++) out[i] = Math.floor(rnd() * span);
}

/**
 * Forward and backward pass over `rows` sequences, all buffers preallocated in one kernel. The
 * gradients are of the mean loss over `globalBatch` sequences, so shards of one batch add up.
 */
export class Trainer {
  readonly l: Layout;
  readonly params: Tensor;
  readonly grads: Tensor;
  private readonly x: Tensor;
  private readonly h: Tensor;
  private readonly logits: Tensor;
  private readonly dh: Tensor;
  private readonly dx: Tensor;
  private readonly w1T: Tensor;
  private readonly w2T: Tensor;
  private readonly starts: Int32Array;

  constructor(
    readonly k: Kernel,
    shape: ModelShape,
    readonly rows: number,
  ) {
    this.l = layout(shape);
    const { inputs, vocabPad } = this.l;
    const H = shape.hidden;
    this.params = k.alloc(this.l.size);
    this.grads = k.alloc(this.l.size);
    this.x = k.alloc(rows * inputs);
    this.h = k.alloc(rows * H);
    this.logits = k.alloc(rows * vocabPad);
    this.dh = k.alloc(rows * H);
    this.dx = k.alloc(rows * inputs);
    this.w1T = k.alloc(inputs * H);
    this.w2T = k.alloc(H * vocabPad);
    this.starts = new Int32Array(rows);
  }

  private sub(base: Tensor, off: number, len: number): Tensor {
    return { off: base.off + off, len };
  }

  /**
   * The model's next-character probabilities after `context` (its last `shape.context` ids):
   * the forward pass alone, on row 0 (the other rows of the kernel's 4-row minimum repeat it).
   */
  predict(context: ArrayLike<number>, out: Float64Array): void {
    const { k, l } = this;
    const { inputs, vocabPad } = l;
    const { context: C, embed, hidden: H, vocab: V } = l.shape;
    const f = k.f32;
    const P = this.params.off;
    const first = context.length - C;
    for (let r = 0; r < Math.min(this.rows, 4); r++) {
      for (let c = 0; c < C; c++) {
        const src = P + l.emb + context[first + c]! * embed;
        f.copyWithin(this.x.off + r * inputs + c * embed, src, src + embed);
      }
    }
    const rows = Math.min(this.rows, 4);
    k.gemm(rows, H, inputs, this.x, this.sub(this.params, l.w1, inputs * H), this.h);
    k.biasTanh(this.h, rows, H, this.sub(this.params, l.b1, H));
    k.gemm(rows, vocabPad, H, this.h, this.sub(this.params, l.w2, H * vocabPad), this.logits);
    const o = this.logits.off;
    let max = -Infinity;
    for (let c = 0; c < V; c++) max = Math.max(max, f[o + c]! + f[P + l.b2 + c]!);
    let sum = 0;
    for (let c = 0; c < V; c++) sum += out[c] = Math.exp(f[o + c]! + f[P + l.b2 + c]! - max);
    for (let c = 0; c < V; c++) out[c] = out[c]! / sum;
  }

  /**
   * Loads a shard's sequences (positions `starts`), runs forward and backward, leaves the
   * gradient in `grads`, and returns the summed (not mean) loss of these rows.
   */
  step(tokens: Uint8Array, starts: Int32Array, globalBatch: number): number {
    const { k, l, rows } = this;
    const { inputs, vocabPad } = l;
    const { context, embed, hidden: H, vocab: V } = l.shape;
    const f = k.f32;
    const P = this.params.off;
    const G = this.grads.off;
    this.starts.set(starts.subarray(0, rows));

    // Embedding lookup: row r = embeddings of its `context` characters, side by side.
    const x = this.x.off;
    for (let r = 0; r < rows; r++) {
      const s = this.starts[r]!;
      for (let c = 0; c < context; c++) {
        const src = P + l.emb + tokens[s + c]! * embed;
        f.copyWithin(x + r * inputs + c * embed, src, src + embed);
      }
    }
    // Hidden layer: h = tanh(x W1 + b1).
    k.gemm(rows, H, inputs, this.x, this.sub(this.params, l.w1, inputs * H), this.h);
    k.biasTanh(this.h, rows, H, this.sub(this.params, l.b1, H));
    // Output: logits = h W2 + b2, softmax over the real vocabulary, cross-entropy loss.
    k.gemm(rows, vocabPad, H, this.h, this.sub(this.params, l.w2, H * vocabPad), this.logits);
    const lg = this.logits.off;
    const inv = 1 / globalBatch;
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const o = lg + r * vocabPad;
      let max = -Infinity;
      for (let c = 0; c < V; c++) {
        const z = f[o + c]! + f[P + l.b2 + c]!;
        f[o + c] = z;
        if (z > max) max = z;
      }
      // Padded columns are pushed far below the max so their exp underflows, then zeroed.
      for (let c = V; c < vocabPad; c++) f[o + c] = max - 200;
      k.expSub(o, vocabPad, max);
      let sum = 0;
      for (let c = 0; c < V; c++) sum += f[o + c]!;
      const target = tokens[this.starts[r]! + context]!;
      loss -= Math.log(f[o + target]! / sum);
      // The logits become d(loss)/d(logits) in place: (softmax - onehot) / globalBatch.
      for (let c = 0; c < V; c++) f[o + c] = (f[o + c]! / sum) * inv;
      f[o + target] = f[o + target]! - inv;
      for (let c = V; c < vocabPad; c++) f[o + c] = 0;
    }

    // Backward. dW2 = hᵀ dlogits, db2 = Σ dlogits.
    k.gemmTN(H, vocabPad, rows, this.h, this.logits, this.sub(this.grads, l.w2, H * vocabPad));
    columnSums(f, lg, rows, vocabPad, G + l.b2);
    // dh = dlogits W2ᵀ, then through tanh: dz = dh (1 - h²).
    k.transpose(H, vocabPad, this.sub(this.params, l.w2, H * vocabPad), this.w2T);
    k.gemm(rows, H, vocabPad, this.logits, this.w2T, this.dh);
    k.tanhGrad(this.dh, this.h, rows * H);
    // dW1 = xᵀ dz, db1 = Σ dz, dx = dz W1ᵀ.
    k.gemmTN(inputs, H, rows, this.x, this.dh, this.sub(this.grads, l.w1, inputs * H));
    columnSums(f, this.dh.off, rows, H, G + l.b1);
    k.transpose(inputs, H, this.sub(this.params, l.w1, inputs * H), this.w1T);
    k.gemm(rows, inputs, H, this.dh, this.w1T, this.dx);
    // Embedding gradient: scatter-add each row's slice back to its character.
    const ge = G + l.emb;
    f.fill(0, ge, ge + vocabPad * embed);
    const dx = this.dx.off;
    for (let r = 0; r < rows; r++) {
      const s = this.starts[r]!;
      for (let c = 0; c < context; c++) {
        const dst = ge + tokens[s + c]! * embed;
        const src = dx + r * inputs + c * embed;
        for (let e = 0; e < embed; e++) f[dst + e] = f[dst + e]! + f[src + e]!;
      }
    }
    return loss;
  }
}

/**
 * out[c] = Σ_r m[r, c] for a rows x cols matrix at `base`, summed row by row (contiguous reads;
 * the order of additions is fixed, so results are the same every run).
 */
function columnSums(f: Float32Array, base: number, rows: number, cols: number, out: number): void {
  f.fill(0, out, out + cols);
  for (let r = 0; r < rows; r++) {
    const o = base + r * cols;
    for (let c = 0; c < cols; c++) f[out + c] = f[out + c]! + f[o + c]!;
  }
}

/** Adam's hyper-parameters (Kingma & Ba defaults). */
export const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/**
 * One Adam update of params[from, to) with the gradient summed over `shards` gradient buffers
 * (each `size` floats, in rank order so the sum is the same every run). `t` counts from 1.
 */
export function adamSlice(
  params: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grads: Float32Array,
  shards: number,
  size: number,
  from: number,
  to: number,
  t: number,
  lr: number,
): void {
  const { beta1, beta2, eps } = ADAM;
  const c1 = 1 / (1 - beta1 ** t);
  const c2 = 1 / (1 - beta2 ** t);
  for (let i = from; i < to; i++) {
    let g = grads[i]!;
    for (let s = 1; s < shards; s++) g += grads[s * size + i]!;
    const mi = beta1 * m[i]! + (1 - beta1) * g;
    const vi = beta2 * v[i]! + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    params[i] = params[i]! - (lr * (mi * c1)) / (Math.sqrt(vi * c2) + eps);
  }
}
