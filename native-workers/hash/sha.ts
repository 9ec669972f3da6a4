/**
 * Scalar SHA-256 pieces the host needs around the vector kernel: the midstate of a header's first
 * 64 bytes, the per-job words the kernel folds in, targets and share difficulty. The kernel's
 * answers are always re-checked here with node:crypto before anything is reported.
 */
import { createHash } from 'node:crypto';

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);
export const IV = new Uint32Array([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

const rotr = (x: number, n: number) => ((x >>> n) | (x << (32 - n))) >>> 0;
const S0 = (a: number) => (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) >>> 0;
const S1 = (e: number) => (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) >>> 0;
const s0 = (x: number) => (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) >>> 0;
const s1 = (x: number) => (rotr(x, 17) ^ rotr(x, 19) ^ (x >>> 10)) >>> 0;
const ch = (e: number, f: number, g: number) => ((e & f) ^ (~e & g)) >>> 0;
const maj = (a: number, b: number, c: number) => ((a & b) ^ (a & c) ^ (b & c)) >>> 0;

/** Runs `count` rounds from `state` (a..h) over message words `w` (extended in place as needed). */
function rounds(state: number[], w: number[], count: number): number[] {
  let [a, b, c, d, e, f, g, h] = state as [number, number, number, number, number, number, number, number];
  for (let t = 0; t < count; t++) {
    if (t >= 16 && w[t] === undefined) w[t] = (s1(w[t - 2]!) + w[t - 7]! + s0(w[t - 15]!) + w[t - 16]!) >>> 0;
    const t1 = (h + S1(e) + ch(e, f, g) + K[t]! + w[t]!) >>> 0;
    const t2 = (S0(a) + maj(a, b, c)) >>> 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  return [a, b, c, d, e, f, g, h];
}

/** SHA-256 compression of one 64-byte block (big-endian words) onto `state`. */
export function compress(state: ArrayLike<number>, block: Uint8Array): number[] {
  const w: number[] = [];
  for (let i = 0; i < 16; i++) w.push(readBE(block, i * 4));
  const out = rounds(Array.from(state), w, 64);
  return out.map((v, i) => (v + state[i]!) >>> 0);
}

export function readBE(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Words 0..21 of the kernel's parameter block (see build.mjs); word 22 is the threshold. */
export function jobParams(header: Uint8Array): Uint32Array {
  if (header.length < 76) throw new Error(`a block header has 80 bytes (76 without the nonce), got ${header.length}`);
  const mid = compress(IV, header.subarray(0, 64));
  const w0 = readBE(header, 64);
  const w1 = readBE(header, 68);
  const w2 = readBE(header, 72);
  const s2 = rounds(mid, [w0, w1, w2], 3);
  const [a, b, c, d, e, f, g, h] = s2 as [number, number, number, number, number, number, number, number];
  // Round 3 with the nonce word left out: T1 = (everything else) + W3.
  const t1 = (h + S1(e) + ch(e, f, g) + K[3]!) >>> 0;
  const t2 = (S0(a) + maj(a, b, c)) >>> 0;
  const w16 = (s1(0) + 0 + s0(w1) + w0) >>> 0;
  const w17 = (s1(640) + 0 + s0(w2) + w1) >>> 0;
  const p18 = (s1(w16) + 0 + w2) >>> 0; // + s0(W3) in the kernel
  const p19 = (s1(w17) + 0 + s0(0x80000000)) >>> 0; // + W3 in the kernel
  return Uint32Array.from([...mid, ...s2, (t1 + t2) >>> 0, (d + t1) >>> 0, w16, w17, p18, p19]);
}

/** Double SHA-256 of a full 80-byte header, in the byte order SHA-256 produces. */
export function sha256d(data: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(data).digest()).digest();
}

/** The hash as Bitcoin compares it: a little-endian 256-bit number. */
export function hashValue(hash: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(hash).reverse().toString('hex'));
}

/** The hash as block explorers print it (byte-reversed hex). */
export function hashHex(hash: Uint8Array): string {
  return Buffer.from(hash).reverse().toString('hex');
}

/** Difficulty 1 target (bdiff, as pools use it): 0xffff × 2^208. */
export const DIFF1 = 0xffffn << 208n;
const SCALE = 1n << 32n;

/** The share target for a pool difficulty (fractional difficulties allowed, as test pools send). */
export function targetForDifficulty(difficulty: number): bigint {
  if (!(difficulty > 0) || !Number.isFinite(difficulty))
    throw new Error(`difficulty must be a positive number, got ${difficulty}`);
  const scaled = BigInt(Math.max(1, Math.round(difficulty * Number(SCALE))));
  const t = (DIFF1 * SCALE) / scaled;
  const max = (1n << 256n) - 1n;
  return t > max ? max : t;
}

/** The difficulty a hash meets: diff1 target ÷ hash value. */
export function hashDifficulty(hash: Uint8Array): number {
  const v = hashValue(hash);
  if (v === 0n) return Infinity;
  return Number(DIFF1) / Number(v);
}

/** The kernel's cheap pre-filter: a hash can meet `target` only if its top word is at most this. */
export function topWordThreshold(target: bigint): number {
  const top = target >> 224n;
  return top > 0xffffffffn ? 0xffffffff : Number(top);
}

/** Network target from the compact "nbits" form. */
export function targetFromBits(bits: number): bigint {
  const exp = bits >>> 24;
  const mant = BigInt(bits & 0x007fffff);
  return exp <= 3 ? mant >> BigInt(8 * (3 - exp)) : mant << BigInt(8 * (exp - 3));
}
