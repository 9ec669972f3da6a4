// Build step for the hash worker: generates the SHA-256d scan kernel as WebAssembly text (SIMD,
// 4 nonces per vector, STREAMS vectors interleaved per loop turn) and assembles it with wabt.
// The generator evaluates the two compressions symbolically: every value known at build time
// (padding words, the second hash's initial state, round constants) is folded here, so the
// emitted code only does the work that depends on the nonce.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Independent 4-lane streams per loop turn. One: the 128-bit ALUs are already the limit with one
 * (about 1,450 vector ALU instructions per nonce), and a second stream doubles the unrolled code
 * and spills more: measured 7.3 against 4.7 MH/s per CPU-second on this Xeon (V8 11.3, TurboFan).
 */
export const STREAMS = 1;
/** Capacity of the candidate list (nonces) the kernel fills before returning early. */
export const MAX_FOUND = 256;

/**
 * Memory layout (byte offsets). The host writes the per-job words at PARAMS (see kernel.ts):
 * 0..7 midstate, 8..15 state after round 2 of the second block (a2..h2), 16 C1, 17 C2 (round 3
 * constants), 18 W16, 19 W17, 20 P18, 21 P19, 22 threshold on the top hash word.
 */
export const PARAMS = 0;
export const FOUND = 256;
/** Where the kernel leaves the loop turns it did not run when the candidate list filled up. */
export const LEFT = 252;

const K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
];
const IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const u32 = (x) => x >>> 0;
const rotr = (x, n) => u32((x >>> n) | (x << (32 - n)));

