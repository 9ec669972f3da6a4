import { describe, expect, it } from 'vitest';
import { binMeans } from '../history/figures.ts';
import { statusText } from './plan-status.ts';

describe('plan status in words', () => {
  it('says what the solver proved', () => {
    expect(statusText({ kind: 'optimal' })).toBe('Optimal (proven)');
    expect(statusText({ kind: 'feasible', gap: 0.0123 })).toBe(
      'Feasible — at most 1.23 % from the optimum (time limit)',
    );
    expect(statusText({ kind: 'feasible', gap: 0.00042 })).toBe(
      'Feasible — at most 0.042 % from the optimum (time limit)',
    );
    expect(statusText({ kind: 'feasible', gap: 0.05, on: 'shortfall' })).toBe(
      'Feasible — the deadline work it misses may be up to 5.00 % more than the least possible (time limit)',
    );
    expect(statusText({ kind: 'heuristic', reason: 'the fast plan was asked for' })).toBe(
      'Fast plan only: the fast plan was asked for',
    );
  });
});

describe('indoor readings per span (History page)', () => {
  it('averages the readings in each span and leaves empty spans empty', () => {
    const readings = [
      { at: 0, c: 19 },
      { at: 1_800_000, c: 20 },
      { at: 7_200_000, c: 21 },
      { at: 10_800_000, c: 99 }, // at the end of the range: outside it
    ];
    expect(binMeans(readings, 0, 10_800_000, 3)).toEqual([19.5, null, 21]);
  });
});
