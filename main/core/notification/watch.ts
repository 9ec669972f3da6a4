import type { Job, NotificationKind, NotificationSettings, Telemetry } from '#contract/index';

/**
 * The rules that decide when to tell the user something, fed with what the core observes. Pure
 * and clock-driven so each rule is tested with real inputs and a moved clock.
 */
export type Notice = { kind: NotificationKind; level: 'info' | 'warning' | 'error'; title: string; body: string };

export class Watch {
  private readonly hot = new Set<string>();
  private poolDownSince: number | null = null;
  private poolTold = false;
  private pricesToldFor: string | null = null;
  private healthToldFor: number | null = null;
  private readonly jobStates = new Map<number, Job['state']>();

  constructor(private settings: () => NotificationSettings) {}

  job(j: Job): Notice | null {
    const before = this.jobStates.get(j.id);
    this.jobStates.set(j.id, j.state);
    if (before === j.state) return null;
    if (j.state === 'finished')
      return {
        kind: 'job-finished',
        level: 'info',
        title: `Job "${j.name}" finished`,
        body: `${j.progress.done} ${j.progress.unit} done.`,
      };
    if (j.state === 'failed')
      return {
        kind: 'job-failed',
        level: 'error',
        title: `Job "${j.name}" failed`,
        body: j.error ?? 'No reason was given.',
      };
    return null;
  }

  telemetry(t: Telemetry): Notice[] {
    const max = this.settings().maxTemperatureC;
    const out: Notice[] = [];
    for (const d of t.devices) {
      if (d.temperatureC === null) continue;
      if (d.temperatureC > max && !this.hot.has(d.deviceId)) {
        this.hot.add(d.deviceId);
        out.push({
          kind: 'over-temperature',
          level: 'warning',
          title: `${d.label} is at ${d.temperatureC.toFixed(0)} °C`,
          body: `Above the ${max} °C limit: Hearth lowers its load (throttled) until it cools. Check the fans and airflow.`,
        });
      } else if (d.temperatureC < max - 5) this.hot.delete(d.deviceId);
    }
    return out;
  }

  /** Mining state at `at`: `connected` false while the pool cannot be reached. */
  pool(at: number, running: boolean, connected: boolean, pool: string | null): Notice | null {
    if (!running || connected) {
      this.poolDownSince = null;
      this.poolTold = false;
      return null;
    }
    this.poolDownSince ??= at;
    const limit = this.settings().poolUnreachableMin;
    if (!this.poolTold && at - this.poolDownSince >= limit * 60_000) {
      this.poolTold = true;
      return {
        kind: 'pool-unreachable',
        level: 'warning',
        title: `Mining pool unreachable for ${limit} minutes`,
        body: `${pool ?? 'The pool'} does not answer; Hearth keeps retrying and fails over to the next pool. Check the network or the pool address.`,
      };
    }
    return null;
  }

  /**
   * The pool's health while mining: told once per unhealthy spell (`since` names the spell), with
   * the problem in plain words and what to check.
   */
  poolHealth(
    running: boolean,
    health: { state: 'ok' | 'unhealthy'; problem: string | null; since: number | null },
    pool: string | null,
  ): Notice | null {
    if (!running || health.state === 'ok' || health.since === null || this.healthToldFor === health.since) return null;
    this.healthToldFor = health.since;
    return {
      kind: 'pool-rejecting',
      level: 'warning',
      title: `${pool ?? 'The pool'} is not paying for this work`,
      body: `Mining heats on, but no revenue is counted and the planner gives mining no value until the pool accepts shares again: ${health.problem ?? 'no reason known'}.`,
    };
  }

  /**
   * Tomorrow's prices: `localDay` and `localTime` ("HH:MM") are now in the ledger's zone,
   * `tomorrowEnd` the end of tomorrow (ms), `knownUntil` how far prices reach.
   */
  prices(
    localDay: string,
    localTime: string,
    tomorrowEnd: number,
    knownUntil: number | null,
    dynamic: boolean,
  ): Notice | null {
    if (!dynamic || localTime < this.settings().pricesExpectedBy || this.pricesToldFor === localDay) return null;
    if (knownUntil !== null && knownUntil >= tomorrowEnd) return null;
    this.pricesToldFor = localDay;
    return {
      kind: 'prices-missing',
      level: 'warning',
      title: "Tomorrow's prices are missing",
      body: `They are usually published by ${this.settings().pricesExpectedBy}; prices are known until ${knownUntil === null ? 'never' : new Date(knownUntil).toISOString()}. Hearth keeps asking; check the tariff settings.`,
    };
  }
}