/** Emits one kernel; a value is { c: number } (known at build time) or { l: local name }. */
function scanWat(streams) {
  const locals = [];
  let tmp = 0;
  const fresh = () => {
    const name = `$t${tmp++}`;
    locals.push(name);
    return name;
  };
  const splat = (c) => `(v128.const i32x4 ${u32(c)} ${u32(c)} ${u32(c)} ${u32(c)})`;
  const expr = (v) => ('c' in v ? splat(v.c) : `(local.get ${v.l})`);
  const set = (line, e) => {
    const name = fresh();
    line.push(`(local.set ${name} ${e})`);
    return { l: name };
  };

  function add(out, ...vals) {
    let c = 0;
    const ls = [];
    for (const v of vals) {
      if ('c' in v) c = u32(c + v.c);
      else ls.push(v);
    }
    if (ls.length === 0) return { c };
    let e = expr(ls[0]);
    for (const v of ls.slice(1)) e = `(i32x4.add ${e} ${expr(v)})`;
    if (c !== 0) e = `(i32x4.add ${e} ${splat(c)})`;
    if (ls.length === 1 && c === 0) return ls[0];
    return set(out, e);
  }
  const rot = (v, n) =>
    `(v128.or (i32x4.shr_u ${expr(v)} (i32.const ${n})) (i32x4.shl ${expr(v)} (i32.const ${32 - n})))`;
  function sig(out, v, [r1, r2, s3], shift) {
    if ('c' in v) return { c: u32(rotr(v.c, r1) ^ rotr(v.c, r2) ^ (shift ? v.c >>> s3 : rotr(v.c, s3))) };
    const third = shift ? `(i32x4.shr_u ${expr(v)} (i32.const ${s3}))` : rot(v, s3);
    return set(out, `(v128.xor (v128.xor ${rot(v, r1)} ${rot(v, r2)}) ${third})`);
  }
  const S0 = (o, v) => sig(o, v, [2, 13, 22], false);
  const S1 = (o, v) => sig(o, v, [6, 11, 25], false);
  const s0 = (o, v) => sig(o, v, [7, 18, 3], true);
  const s1 = (o, v) => sig(o, v, [17, 19, 10], true);
  function ch(o, e, f, g) {
    if ('c' in e && 'c' in f && 'c' in g) return { c: u32((e.c & f.c) ^ (~e.c & g.c)) };
    return set(o, `(v128.bitselect ${expr(f)} ${expr(g)} ${expr(e)})`);
  }
  function xor(o, x, y) {
    if ('c' in x && 'c' in y) return { c: u32(x.c ^ y.c) };
    return set(o, `(v128.xor ${expr(x)} ${expr(y)})`);
  }
  function and(o, x, y) {
    if ('c' in x && 'c' in y) return { c: u32(x.c & y.c) };
    return set(o, `(v128.and ${expr(x)} ${expr(y)})`);
  }

  /** Rounds `from`..`to-1` over state s (8 values) and schedule w (64 slots, filled lazily). */
  function rounds(o, s, w, from, to, lastOnlyE = false) {
    let [a, b, c, d, e, f, g, h] = s;
    // maj(a, b, c) = ((a ^ b) & (b ^ c)) ^ b, and this round's a ^ b is the next round's b ^ c:
    // two vector operations a round instead of a bitselect (three on x64) and an xor.
    let bc = xor(o, b, c);
    for (let t = from; t < to; t++) {
      if (!w[t]) w[t] = add(o, s1(o, w[t - 2]), w[t - 7], s0(o, w[t - 15]), w[t - 16]);
      // h + K + W does not wait for this round's e, so it is summed first.
      const t1 = add(o, add(o, h, { c: K[t] }, w[t]), S1(o, e), ch(o, e, f, g));
      if (lastOnlyE && t === to - 1) return add(o, d, t1);
      const ab = xor(o, a, b);
      const mj = xor(o, and(o, ab, bc), b);
      bc = ab;
      const t2 = add(o, S0(o, a), mj);
      h = g;
      g = f;
      f = e;
      e = add(o, d, t1);
      d = c;
      c = b;
      b = a;
      a = add(o, t1, t2);
    }
    return [a, b, c, d, e, f, g, h];
  }

  const p = (i) => `$p${i}`;
  const params = [...Array(23).keys()].map(p);
  const pre = params.map((name, i) => `(local.set ${name} (v128.load32_splat offset=${PARAMS + i * 4} (i32.const 0)))`);
  const P = (i) => ({ l: p(i) });

  const loop = [];
  const tops = [];
  const nonces = [];
  for (let k = 0; k < streams; k++) {
    // Nonce lanes: base + 4k + (0..3); the header stores the nonce little-endian, SHA-256 reads
    // big-endian words, so the message word is the byte-swapped nonce.
    const n = set(
      loop,
      `(i32x4.add (local.get $base) (v128.const i32x4 ${4 * k} ${4 * k + 1} ${4 * k + 2} ${4 * k + 3}))`,
    );
    nonces.push(n);
    const w3 = set(loop, `(i8x16.swizzle ${expr(n)} (v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12))`);
    const w = new Array(64);
    w[3] = w3;
    w[4] = { c: 0x80000000 };
    for (let t = 5; t < 15; t++) w[t] = { c: 0 };
    w[15] = { c: 640 };
    w[16] = P(18);
    w[17] = P(19);
    w[18] = add(loop, P(20), s0(loop, w3));
    w[19] = add(loop, P(21), w3);
    // Round 3 is the first that sees the nonce: a3 = C1 + W3, e3 = C2 + W3 (host folds the rest).
    const s3 = [add(loop, P(16), w3), P(8), P(9), P(10), add(loop, P(17), w3), P(12), P(13), P(14)];
    const s64 = rounds(loop, s3, w, 4, 64);
    const h1 = s64.map((v, i) => add(loop, v, P(i)));
    const w2 = new Array(64);
    for (let t = 0; t < 8; t++) w2[t] = h1[t];
    w2[8] = { c: 0x80000000 };
    for (let t = 9; t < 15; t++) w2[t] = { c: 0 };
    w2[15] = { c: 256 };
    // Early exit: the top hash word is IV7 + e after round 60, so rounds 61..63 are skipped.
    const e60 = rounds(
      loop,
      IV.map((c) => ({ c })),
      w2,
      0,
      61,
      true,
    );
    const h7 = add(loop, e60, { c: IV[7] });
    tops.push(
      set(
        loop,
        `(i32x4.le_u (i8x16.swizzle ${expr(h7)} (v128.const i8x16 3 2 1 0 7 6 5 4 11 10 9 8 15 14 13 12)) (local.get $p22))`,
      ),
    );
  }
  const any = tops.map((t) => expr(t)).reduce((x, y) => `(v128.or ${x} ${y})`);

  const lines = [];
  const L = (line) => lines.push(line);
  L('(module');
  L('  (memory (export "memory") 1)');
  L(`  ;; Scans nonces base .. base + turns*${4 * streams} - 1; returns how many candidates it stored at ${FOUND}.`);
  L('  (func (export "scan") (param $start i32) (param $turns i32) (result i32)');
  L(`    (local $base v128) (local $found i32) (local $i i32) (local $m v128)`);
  L(`    ${params.map((x) => `(local ${x} v128)`).join(' ')}`);
  L(`    ${locals.map((x) => `(local ${x} v128)`).join(' ')}`);
  for (const line of pre) L(`    ${line}`);
  L('    (local.set $base (i32x4.splat (local.get $start)))');
  L('    (if (i32.eqz (local.get $turns)) (then (return (i32.const 0))))');
  L('    (loop $scan');
  for (const line of loop) L(`      ${line}`);
  L(`      (if (v128.any_true ${any}) (then`);
  // Rare path: store each matching lane's nonce (the host re-checks with the full target).
  for (let k = 0; k < streams; k++) {
    for (let lane = 0; lane < 4; lane++) {
      L(`        (if (i32x4.extract_lane ${lane} ${expr(tops[k])}) (then`);
      L(
        `          (i32.store offset=${FOUND} (i32.shl (local.get $found) (i32.const 2)) (i32x4.extract_lane ${lane} ${expr(nonces[k])}))`,
      );
      L('          (local.set $found (i32.add (local.get $found) (i32.const 1)))))');
    }
  }
  L(`        (if (i32.ge_u (local.get $found) (i32.const ${MAX_FOUND - 4 * streams})) (then`);
  L(`          (i32.store (i32.const ${LEFT}) (i32.sub (local.get $turns) (i32.const 1)))`);
  L('          (return (local.get $found))))))');
  L(
    `      (local.set $base (i32x4.add (local.get $base) (v128.const i32x4 ${4 * streams} ${4 * streams} ${4 * streams} ${4 * streams})))`,
  );
  L('      (br_if $scan (local.tee $turns (i32.sub (local.get $turns) (i32.const 1)))))');
  L(`    (i32.store (i32.const ${LEFT}) (i32.const 0))`);
  L('    (local.get $found))');
  L(')');
  return lines.join('\n');
}

