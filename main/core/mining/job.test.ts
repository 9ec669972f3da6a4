import { describe, expect, it } from 'vitest';
import { hashDifficulty, sha256d } from '#workers/hash/sha';
import { BLOCK_170, block170Job } from '../../../test/support/known-block.ts';
import {
  extranonce2Hex,
  headerFor,
  headerVersion,
  merkleRoot,
  nonceHex,
  rollMask,
  slotWork,
  submittedVersionBits,
  versionBitsFor,
  versionVariants,
  type StratumJob,
} from './job.ts';

// A real pool job from the ESP-Miner (Bitaxe) unit tests ("Test nonce diff checking 2"): the
// coinbase as mined, 13 merkle branches, and the nonce the ASIC returned (share difficulty 683.5).
const COINBASE =
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4b0389130cfabe6d6d5cbab26a2599e92916edec5657a94a0708ddb970f5c45b5d12905085617eff8e010000000000000031650707758de07b010000000000001cfd7038212f736c7573682f000000000379ad0c2a000000001976a9147c154ed1dc59609e3d26abb2df2ea3d587cd8c4188ac00000000000000002c6a4c2952534b424c4f434b3ae725d3994b811572c1f345deb98b56b465ef8e153ecbbd27fa37bf1b005161380000000000000000266a24aa21a9ed63b06a7946b190a3fda1d76165b25c9b883bcc6621b040773050ee2a1bb18f1800000000';
const BRANCHES = [
  '2b77d9e413e8121cd7a17ff46029591051d0922bd90b2b2a38811af1cb57a2b2',
  '5c8874cef00f3a233939516950e160949ef327891c9090467cead995441d22c5',
  '2d91ff8e19ac5fa69a40081f26c5852d366d608b04d2efe0d5b65d111d0d8074',
  '0ae96f609ad2264112a0b2dfb65624bedbcea3b036a59c0173394bba3a74e887',
  'e62172e63973d69574a82828aeb5711fc5ff97946db10fc7ec32830b24df7bde',
  'adb49456453aab49549a9eb46bb26787fb538e0a5f656992275194c04651ec97',
  'a7bc56d04d2672a8683892d6c8d376c73d250a4871fdf6f57019bcc737d6d2c2',
  'd94eceb8182b4f418cd071e93ec2a8993a0898d4c93bc33d9302f60dbbd0ed10',
  '5ad7788b8c66f8f50d332b88a80077ce10e54281ca472b4ed9bbbbcb6cf99083',
  '9f9d784b33df1b3ed3edb4211afc0dc1909af9758c6f8267e469f5148ed04809',
  '48fd17affa76b23e6fb2257df30374da839d6cb264656a82e34b350722b05123',
  'c4f5ab01913fc186d550c1a28f3f3e9ffaca2016b961a6a751f8cca0089df924',
  'cff737e1d00176dd6bbfa73071adbb370f227cfb5fba186562e4060fcec877e1',
];
// Split the coinbase the way a pool sends it: coinb1 ‖ extranonce1 (4 B) ‖ extranonce2 (8 B) ‖ coinb2.
const EN1 = '31650707';
const EN2 = '758de07b01000000';
const at = COINBASE.indexOf(EN1 + EN2);
const JOB: StratumJob = {
  jobId: 'esp',
  prevHash: '0c859545a3498373a57452fac22eb7113df2a465000543520000000000000000',
  coinb1: COINBASE.slice(0, at),
  coinb2: COINBASE.slice(at + EN1.length + EN2.length),
  merkleBranch: BRANCHES,
  version: '20000004',
  nbits: '1705ae3a',
  ntime: '647025b5',
  clean: true,
  difficulty: 512,
  extranonce1: EN1,
  extranonce2Size: 8,
  versionMask: 0,
  connection: 1,
};

