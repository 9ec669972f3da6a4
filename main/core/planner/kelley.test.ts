import { describe, expect, it } from 'vitest';
import { kelleyMaster } from './kelley.ts';
import { loadHighs } from './mip.ts';

/** A linear congruential generator: deterministic, so a failure names its seed. */
const rng = (seed: number) => {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
};

describe('Kelley master LP', () => {
  it('equals HiGHS on 300 random cut sets, and its λ attains the minimum it reports', async () => {
    const highs = await loadHighs();
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const n = 1 + Math.floor(r() * 5);
      const m = 1 + Math.floor(r() * 30);
      const U = 0.5 + r() * 10;
      // Cuts like the planner's: a subgradient is work done minus the target, often of both signs.
      const cuts = Array.from({ length: m }, () => ({ a: r() * 2 - 0.5, g: Array.from({ length: n }, () => (r() < 0.2 ? 0 : r() * 20 - 10)) }));
      const got = kelleyMaster(cuts, n, U);
      if (!got) throw new Error(`seed ${seed}: no solution`);
      const fmt = (x: number) => x.toPrecision(17);
      const rows = cuts.map((c, i) => ` c${i}: z${c.g.map((g, k) => ` ${g > 0 ? '-' : '+'} ${fmt(Math.abs(g))} l${k}`).join('')} >= ${fmt(c.a)}`);
      const lp = `minimize\n obj: z\nsubject to\n${rows.join('\n')}\nbounds\n z free\n${Array.from({ length: n }, (_, k) => ` 0 <= l${k} <= ${fmt(U)}`).join('\n')}\nend\n`;
      const ref = highs.solve(lp, { output_flag: false });
      expect(ref.Status, `seed ${seed}`).toBe('Optimal');
      expect(got.z, `seed ${seed}`).toBeCloseTo(ref.ObjectiveValue, 9);
      const attained = Math.max(...cuts.map((c) => c.a + c.g.reduce((s, g, k) => s + g * (got.lambda[k] ?? 0), 0)));
      expect(attained, `seed ${seed}: λ gives ${attained}, z ${got.z}`).toBeCloseTo(got.z, 9);
      for (const l of got.lambda) expect(l >= 0 && l <= U, `seed ${seed}: λ ${l} outside [0, ${U}]`).toBe(true);
    }
  });

  it('lands on a kink exactly: two cuts crossing at λ = 0.008 give that λ to the last bits', () => {
    // Mining earns 0.003 a slot where the job would do 0.375 work: the cuts cross where λ·0.375 = 0.003.
    const got = kelleyMaster([{ a: 0.003, g: [-0.375] }, { a: 0, g: [0] }, { a: -0.001, g: [0.125] }], 1, 1);
    expect(got).not.toBeNull();
    // The minimum of max(0.003 − 0.375λ, 0, −0.001 + 0.125λ) is 0 for λ in [0.008, 0.008]: exactly the kink.
    expect(Math.abs((got?.lambda[0] ?? 0) - 0.008)).toBeLessThan(1e-17);
    expect(got?.z).toBeCloseTo(0, 15);
  });
});
