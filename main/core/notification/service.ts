import type { Notification, NotificationSettings } from '#contract/index';
import type { Clock } from '#core/clock';
import { addDays, dayKey, dayStart } from '#core/time';
import { nanosText } from '#core/economics/money';
import type { EventBus } from '#core/event';
import type { JobService } from '#core/job/service';
import type { LedgerService } from '#core/ledger/service';
import type { MiningService } from '#core/mining/service';
import type { SettingProblem, Settings } from '#core/setting';
import type { TariffService } from '#core/tariff/service';
import { notificationSetting } from './setting.ts';
import type { NotificationStore } from './store.ts';
import { Watch, type Notice } from './watch.ts';

/** Of the other domains' services only what the notifier calls, each optional: what is absent is not watched. */
export type NotifierDeps = {
  store: NotificationStore;
  settings: Settings;
  clock: Clock;
  /** `telemetry` and `mining-refused` come in, `notification` goes out. */
  events: EventBus;
  ledger?: Pick<LedgerService, 'settings' | 'day'> | null;
  tariff?: Pick<TariffService, 'status'> | null;
  mining?: Pick<MiningService, 'status'> | null;
  job?: Pick<JobService, 'list' | 'onChange'> | null;
  /** How often prices, the pool and the day are checked (ms). */
  checkMs?: number;
};

/** Watches the other domains (events, and a check each `checkMs`), stores each notice and pushes it. */
export class Notifier {
  private readonly watch: Watch;
  private readonly unsubscribe: (() => void)[] = [];
  private timer: { cancel(): void } | null = null;
  private lastDay: string | null = null;

  constructor(private readonly d: NotifierDeps) {
    this.watch = new Watch(() => this.settings());
  }

  settings(): NotificationSettings {
    return this.d.settings.get(notificationSetting);
  }

  configure(next: NotificationSettings): NotificationSettings {
    return this.d.settings.set(notificationSetting, next);
  }

  /** The event log, newest first. */
  list(limit: number): Notification[] {
    return this.d.store.list(limit);
  }

  /** Prices for tomorrow, the pool, and (after midnight) yesterday's summary; runs on the timer. */
  check(): void {
    const { ledger, tariff, mining: miner } = this.d;
    const now = this.d.clock.now();
    const tz = ledger?.settings().timeZone ?? 'UTC';
    const today = dayKey(now, tz);
    if (tariff) {
      const st = tariff.status();
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      }).format(now);
      const dynamic = st.kind !== 'fixed' && st.kind !== 'time-of-use' && st.kind !== 'csv';
      this.post(this.watch.prices(today, local, dayStart(addDays(today, 2), tz), st.knownUntil, dynamic));
    }
    const mining = miner?.status();
    if (mining) {
      this.post(this.watch.pool(now, mining.running, mining.pool.state === 'mining', mining.pool.url ?? null));
      this.post(this.watch.poolHealth(mining.running, mining.health, mining.pool.url ?? null));
    }
    if (this.lastDay !== null && this.lastDay !== today && this.settings().dailySummary && ledger) {
      const d = ledger.day(this.lastDay);
      const cur = ledger.settings().currency;
      this.post({
        kind: 'daily-summary',
        level: 'info',
        title: `${d.day}: net ${nanosText(d.net)} ${cur}`,
        body: `${(d.energy / 1e6).toFixed(3)} kWh used, ${(d.heatMet / 1e6).toFixed(3)} kWh of heat met demand, cost ${nanosText(d.cost + d.standing + d.monthlyFee)} ${cur}, revenue ${nanosText(d.revenueExpected)} ${cur}, heat credit ${nanosText(d.heatCredit)} ${cur}.`,
      });
    }
    this.lastDay = today;
  }

  start(): void {
    const { events, settings, job } = this.d;
    this.unsubscribe.push(events.on('telemetry', (t) => this.watch.telemetry(t).forEach((n) => this.post(n))));
    this.unsubscribe.push(
      events.on('mining-refused', (r) =>
        this.post({
          kind: 'pool-refused',
          level: 'error',
          title: 'Mining stopped: the pool refused the worker',
          body: r.reason,
        }),
      ),
    );
    // Settings found invalid before this module existed (while the others started) are told now.
    for (const p of settings.problems()) this.post(settingNotice(p));
    this.unsubscribe.push(settings.onProblem((p) => this.post(settingNotice(p))));
    if (job) {
      for (const j of job.list()) this.watch.job(j);
      this.unsubscribe.push(job.onChange((j) => this.post(this.watch.job(j))));
    }
    this.timer = this.d.clock.setInterval(() => this.check(), this.d.checkMs ?? 60_000);
  }

  stop(): void {
    this.timer?.cancel();
    for (const u of this.unsubscribe.splice(0)) u();
  }

  private post(n: Notice | null): void {
    if (!n) return;
    this.d.events.emit('notification', this.d.store.add(this.d.clock.now(), n));
  }
}

function settingNotice(p: SettingProblem): Notice {
  return {
    kind: 'setting-invalid',
    level: 'warning',
    title: `The stored setting "${p.key}" could not be used`,
    body: `${p.problem}. It was replaced by the default (or what of it was still good); the stored value is kept in the ledger's setting_backup table, row ${p.backupId}. Check these settings and save them again.`,
  };
}