describe('Stratum job → header', () => {
  it('rebuilds the ESP-Miner test job: merkle root and a share of difficulty 683.5', () => {
    expect(at).toBeGreaterThan(0);
    expect(merkleRoot(Buffer.from(COINBASE, 'hex'), BRANCHES).toString('hex')).toBe(
      '5bdc1968499c3393873edf8e07a1c3a50a97fc3a9d1a376bbf77087dd63778eb',
    );
    const header = Buffer.concat([headerFor(JOB, EN2), Buffer.alloc(4)]);
    header.writeUInt32LE(0x0a029ed1, 76);
    const diff = hashDifficulty(sha256d(header));
    expect(Math.floor(diff)).toBe(683);
    expect(diff).toBeCloseTo(683.51, 1);
    expect(nonceHex(0x0a029ed1)).toBe('0a029ed1');
  });

  it('rolls version bits only inside the negotiated mask and gives every slot its own header (BIP 310)', () => {
    const mask = 0x1fffe000;
    expect(versionVariants(mask)).toBe(2 ** 16);
    expect(versionBitsFor(0, mask)).toBe(0);
    expect(versionBitsFor(1, mask)).toBe(0x2000);
    expect(versionBitsFor(3, mask)).toBe(0x6000);
    const job = { ...JOB, versionMask: 0x00006000 }; // 2 bits: 4 variants
    const seen = new Set<string>();
    for (let slot = 0; slot < 16; slot++) {
      const w = slotWork(job, slot);
      expect(w.versionBits & ~job.versionMask).toBe(0);
      const h = headerFor(job, w.extranonce2, w.versionBits);
      expect(h.readUInt32LE(0) & ~job.versionMask).toBe(0x20000004 & ~job.versionMask);
      seen.add(h.toString('hex'));
    }
    expect(seen.size).toBe(16);
    expect(slotWork(JOB, 5)).toEqual({ extranonce2: '0000000000000005', versionBits: 0 });
  });

  it('keeps the job version bits that lie inside the mask (regtest 0x30000000) and submits what both pool formulas rebuild', () => {
    const mask = 0x1fffe000;
    const job = { ...JOB, version: '30000000', versionMask: mask };
    expect(rollMask(job)).toBe(0x0fffe000); // bit 28 is the job's: never rolled, never cleared
    for (const slot of [0, 1, 2, 3, 777, 65_535, 65_536 + 9]) {
      const w = slotWork(job, slot);
      const version = headerVersion(job, w.versionBits);
      expect(headerFor(job, w.extranonce2, w.versionBits).readUInt32LE(0)).toBe(version);
      expect(version & 0x30000000).toBe(0x30000000);
      const bits = parseInt(submittedVersionBits(job, w.versionBits), 16);
      expect(bits & ~mask).toBe(0);
      // ckpool: job | bits. BIP 310: (job & ~mask) | (bits & mask). Both must give the hashed header.
      expect((0x30000000 | bits) >>> 0).toBe(version);
      expect(((0x30000000 & ~mask) | (bits & mask)) >>> 0).toBe(version);
    }
  });

  it('refuses malformed job fields with the field named', () => {
    expect(() => headerFor({ ...JOB, prevHash: 'zz' }, EN2)).toThrow(/prevhash is not hex/);
    expect(() => headerFor({ ...JOB, merkleBranch: ['00'] }, EN2)).toThrow(/merkle branch 0 must be 32 bytes/);
    expect(() => headerFor(JOB, '00')).toThrow(/extranonce2 must be 8 bytes/);
    expect(() => extranonce2Hex(256, 1)).toThrow(/does not fit in 1 bytes/);
    expect(extranonce2Hex(258, 2)).toBe('0102');
  });
});

describe('a known answer: mainnet block 170 through the Stratum job path', () => {
  const rev = (hex: string) => Buffer.from(hex, 'hex').reverse();
  it('splits its coinbase around the extranonces, folds its merkle branch and hashes to the block id', () => {
    const b = BLOCK_170;
    expect(rev(sha256d(Buffer.from(b.coinbase, 'hex')).toString('hex')).toString('hex')).toBe(b.coinbaseTxid);
    const job: StratumJob = {
      ...block170Job(),
      extranonce1: '001d',
      extranonce2Size: 2,
      difficulty: 1,
      versionMask: 0,
      connection: 1,
      clean: true,
    };
    const w = slotWork(job, 0x0102);
    expect(w).toEqual({ extranonce2: '0102', versionBits: 0 });
    const header = Buffer.concat([headerFor(job, w.extranonce2), Buffer.alloc(4)]);
    header.writeUInt32LE(b.nonce, 76);
    expect(header.toString('hex')).toBe(b.header);
    expect(rev(sha256d(header).toString('hex')).toString('hex')).toBe(b.hash);
  });
});
