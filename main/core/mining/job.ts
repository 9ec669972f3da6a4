/**
 * Turning a Stratum V1 mining.notify into block headers. Byte orders, because every miner gets
 * one of them wrong once:
 * - version, nbits, ntime arrive as big-endian hex of the 32-bit value; the header stores them
 *   little-endian;
 * - prevhash arrives as eight 4-byte words, each byte-swapped relative to the header's order;
 * - coinbase = coinb1 + extranonce1 + extranonce2 + coinb2, and the merkle root folds
 *   sha256d(root ‖ branch) over the branches, all in internal (hash output) byte order;
 * - the nonce is submitted as big-endian hex of the 32-bit value.
 */
import { sha256d } from '#workers/hash/sha';

export type StratumJob = {
  jobId: string;
  prevHash: string;
  coinb1: string;
  coinb2: string;
  merkleBranch: string[];
  version: string;
  nbits: string;
  ntime: string;
  clean: boolean;
  /** Pool difficulty in force when the job arrived (a later set_difficulty applies to later jobs). */
  difficulty: number;
  extranonce1: string;
  extranonce2Size: number;
  /** Version bits the pool lets us roll (BIP 310 mining.configure); 0 when not negotiated. */
  versionMask: number;
  /** The connection it came on: its extranonce1 is that connection's, so it dies with it. */
  connection: number;
};

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function hexBytes(hex: string, what: string, len?: number): Buffer {
  if (typeof hex !== 'string' || !HEX.test(hex)) throw new Error(`${what} is not hex`);
  const b = Buffer.from(hex, 'hex');
  if (len !== undefined && b.length !== len) throw new Error(`${what} must be ${len} bytes, got ${b.length}`);
  return b;
}

/** The 32-bit hex fields (version, nbits, ntime) as numbers. */
export function word(hex: string, what: string): number {
  return hexBytes(hex, what, 4).readUInt32BE(0);
}

export function extranonce2Hex(slot: number, size: number): string {
  const max = size >= 6 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * size);
  if (slot < 0 || slot >= max) throw new Error(`extranonce2 ${slot} does not fit in ${size} bytes`);
  return slot.toString(16).padStart(size * 2, '0');
}

/** How many distinct extranonce2 values a job offers (capped: more than 2^32 never run out). */
export function slotCount(size: number): number {
  return size >= 4 ? 2 ** 32 : 2 ** (8 * size);
}

export function merkleRoot(coinbase: Uint8Array, branch: string[]): Buffer {
  let root = sha256d(coinbase);
  for (const [i, b] of branch.entries()) root = sha256d(Buffer.concat([root, hexBytes(b, `merkle branch ${i}`, 32)]));
  return root;
}

/** Spreads the low bits of `index` over the set bits of `mask` (lowest first). */
export function versionBitsFor(index: number, mask: number): number {
  let out = 0;
  let i = index;
  for (let bit = 0; bit < 32 && i > 0; bit++) {
    if (((mask >>> bit) & 1) === 0) continue;
    if (i & 1) out |= 1 << bit;
    i = Math.floor(i / 2);
  }
  return out >>> 0;
}

/**
 * The version bits this job lets the miner roll: the negotiated mask less the bits the job's own
 * version already sets. Pools rebuild the header version either as `job | submitted` (ckpool) or
 * as `(job & ~mask) | (submitted & mask)` (BIP 310); both agree only if the miner never clears a
 * bit the job set, so those bits are kept and only the others are rolled.
 */
export function rollMask(job: StratumJob): number {
  return (job.versionMask & ~word(job.version, 'version')) >>> 0;
}

/** How many version variants a job offers (at most 2^16, so slot numbers stay small). */
export function versionVariants(mask: number): number {
  let bits = 0;
  for (let m = mask >>> 0; m; m &= m - 1) bits++;
  return 2 ** Math.min(bits, 16);
}

/**
 * A slot names one header: with version rolling, slot = en2 index × variants + version index, so
 * threads never share a header. Returns the extranonce2 (hex) and the rolled version bits.
 */
export function slotWork(job: StratumJob, slot: number): { extranonce2: string; versionBits: number } {
  const mask = rollMask(job);
  const variants = versionVariants(mask);
  return {
    extranonce2: extranonce2Hex(Math.floor(slot / variants), job.extranonce2Size),
    versionBits: versionBitsFor(slot % variants, mask),
  };
}

/** The header's version for rolled bits: the job's version with those bits set. */
export function headerVersion(job: StratumJob, versionBits: number): number {
  return (word(job.version, 'version') | (versionBits & rollMask(job))) >>> 0;
}

/**
 * The version_bits field of mining.submit: the header version's bits inside the negotiated mask,
 * job bits included, so that both pool formulas rebuild exactly the header that was hashed.
 */
export function submittedVersionBits(job: StratumJob, versionBits: number): string {
  return ((headerVersion(job, versionBits) & job.versionMask) >>> 0).toString(16).padStart(8, '0');
}

/** The 76 header bytes before the nonce for one extranonce2 (and rolled version bits, BIP 310). */
export function headerFor(job: StratumJob, extranonce2: string, versionBits = 0): Buffer {
  const coinbase = Buffer.concat([
    hexBytes(job.coinb1, 'coinb1'),
    hexBytes(job.extranonce1, 'extranonce1'),
    hexBytes(extranonce2, 'extranonce2', job.extranonce2Size),
    hexBytes(job.coinb2, 'coinb2'),
  ]);
  const prev = hexBytes(job.prevHash, 'prevhash', 32);
  const h = Buffer.alloc(76);
  h.writeUInt32LE(headerVersion(job, versionBits), 0);
  for (let i = 0; i < 8; i++) h.writeUInt32LE(prev.readUInt32BE(i * 4), 4 + i * 4);
  merkleRoot(coinbase, job.merkleBranch).copy(h, 36);
  h.writeUInt32LE(word(job.ntime, 'ntime'), 68);
  h.writeUInt32LE(word(job.nbits, 'nbits'), 72);
  return h;
}

export function nonceHex(nonce: number): string {
  return (nonce >>> 0).toString(16).padStart(8, '0');
}
