import { Miner } from '#core/mining/miner';
import { CKPOOL_SOLO, POOLED_BIP310, TestPool, type PoolBehaviour } from '../../../test/support/stratum-pool.ts';
import { JSON_DOC, numberOption, type Command, flagOptions, textOptions } from '../command.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

const SCENARIOS: [string, PoolBehaviour][] = [
  ['ckpool solo order, job version 0x30000000, job | bits', CKPOOL_SOLO],
  ['pooled order, BIP 310 formula, reject-reason', POOLED_BIP310],
];

/**
 * Does the protocol keep the work the kernel does? One thread mines against the test pool in each
 * message order, with a client.reconnect halfway. Printed: shares the pool's own check accepted
 * over those it answered, the time from each connect to its first accepted share, and accepted
 * shares against the reference measured in the same run: the shares the miner's own hash count
 * should have found at the pool's difficulty (1.00 = no work lost to the protocol).
 */
export const benchStratumCommand: Command = {
  name: 'bench stratum',
  summary:
    'Shares the pool accepts, time to the first share after each connect, and accepted vs expected shares (1 thread)',
  usage: '[--seconds S] [--difficulty D] [--json]',
  options: { ...flagOptions('json'), ...textOptions('seconds', 'difficulty') },
  docs: {
    seconds: { value: 'S', text: 'how long each message order runs', default: '30', unit: 'seconds' },
    difficulty: {
      value: 'D',
      text: "the test pool's share difficulty",
      default: '0.0009765625 (2^-10)',
      example: '0.001',
    },
    json: JSON_DOC,
  },
  examples: ['hearth bench stratum --seconds 20'],
  async run({ values }) {
    const seconds = numberOption(values['seconds'], 'seconds', { min: 2, max: 600 }) ?? 30;
    const difficulty =
      numberOption(values['difficulty'], 'difficulty', { min: 2 ** -20, max: 1, integer: false }) ?? 2 ** -10;
    const results = [];
    for (const [name, behaviour] of SCENARIOS) {
      const pool = new TestPool({ difficulty, ...behaviour });
      await pool.listen();
      let hashes = 0;
      const miner = new Miner({
        pools: [{ url: pool.url, user: 'alice.rig', password: 'x' }],
        threads: 1,
        log: quiet,
        onStats: (s) => (hashes += s.hashRate),
      });
      try {
        await miner.start();
        await wait((seconds * 1000) / 2);
        pool.reconnect(0);
        await wait((seconds * 1000) / 2);
      } finally {
        await miner.stop();
        await pool.close();
      }
      const answered = pool.shares.length;
      const accepted = pool.accepted().length;
      const expected = hashes / (difficulty * 2 ** 32);
      const firstShareMs = pool.sessionList.map((s) =>
        s.firstAcceptedAt === null ? null : s.firstAcceptedAt - s.connectedAt,
      );
      results.push({
        scenario: name,
        seconds,
        difficulty,
        answered,
        accepted,
        acceptedPct: answered ? (100 * accepted) / answered : 0,
        expectedShares: expected,
        acceptedVsExpected: expected > 0 ? accepted / expected : 0,
        firstShareMs,
      });
    }
    if (values['json'] === true) console.log(JSON.stringify(results, null, 2));
    else
      for (const r of results) {
        console.log(`${r.scenario}`);
        console.log(`  accepted by the pool's check  ${r.accepted} of ${r.answered} (${r.acceptedPct.toFixed(1)} %)`);
        console.log(
          `  first accepted share          ${r.firstShareMs.map((m, i) => `connection ${i + 1}: ${m === null ? 'none' : `${m} ms`}`).join(', ')} after connecting`,
        );
        console.log(
          `  accepted vs expected shares   ${r.accepted} / ${r.expectedShares.toFixed(1)} = ${r.acceptedVsExpected.toFixed(2)} (reference: the miner's own hash count at difficulty ${r.difficulty})`,
        );
      }
    return 0;
  },
};
