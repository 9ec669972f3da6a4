/**
 * Is the pool paying for this work? Either rule marks mining unhealthy:
 * - rejections: over the last 5 minutes, at least 3 rejections and more than 10 % of the answers
 *   (it clears once the rejections have aged out of the window, not at the first accepted share,
 *   so a pool that accepts one share in fifty is one unhealthy spell, not fifty);
 * - silence: no accepted share while the work done since the last one (or since mining began)
 *   should have found 10 shares at the pool's difficulty (it clears at the next accepted share).
 * While unhealthy the ledger books no expected revenue and the planner gives mining no value.
 * Pure and clock-driven (times are passed in), so each rule is tested with a moved clock.
 */
export type HealthState = {
  state: 'ok' | 'unhealthy';
  /** What is wrong and what to check, in plain words; null while ok. */
  problem: string | null;
  /** Since when it has been unhealthy (ms). */
  since: number | null;
  /** Rejections among the answers of the last 5 minutes (fraction), null with fewer than 3 answers. */
  rejectRate: number | null;
  /** Shares the work since the last accepted share should have found at the pool's difficulty. */
  expectedShares: number;
  /** The commonest rejection reason of the last 5 minutes, as the pool wrote it. */
  topReason: string | null;
};

export type HealthLimits = {
  windowMs: number;
  maxRejectRate: number;
  minAnswers: number;
  minRejected: number;
  silentShares: number;
};

export const HEALTH_LIMITS: HealthLimits = {
  windowMs: 5 * 60_000,
  maxRejectRate: 0.1,
  minAnswers: 3,
  minRejected: 3,
  silentShares: 10,
};

/** What to check for a rejection reason (the pool's own words are shown beside it). */
export function rejectAdvice(reason: string): string {
  if (/above target|low difficulty|high-hash|diff/i.test(reason))
    return "the pool computes these shares differently from Hearth: run `hearth mine --check` and compare its version-rolling mask with the pool's documentation, or try another pool";
  if (/stale|job ?id|job not found/i.test(reason))
    return 'shares reach the pool after their job has ended: check the network delay to the pool, or pick a nearer pool';
  if (/duplicate/i.test(reason))
    return 'the same share was sent twice: another miner may use the same worker name and extranonce; use a separate worker name';
  if (/unauthori[sz]ed|worker/i.test(reason))
    return 'the pool no longer accepts this worker: check the worker name and password';
  if (/version/i.test(reason))
    return 'the pool does not accept the rolled version bits: turn version rolling off at the pool or pick one that supports BIP 310';
  return "check the pool's status page and the worker settings";
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export class ShareHealth {
  private answers: { at: number; accepted: boolean; reason: string | null }[] = [];
  private expected = 0;
  private lastAcceptedAt: number | null = null;
  private startedAt: number | null = null;
  private since: number | null = null;

  constructor(private readonly limits: HealthLimits = HEALTH_LIMITS) {}

  /**
   * Hashes done over the `ms` before `at` at pool difficulty `difficulty` (each share stands for
   * difficulty × 2^32 hashes). Work arrives in one-second chunks while shares arrive at any time:
   * only the part of a chunk after the last accepted share counts as unanswered work.
   */
  work(at: number, hashes: number, difficulty: number, ms = 1000): void {
    this.startedAt ??= at - ms;
    if (!(hashes > 0 && difficulty > 0)) return;
    const from = at - ms;
    const after =
      this.lastAcceptedAt === null || this.lastAcceptedAt <= from
        ? 1
        : ms > 0
          ? Math.max(0, at - this.lastAcceptedAt) / ms
          : 0;
    this.expected += (hashes * after) / (difficulty * 2 ** 32);
  }

  /** The pool's answer to a submitted share. */
  answer(at: number, accepted: boolean, reason: string | null): void {
    if (accepted) {
      this.expected = 0;
      this.lastAcceptedAt = at;
    }
    this.answers.push({ at, accepted, reason });
  }

  /** Another pool: nothing known about it yet. */
  reset(): void {
    this.answers = [];
    this.expected = 0;
    this.lastAcceptedAt = null;
    this.startedAt = null;
    this.since = null;
  }

  state(now: number): HealthState {
    const { windowMs, maxRejectRate, minAnswers, minRejected, silentShares } = this.limits;
    this.answers = this.answers.filter((a) => a.at > now - windowMs);
    const rejected = this.answers.filter((a) => !a.accepted);
    const rate = this.answers.length >= minAnswers ? rejected.length / this.answers.length : null;
    const counts = new Map<string, number>();
    for (const a of rejected)
      counts.set(a.reason ?? 'no reason given', (counts.get(a.reason ?? 'no reason given') ?? 0) + 1);
    const topReason = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]?.[0] ?? null;
    let problem: string | null = null;
    // A single unlucky stale share among the first few is not a failing pool.
    if (rate !== null && rate > maxRejectRate && rejected.length >= minRejected) {
      problem = `the pool rejected ${rejected.length} of the last ${this.answers.length} shares (${Math.round(rate * 100)} %), mostly "${topReason}": ${rejectAdvice(topReason ?? '')}`;
    } else if (this.expected >= silentShares) {
      const from = this.lastAcceptedAt ?? this.startedAt ?? now;
      problem = `no share accepted for ${duration(now - from)}, though this work should have found ${Math.round(this.expected)} at the pool's difficulty: check that the pool accepts this worker and that its difficulty suits this machine (a CPU needs a low-difficulty or solo pool)`;
    }
    this.since = problem === null ? null : (this.since ?? now);
    return {
      state: problem === null ? 'ok' : 'unhealthy',
      problem,
      since: this.since,
      rejectRate: rate,
      expectedShares: this.expected,
      topReason,
    };
  }
}
