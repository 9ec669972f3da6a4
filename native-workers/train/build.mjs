// Build step for the training worker: generates the f32 GEMM kernel as WebAssembly text and
// assembles it with wabt (no toolchain, no download). The micro-kernel is generated rather than
// hand-written so the register tile (rows x 4-lane vectors) is one constant to tune.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** Rows and 4-lane vectors per register tile: 4 x 8 floats = 8 accumulators, fits 16 xmm registers. */
export const TILE_ROWS = 4;
export const TILE_VECS = 2;

/**
 * One GEMM function. `transA` false: C[M x N] (+)= A[M x K] * B[K x N]. `transA` true: A is given
 * as its transpose, K x M row-major (the backward pass's hᵀ·dY without materialising hᵀ): the
 * four A values of a k step are then adjacent, so one pointer and constant offsets reach them.
 */
function gemmFunc(name, transA, mr, nv) {
  const rows = [...Array(mr).keys()];
  const vecs = [...Array(nv).keys()];
  const accs = rows.flatMap((r) => vecs.map((v) => `$c${r}_${v}`));
  const lines = [];
  const L = (s) => lines.push(s);
  L(
    `  (func (export "${name}") (param $M i32) (param $N i32) (param $K i32) (param $a i32) (param $b i32) (param $c i32) (param $acc i32)`,
  );
  L(
    '    (local $i i32) (local $j i32) (local $k i32) (local $lda i32) (local $ldb i32) (local $pb i32) (local $pc i32)',
  );
  L(`    ${rows.map((r) => `(local $pa${r} i32)`).join(' ')}`);
  L(
    `    ${accs.map((a) => `(local ${a} v128)`).join(' ')} ${vecs.map((v) => `(local $b${v} v128)`).join(' ')} (local $av v128)`,
  );
  L(`    (local.set $lda (i32.shl (local.get ${transA ? '$M' : '$K'}) (i32.const 2)))`);
  L('    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))');
  L('    (if (i32.or (i32.eqz (local.get $M)) (i32.eqz (local.get $N))) (then (return)))');
  // j outer, i inner: the K x (nv*4) strip of B stays in L1 while every row block streams past it.
  L('    (local.set $j (i32.const 0))');
  L('    (loop $jl');
  L('      (local.set $i (i32.const 0))');
  L('      (loop $il');
  L(
    '        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))',
  );
  for (const r of rows) {
    for (const v of vecs) {
      const addr = `(i32.add (local.get $pc) (i32.mul (i32.const ${r}) (local.get $ldb)))`;
      L(
        `        (local.set $c${r}_${v} (if (result v128) (local.get $acc) (then (v128.load offset=${v * 16} ${addr})) (else (v128.const i32x4 0 0 0 0))))`,
      );
    }
  }
  if (transA) L('        (local.set $pa0 (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))))');
  else
    for (const r of rows)
      L(
        `        (local.set $pa${r} (i32.add (local.get $a) (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $lda))))`,
      );
  L('        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))');
  L('        (local.set $k (local.get $K))');
  L('        (if (local.get $k) (then');
  L('        (loop $kl');
  for (const v of vecs) L(`          (local.set $b${v} (v128.load offset=${v * 16} (local.get $pb)))`);
  for (const r of rows) {
    L(
      transA
        ? `          (local.set $av (v128.load32_splat offset=${r * 4} (local.get $pa0)))`
        : `          (local.set $av (v128.load32_splat (local.get $pa${r})))`,
    );
    for (const v of vecs)
      L(
        `          (local.set $c${r}_${v} (f32x4.add (local.get $c${r}_${v}) (f32x4.mul (local.get $av) (local.get $b${v}))))`,
      );
    if (!transA) L(`          (local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const 4)))`);
  }
  if (transA) L('          (local.set $pa0 (i32.add (local.get $pa0) (local.get $lda)))');
  L('          (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))');
  L('          (br_if $kl (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))');
  L('        )');
  for (const r of rows) {
    for (const v of vecs) {
      L(
        `        (v128.store offset=${v * 16} (i32.add (local.get $pc) (i32.mul (i32.const ${r}) (local.get $ldb))) (local.get $c${r}_${v}))`,
      );
    }
  }
  L(`        (br_if $il (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const ${mr}))) (local.get $M))))`);
  L(`      (br_if $jl (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const ${nv * 4}))) (local.get $N))))`);
  L('  )');
  return lines.join('\n');
}

/**
 * tanh as Eigen's float rational approximation (odd degree-13 over even degree-6 polynomial,
 * input clamped to ±7.9053): within 4e-7 of Math.tanh everywhere, four lanes at a time.
 */
const TANH_P = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
];
const TANH_Q = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];
const splat = (v) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
function horner(coeffs, x2) {
  let e = splat(coeffs.at(-1));
  for (let i = coeffs.length - 2; i >= 0; i--) e = `(f32x4.add (f32x4.mul ${e} ${x2}) ${splat(coeffs[i])})`;
  return e;
}

