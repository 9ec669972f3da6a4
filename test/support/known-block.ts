/**
 * Known answers from public chain data, for tests that must not take the miner's word for it.
 * Mainnet block 170 (the first block with a payment): its header, coinbase and the other
 * transaction's id are public; the expected hash is the block's id, not computed by Hearth.
 */
import type { StratumJob } from '#core/mining/job';

export const BLOCK_170 = {
  hash: '00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee',
  header:
    '0100000055bd840a78798ad0da853f68974f3d183e2bd1db6a842c1feecf222a00000000ff104ccb05421ab93e63f8c3ce5c2c2e9dbb37de2764b3a3175c8166562cac7d51b96a49ffff001d283e9e70',
  coinbaseTxid: 'b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082',
  // version 1, one input (null outpoint, scriptSig 04ffff001d0102), one 50 BTC pay-to-pubkey output, locktime 0
  coinbase:
    '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0704ffff001d0102ffffffff0100f2052a01000000434104d46c4968bde02899d2aa0963367c7a6ce34eec332b32e42e5f3407e052d64ac625da6f0718e7b302140434bd725706957c092db53805b821a85b23a7ac61725bac00000000',
  otherTxid: 'f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16',
  prevBlock: '000000002a22cfee1f2c846adbd12b3e183d4f97683f85dad08a79780a84bd55',
  version: '00000001',
  nbits: '1d00ffff',
  ntime: '496ab951',
  nonce: 0x709e3e28,
};

const rev = (hex: string) => Buffer.from(hex, 'hex').reverse();

/**
 * Block 170 as a pool would send it in mining.notify: the coinbase cut around its scriptSig's last
 * four bytes, which play extranonce1 ("001d") and a 2-byte extranonce2 ("0102").
 */
export function block170Job(): Pick<
  StratumJob,
  'jobId' | 'prevHash' | 'coinb1' | 'coinb2' | 'merkleBranch' | 'version' | 'nbits' | 'ntime'
> {
  const b = BLOCK_170;
  const cut = b.coinbase.indexOf('04ffff001d0102') + 6;
  // Stratum sends prevhash as eight 4-byte words, each byte-swapped against the header's order.
  const prevLE = rev(b.prevBlock);
  const words = Buffer.alloc(32);
  for (let i = 0; i < 32; i += 4)
    prevLE
      .subarray(i, i + 4)
      .reverse()
      .copy(words, i);
  return {
    jobId: '170',
    prevHash: words.toString('hex'),
    coinb1: b.coinbase.slice(0, cut),
    coinb2: b.coinbase.slice(cut + 8),
    merkleBranch: [rev(b.otherTxid).toString('hex')],
    version: b.version,
    nbits: b.nbits,
    ntime: b.ntime,
  };
}