export function hashWat(streams = STREAMS) {
  return scanWat(streams);
}

/** Where Node's C headers are (node_api.h): beside the running node, or Debian's /usr/include/node. */
function nodeHeaders() {
  const candidates = [
    path.join(path.dirname(path.dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return candidates.find((d) => fs.existsSync(path.join(d, 'node_api.h'))) ?? null;
}

/**
 * The optional native kernel: one C file against N-API (no node-gyp, no download), built when a
 * C compiler and Node's headers are present. Without them Hearth uses the WebAssembly kernel, so
 * installing never fails for want of a compiler.
 */
export function buildNative({ root, outDir, quiet = false }) {
  const file = path.join(outDir, 'workers', 'hash-native.node');
  const src = path.join(
    root ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
    'native-workers',
    'hash',
    'native',
    'sha256d.c',
  );
  const say = (m) => {
    if (!quiet) console.log(m);
  };
  if (process.env.HEARTH_NO_NATIVE) {
    fs.rmSync(file, { force: true });
    return say('native hash kernel skipped (HEARTH_NO_NATIVE)');
  }
  const headers = nodeHeaders();
  const cc = process.env.CC ?? 'cc';
  if (!headers)
    return say('native hash kernel not built: Node headers (node_api.h) not found; the WebAssembly kernel is used');
  const newest = Math.max(
    ...[src, path.join(path.dirname(src), 'scan-vec.h'), fileURLToPath(import.meta.url)].map(
      (f) => fs.statSync(f).mtimeMs,
    ),
  );
  if (fs.existsSync(file) && fs.statSync(file).mtimeMs > newest) return;
  const flags = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  const r = spawnSync(cc, ['-O3', '-shared', '-fPIC', '-Wall', `-I${headers}`, ...flags, src, '-o', file + '.tmp'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    fs.rmSync(file + '.tmp', { force: true });
    return say(
      `native hash kernel not built (${r.error ? `${cc}: ${r.error.message}` : r.stderr.trim().split('\n').slice(-3).join(' ')}); the WebAssembly kernel is used`,
    );
  }
  fs.renameSync(file + '.tmp', file);
  say(`built ${path.relative(process.cwd(), file)}`);
}

export async function build({ root, outDir, quiet = false }) {
  buildNative({ root, outDir, quiet });
  const require = createRequire(import.meta.url);
  const wabt = await require('wabt')();
  const mod = wabt.parseWat('sha256d.wat', hashWat(), { simd: true });
  try {
    mod.validate();
    const { buffer } = mod.toBinary({});
    const file = path.join(outDir, 'workers', 'hash-sha256d.wasm');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, buffer);
    if (!quiet) console.log(`built ${path.relative(process.cwd(), file)} (${buffer.length} bytes)`);
  } finally {
    mod.destroy();
  }
}
