import { describe, expect, it } from 'vitest';
import { Kernel, naiveGemm, type Tensor } from './gemm.ts';
import { batchStarts, initParams, layout, mulberry32, Trainer } from './model.ts';

/** A buffer of `n` floats in the kernel's memory, drawn uniformly from [-1, 1). */
function randomBuffer(k: Kernel, rnd: () => number, n: number): Tensor {
  const t = k.alloc(n);
  k.view(t).forEach((_, i, v) => (v[i] = rnd() * 2 - 1));
  return t;
}

describe('WebAssembly SIMD GEMM', () => {
  it('matches the textbook triple loop on several shapes, with and without accumulation', () => {
    const k = new Kernel();
    const rnd = mulberry32(7);
    for (const [M, N, K] of [
      [4, 8, 1],
      [8, 16, 3],
      [12, 24, 37],
      [64, 96, 128],
      [128, 256, 64],
    ] as const) {
      const a = randomBuffer(k, rnd, M * K);
      const b = randomBuffer(k, rnd, K * N);
      const c = randomBuffer(k, rnd, M * N);
      const before = k.view(c).slice();
      const ref = new Float32Array(M * N);
      naiveGemm(M, N, K, k.view(a), k.view(b), ref);
      k.gemm(M, N, K, a, b, c, true);
      const got = k.view(c);
      for (let i = 0; i < M * N; i++) expect(got[i]).toBeCloseTo(ref[i]! + before[i]!, 4);
      k.gemm(M, N, K, a, b, c);
      for (let i = 0; i < M * N; i++) expect(k.view(c)[i]).toBeCloseTo(ref[i]!, 4);
    }
  });

  it('multiplies by a transposed A given as stored (gemmTN), matching the triple loop on Aᵀ', () => {
    const k = new Kernel();
    const rnd = mulberry32(11);
    for (const [M, N, K] of [
      [4, 8, 1],
      [12, 16, 7],
      [128, 96, 64],
    ] as const) {
      const a = randomBuffer(k, rnd, K * M);
      const b = randomBuffer(k, rnd, K * N);
      const c = k.alloc(M * N);
      const at = new Float32Array(M * K);
      for (let i = 0; i < M; i++) for (let j = 0; j < K; j++) at[i * K + j] = k.view(a)[j * M + i]!;
      const ref = new Float32Array(M * N);
      naiveGemm(M, N, K, at, k.view(b), ref);
      k.gemmTN(M, N, K, a, b, c);
      for (let i = 0; i < M * N; i++) expect(k.view(c)[i]).toBeCloseTo(ref[i]!, 4);
    }
  });

  it('computes tanh(x + bias) within 1e-6 of Math.tanh, and its gradient factor 1 - h²', () => {
    const k = new Kernel();
    const rows = 3;
    const cols = 400;
    const x = k.alloc(rows * cols);
    const bias = k.alloc(cols);
    const xs = k.view(x);
    for (let i = 0; i < rows * cols; i++) xs[i] = (i / (rows * cols)) * 24 - 12;
    k.view(bias).forEach((_, i, v) => (v[i] = (i % 7) * 0.01));
    const want = Array.from(xs, (v, i) => Math.tanh(v + k.view(bias)[i % cols]!));
    k.biasTanh(x, rows, cols, bias);
    for (let i = 0; i < rows * cols; i++) expect(Math.abs(k.view(x)[i]! - want[i]!)).toBeLessThan(1e-6);
    const d = k.alloc(rows * cols);
    k.view(d).fill(2);
    k.tanhGrad(d, x, rows * cols);
    for (let i = 0; i < rows * cols; i++) expect(k.view(d)[i]).toBeCloseTo(2 * (1 - k.view(x)[i]! ** 2), 6);
  });

  it('computes exp(x - m) within 2e-7 relative of Math.exp over the softmax range', () => {
    const k = new Kernel();
    const n = 4000;
    const t = k.alloc(n);
    const xs = k.view(t);
    // Down to e^-83.5: below about e^-87 floats underflow (and the kernel clamps there).
    for (let i = 0; i < n; i++) xs[i] = (i / n) * 100 - 80;
    // The kernel subtracts in f32: compare with exp of the same rounded difference.
    const want = Array.from(xs, (v) => Math.exp(Math.fround(v - 3.5)));
    k.expSub(t.off, n, 3.5);
    for (let i = 0; i < n; i++) expect(Math.abs(k.view(t)[i]! - want[i]!) / want[i]!).toBeLessThan(2e-7);
  });

  it('refuses shapes the micro-kernel cannot tile', () => {
    const k = new Kernel();
    const t = k.alloc(64);
    expect(() => k.gemm(3, 8, 2, t, t, t)).toThrow(/multiple of 4/);
    expect(() => k.gemm(4, 6, 2, t, t, t)).toThrow(/N of 8 \(got M=4, N=6\)/);
  });
});