const ELEMENTWISE = `
  ;; x[r, j] = tanh(x[r, j] + bias[j]) over rows x cols (cols % 4 == 0): the hidden layer.
  (func (export "bias_tanh") (param $p i32) (param $rows i32) (param $cols i32) (param $bias i32)
    (local $end i32) (local $row_end i32) (local $pb i32) (local $x v128) (local $x2 v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.mul (local.get $rows) (local.get $cols)) (i32.const 2))))
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return)))
    (loop $rl
      (local.set $row_end (i32.add (local.get $p) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $pb (local.get $bias))
      (loop $cl
        (local.set $x (f32x4.add (v128.load (local.get $p)) (v128.load (local.get $pb))))
        (local.set $x (f32x4.max (f32x4.min (local.get $x) ${splat(7.90531110763549805)}) ${splat(-7.90531110763549805)}))
        (local.set $x2 (f32x4.mul (local.get $x) (local.get $x)))
        (v128.store (local.get $p) (f32x4.div (f32x4.mul (local.get $x) ${horner(TANH_P, '(local.get $x2)')}) ${horner(TANH_Q, '(local.get $x2)')}))
        (local.set $pb (i32.add (local.get $pb) (i32.const 16)))
        (br_if $cl (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $row_end))))
      (br_if $rl (i32.lt_u (local.get $p) (local.get $end)))))
  ;; d[i] *= 1 - h[i]^2 (n % 4 == 0): back through tanh.
  (func (export "tanh_grad") (param $d i32) (param $h i32) (param $n i32)
    (local $end i32) (local $y v128)
    (local.set $end (i32.add (local.get $d) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.ge_u (local.get $d) (local.get $end)) (then (return)))
    (loop $l
      (local.set $y (v128.load (local.get $h)))
      (v128.store (local.get $d) (f32x4.mul (v128.load (local.get $d)) (f32x4.sub ${splat(1)} (f32x4.mul (local.get $y) (local.get $y)))))
      (local.set $h (i32.add (local.get $h) (i32.const 16)))
      (br_if $l (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $end)))))
`;

/** exp as Cephes' expf: x = n·ln2 + r, a degree-5 polynomial for e^r, 2^n built in the exponent bits. */
const EXP_P = [5.0000001201e-1, 1.6666665459e-1, 4.1665795894e-2, 8.3334519073e-3, 1.3981999507e-3, 1.98756915e-4];
const EXP = `
  ;; p[i] = exp(p[i] - m) for n elements (n % 4 == 0): the softmax numerators.
  (func (export "exp_sub") (param $p i32) (param $n i32) (param $m f32)
    (local $end i32) (local $mv v128) (local $x v128) (local $k v128) (local $r v128) (local $y v128)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 2))))
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return)))
    (local.set $mv (f32x4.splat (local.get $m)))
    (loop $l
      (local.set $x (f32x4.sub (v128.load (local.get $p)) (local.get $mv)))
      (local.set $x (f32x4.max (f32x4.min (local.get $x) ${splat(88.3762626647949)}) ${splat(-87.3365447505531)}))
      (local.set $k (f32x4.nearest (f32x4.mul (local.get $x) ${splat(1.4426950408889634)})))
      (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $k) ${splat(0.693359375)})) (f32x4.mul (local.get $k) ${splat(-2.1219444e-4)})))
      (local.set $y ${horner(EXP_P, '(local.get $r)')})
      (local.set $y (f32x4.add (f32x4.add (f32x4.mul (local.get $y) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r)) ${splat(1)}))
      (v128.store (local.get $p) (f32x4.mul (local.get $y) (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $k)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
      (br_if $l (i32.lt_u (local.tee $p (i32.add (local.get $p) (i32.const 16))) (local.get $end)))))
`;

export function gemmWat(mr = TILE_ROWS, nv = TILE_VECS) {
  return [
    '(module',
    '  (memory (export "memory") 1)',
    `  ;; Row-major f32, byte offsets. GEMMs need M % ${mr} == 0 and N % ${nv * 4} == 0.`,
    gemmFunc('gemm', false, mr, nv),
    gemmFunc('gemm_tn', true, mr, nv),
    ELEMENTWISE,
    EXP,
    ')',
  ].join('\n');
}

export async function build({ outDir, quiet = false }) {
  const require = createRequire(import.meta.url);
  const wabt = await require('wabt')();
  const mod = wabt.parseWat('gemm.wat', gemmWat(), { simd: true });
  try {
    mod.validate();
    const { buffer } = mod.toBinary({});
    const file = path.join(outDir, 'workers', 'train-gemm.wasm');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, buffer);
    if (!quiet) console.log(`built ${path.relative(process.cwd(), file)} (${buffer.length} bytes)`);
  } finally {
    mod.destroy();
  }
}
