import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import * as built from './build.mjs';
import {
  KERNEL_LAYOUT,
  loadNative,
  NativeKernel,
  nativePaths,
  NONCES_PER_TURN,
  WasmKernel,
  type HashKernel,
} from './kernel.ts';
import { hashHex, hashValue, sha256d, targetForDifficulty, targetFromBits } from './sha.ts';

// Real block headers (80 bytes, as serialized on the wire).
const GENESIS =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const GENESIS_HASH = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
// Block 125552, the bitcoin wiki's worked example of block hashing.
const B125552 =
  '01000000' +
  '81cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000' +
  'e320b6c2fffc8d750423db8b1eb942ae710e951ed797f7affc8892b0f1fc122b' +
  'c7f5d74d' +
  'f2b9441a' +
  '42a14695';
const B125552_HASH = '00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d';

const nonceOf = (h: Buffer) => h.readUInt32LE(76);

it('the WebAssembly kernel uses the memory layout the generator emitted', () => {
  expect(KERNEL_LAYOUT).toEqual({
    params: built.PARAMS,
    found: built.FOUND,
    left: built.LEFT,
    maxFound: built.MAX_FOUND,
    streams: built.STREAMS,
  });
});

const native = loadNative();
if (!native.ok) console.warn(`native kernel tests skipped: ${native.reason}`);
const routes: [string, () => HashKernel][] = [
  ['WebAssembly SIMD', () => new WasmKernel()],
  // Every path this CPU can run (AVX-512, SHA extensions, AVX2, portable C).
  ...nativePaths().map((p): [string, () => HashKernel] => [`native ${p}`, () => new NativeKernel({ path: p })]),
];

describe.each(routes)('SHA-256d kernel: %s', (_name, make) => {
  for (const [name, hex, expected] of [
    ['genesis block', GENESIS, GENESIS_HASH],
    ['block 125552', B125552, B125552_HASH],
  ] as const) {
    it(`finds the real nonce of the ${name} against its own network target`, () => {
      const header = Buffer.from(hex, 'hex');
      expect(hashHex(sha256d(header))).toBe(expected);
      const nonce = nonceOf(header);
      const k = make();
      k.setWork(header, targetFromBits(header.readUInt32LE(72)));
      const start = (nonce - 5000) >>> 0;
      const found = k.scan(start - (start % NONCES_PER_TURN), 10_000 + NONCES_PER_TURN);
      expect(found.map((f) => f.nonce)).toEqual([nonce]);
      expect(hashHex(found[0]!.hash)).toBe(expected);
    });
  }

  it('pre-filters exactly the nonces node:crypto says pass, for random headers', () => {
    const k = make();
    for (let trial = 0; trial < 4; trial++) {
      const header = randomBytes(80);
      // Difficulty 2^-26: about one nonce in 64 passes the top-word filter (difficulty 1 leaves ~1 in 2^32).
      const target = targetForDifficulty(2 ** -26);
      k.setWork(header, target);
      const start = randomBytes(4).readUInt32LE(0) & ~(NONCES_PER_TURN - 1);
      const count = 4096;
      const seen: number[] = [];
      const found = k.scan(start, count, (n) => seen.push(n));
      const expected: number[] = [];
      const passing: number[] = [];
      for (let i = 0; i < count; i++) {
        const nonce = (start + i) >>> 0;
        const h = k.hashAt(nonce);
        if (h.readUInt32LE(28) <= Number(target >> 224n)) expected.push(nonce);
        if (hashValue(h) <= target) passing.push(nonce);
      }
      expect(seen).toEqual(expected);
      expect(expected.length).toBeGreaterThan(20);
      expect(found.map((f) => f.nonce)).toEqual(passing);
    }
  });

  it('keeps scanning where it stopped when the candidate list fills up', () => {
    const k = make();
    const header = randomBytes(80);
    k.setWork(header, targetForDifficulty(2 ** -32)); // nearly every nonce passes
    const seen: number[] = [];
    k.scan(0xfffff000, 8192, (n) => seen.push(n)); // also wraps at 2^32
    expect(seen.length).toBeGreaterThan(8000);
    expect(new Set(seen).size).toBe(seen.length);
    for (const n of seen) expect(n >= 0xfffff000 || n < 0x1000).toBe(true);
  });
});
