// Build step for the training worker: generates the f32 GEMM kernel as WebAssembly text and
// assembles it with wabt (no toolchain, no download). The micro-kernel is generated rather than
// hand-written so the register tile (rows x 4-lane vectors) is one constant to tune.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** Rows and 4-lane vectors per register tile: 4 x 8 floats = 8 accumulators, fits 16 xmm registers. */
export const TILE_ROWS = 4;
export const TILE_VECS = 2;

export function gemmWat(mr = TILE_ROWS, nv = TILE_VECS) {
  const rows = [...Array(mr).keys()];
  const vecs = [...Array(nv).keys()];
  const accs = rows.flatMap((r) => vecs.map((v) => `$c${r}_${v}`));
  const lines = [];
  const L = (s) => lines.push(s);
  L('(module');
  L('  (memory (export "memory") 1)');
  L(`  ;; C[M x N] (+)= A[M x K] * B[K x N], row-major, byte offsets. Needs M % ${mr} == 0 and N % ${nv * 4} == 0.`);
  L('  (func (export "gemm") (param $M i32) (param $N i32) (param $K i32) (param $a i32) (param $b i32) (param $c i32) (param $acc i32)');
  L('    (local $i i32) (local $j i32) (local $k i32) (local $lda i32) (local $ldb i32) (local $pb i32) (local $pc i32)');
  L(`    ${rows.map((r) => `(local $pa${r} i32)`).join(' ')}`);
  L(`    ${accs.map((a) => `(local ${a} v128)`).join(' ')} ${vecs.map((v) => `(local $b${v} v128)`).join(' ')} (local $av v128)`);
  L('    (local.set $lda (i32.shl (local.get $K) (i32.const 2)))');
  L('    (local.set $ldb (i32.shl (local.get $N) (i32.const 2)))');
  L('    (if (i32.or (i32.eqz (local.get $M)) (i32.eqz (local.get $N))) (then (return)))');
  // j outer, i inner: the K x (nv*4) strip of B stays in L1 while every row block streams past it.
  L('    (local.set $j (i32.const 0))');
  L('    (loop $jl');
  L('      (local.set $i (i32.const 0))');
  L('      (loop $il');
  L('        (local.set $pc (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))))');
  for (const r of rows) {
    for (const v of vecs) {
      const addr = `(i32.add (local.get $pc) (i32.mul (i32.const ${r}) (local.get $ldb)))`;
      L(`        (local.set $c${r}_${v} (if (result v128) (local.get $acc) (then (v128.load offset=${v * 16} ${addr})) (else (v128.const i32x4 0 0 0 0))))`);
    }
  }
  for (const r of rows) L(`        (local.set $pa${r} (i32.add (local.get $a) (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $lda))))`);
  L('        (local.set $pb (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))');
  L('        (local.set $k (local.get $K))');
  L('        (if (local.get $k) (then');
  L('        (loop $kl');
  for (const v of vecs) L(`          (local.set $b${v} (v128.load offset=${v * 16} (local.get $pb)))`);
  for (const r of rows) {
    L(`          (local.set $av (v128.load32_splat (local.get $pa${r})))`);
    for (const v of vecs) L(`          (local.set $c${r}_${v} (f32x4.add (local.get $c${r}_${v}) (f32x4.mul (local.get $av) (local.get $b${v}))))`);
    L(`          (local.set $pa${r} (i32.add (local.get $pa${r}) (i32.const 4)))`);
  }
  L('          (local.set $pb (i32.add (local.get $pb) (local.get $ldb)))');
  L('          (br_if $kl (local.tee $k (i32.sub (local.get $k) (i32.const 1))))))');
  L('        )');
  for (const r of rows) {
    for (const v of vecs) {
      L(`        (v128.store offset=${v * 16} (i32.add (local.get $pc) (i32.mul (i32.const ${r}) (local.get $ldb))) (local.get $c${r}_${v}))`);
    }
  }
  L(`        (br_if $il (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const ${mr}))) (local.get $M))))`);
  L(`      (br_if $jl (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const ${nv * 4}))) (local.get $N))))`);
  L('  )');
  L(')');
  return lines.join('\n');
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
