import { describe, expect, it } from 'vitest';
import { ShareHealth } from './health.ts';

const MIN = 60_000;
/** Hashes that should find `n` shares at difficulty d. */
const sharesWorth = (n: number, d: number) => n * d * 2 ** 32;

describe('pool health', () => {
  it('thirty minutes at 98 % rejects: one unhealthy spell from within the first window, naming the reason and what to check, over once the pool accepts again', () => {
    const h = new ShareHealth();
    const t0 = Date.UTC(2026, 11, 6, 18);
    let firstUnhealthy: number | null = null;
    const spells = new Set<number>();
    // One share every 6 s for 30 minutes; every 50th is accepted (2 %).
    for (let i = 0; i < 300; i++) {
      const at = t0 + i * 6000;
      h.work(at, sharesWorth(1, 1000), 1000);
      h.answer(at, i % 50 === 49, i % 50 === 49 ? null : 'Above target');
      const s = h.state(at);
      if (s.state === 'unhealthy' && firstUnhealthy === null) firstUnhealthy = at;
      if (s.since !== null) spells.add(s.since);
    }
    expect(firstUnhealthy).not.toBeNull();
    expect(firstUnhealthy! - t0).toBeLessThan(5 * MIN);
    expect(spells.size).toBe(1);
    const s = h.state(t0 + 300 * 6000 - 1);
    expect(s.state).toBe('unhealthy');
    expect(s.problem).toMatch(
      /the pool rejected \d+ of the last \d+ shares \(\d+ %\), mostly "Above target": .*hearth mine --check/,
    );
    expect(s.topReason).toBe('Above target');
    // The pool accepts again: healthy once the rejections have left the 5-minute window.
    const back = t0 + 300 * 6000;
    for (let i = 0; i <= 50; i++) h.answer(back + i * 6000, true, null);
    expect(h.state(back + 50 * 6000).state).toBe('ok');
  });

  it('a normal pool with 1 % stale shares stays healthy', () => {
    const h = new ShareHealth();
    const t0 = 0;
    for (let i = 0; i < 600; i++) {
      h.work(t0 + i * 3000, sharesWorth(1, 1), 1);
      h.answer(t0 + i * 3000, i % 100 !== 0, i % 100 === 0 ? 'Stale' : null);
      expect(h.state(t0 + i * 3000).state).toBe('ok');
    }
  });

  it('needs at least three rejections in five minutes before a rejection rate counts', () => {
    const h = new ShareHealth();
    h.answer(0, false, 'Stale');
    h.answer(1000, false, 'Stale');
    expect(h.state(2000)).toMatchObject({ state: 'ok', rejectRate: null });
    h.answer(1500, true, null);
    expect(h.state(2000)).toMatchObject({ state: 'ok', rejectRate: 2 / 3 });
    h.answer(3000, false, 'Stale');
    expect(h.state(4000).state).toBe('unhealthy');
  });

  it('no accepted share for ten times the expected time at the pool difficulty: unhealthy, and the silence is measured in work, not time', () => {
    const h = new ShareHealth();
    // 9 expected shares' worth of work over two hours: not yet.
    for (let i = 0; i < 9; i++) h.work(i * 800_000, sharesWorth(1, 5000), 5000);
    expect(h.state(2 * 3_600_000).state).toBe('ok');
    h.work(2 * 3_600_000, sharesWorth(1.5, 5000), 5000);
    const s = h.state(2 * 3_600_000);
    expect(s.state).toBe('unhealthy');
    expect(s.problem).toMatch(
      /no share accepted for 2\.0 h, though this work should have found 11 at the pool's difficulty/,
    );
    h.answer(2 * 3_600_000 + 1, true, null);
    expect(h.state(2 * 3_600_000 + 2)).toMatchObject({ state: 'ok', expectedShares: 0 });
  });

  it('forgets everything when mining moves to another pool', () => {
    const h = new ShareHealth();
    for (let i = 0; i < 5; i++) h.answer(i, false, 'Duplicate');
    expect(h.state(10).state).toBe('unhealthy');
    h.reset();
    expect(h.state(11)).toMatchObject({ state: 'ok', rejectRate: null, expectedShares: 0 });
  });

  it('a fast pool (a share every 10 ms) stays healthy although its work is counted in one-second chunks', () => {
    const h = new ShareHealth();
    const d = 2 ** -14; // 114 shares' worth of work a second at 30 MH/s
    for (let s = 1; s <= 30; s++) {
      for (let t = (s - 1) * 1000 + 10; t < s * 1000; t += 10) h.answer(t, true, null);
      h.work(s * 1000, 30e6, d, 1000);
      expect(h.state(s * 1000)).toMatchObject({ state: 'ok' });
      expect(h.state(s * 1000).expectedShares).toBeLessThan(10);
    }
  });
});