describe('character MLP', () => {
  it('computes the gradient of its loss (checked against finite differences)', () => {
    const k = new Kernel();
    const shape = { vocab: 11, context: 3, embed: 16, hidden: 16 };
    const rows = 8;
    const tr = new Trainer(k, shape, rows);
    const l = layout(shape);
    const rnd = mulberry32(3);
    const tokens = Uint8Array.from({ length: 200 }, () => Math.floor(rnd() * shape.vocab));
    const starts = new Int32Array(rows);
    batchStarts(5, 0, rows, tokens.length, shape.context, starts);
    initParams(l, 9, k.view(tr.params));
    // Biases start at zero; give them values so their gradients are tested off the origin.
    for (let i = l.b1; i < l.b1 + shape.hidden; i++) k.view(tr.params)[i] = rnd() - 0.5;
    tr.step(tokens, starts, rows);
    const grad = k.view(tr.grads).slice();
    const p = k.view(tr.params);
    const probe = [
      l.emb + tokens[starts[0]!]! * 16 + 2,
      l.w1 + 5,
      l.w1 + 40 * 16 + 3,
      l.b1 + 4,
      l.w2 + 2 * l.vocabPad + 7,
      l.b2 + 1,
    ];
    for (const i of probe) {
      const h = 1e-2;
      const keep = p[i]!;
      p[i] = keep + h;
      const up = tr.step(tokens, starts, rows) / rows;
      p[i] = keep - h;
      const down = tr.step(tokens, starts, rows) / rows;
      p[i] = keep;
      expect(grad[i]).toBeCloseTo((up - down) / (2 * h), 3);
    }
  });

  it('draws the same batches for the same seed and step, and different ones for the next step', () => {
    const a = new Int32Array(16);
    const b = new Int32Array(16);
    const c = new Int32Array(16);
    batchStarts(1, 10, 16, 1000, 8, a);
    batchStarts(1, 10, 16, 1000, 8, b);
    batchStarts(1, 11, 16, 1000, 8, c);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    expect(Math.max(...a)).toBeLessThan(1000 - 9);
  });
});

describe('text sampling from a checkpoint', () => {
  it('predicts a distribution that sums to 1 and writes the same text for the same seed', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { loadCorpus } = await import('./corpus.ts');
    const { writeCheckpoint } = await import('./checkpoint.ts');
    const { sampleText } = await import('./sample.ts');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sample-'));
    try {
      const data = path.join(dir, 'c.txt');
      fs.writeFileSync(data, 'abcabcabcabc hello world. '.repeat(20));
      const corpus = loadCorpus(data, 10);
      const shape = { vocab: corpus.vocab.length, context: 4, embed: 16, hidden: 16 };
      const k = new Kernel();
      const tr = new Trainer(k, shape, 4);
      initParams(tr.l, 3, k.view(tr.params));
      const probs = new Float64Array(shape.vocab);
      tr.predict([1, 2, 3, 4], probs);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      const size = tr.l.size;
      const file = writeCheckpoint(
        dir,
        {
          header: { version: 1, step: 1, size, corpusHash: corpus.hash, shape, lossSum: 0, lossSteps: 0 },
          params: k.view(tr.params),
          m: new Float32Array(size),
          v: new Float32Array(size),
        },
        1,
      );
      const a = sampleText(file, corpus, 50, { seed: 4 });
      expect(a).toHaveLength(50);
      expect(sampleText(file, corpus, 50, { seed: 4 })).toBe(a);
      expect([...a].every((ch) => corpus.vocab.includes(ch))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
