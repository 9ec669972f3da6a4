import type { Notification } from '#contract/index';
import { addDays, dayKey, dayStart } from '#core/economics/day';
import { nanosText } from '#core/economics/money';
import type { HandlerPart } from '#core/handler';
import { defineModule, type CoreModule, type ModuleInstance } from '#core/module';
import type { SettingProblem } from '#core/setting';
import { notificationSetting } from './setting.ts';
import { Watch, type Notice } from './watch.ts';

/** Watches the other domains and posts notifications; runs last so every service exists. */
export function notificationModule(options: { checkMs?: number } = {}): CoreModule {
  return defineModule({
    name: 'notification',
    settings: [notificationSetting],
    optional: ['ledger', 'tariff', 'mining', 'job'],
    migrations: [
      {
        id: 'notification/1',
        sql: `CREATE TABLE notification (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at INTEGER NOT NULL,
          kind TEXT NOT NULL,
          level TEXT NOT NULL,
          title TEXT NOT NULL,
          body TEXT NOT NULL
        )`,
      },
    ],
    create(ctx, { ledger, tariff, mining: miner, job }): ModuleInstance {
      const settings = () => ctx.settings.get(notificationSetting);
      const watch = new Watch(settings);
      const insert = ctx.db.prepare('INSERT INTO notification (at, kind, level, title, body) VALUES (?, ?, ?, ?, ?)');
      const list = ctx.db.prepare('SELECT id, at, kind, level, title, body FROM notification ORDER BY id DESC LIMIT ?');
      const post = (n: Notice | null) => {
        if (!n) return;
        const at = ctx.clock.now();
        const r = insert.run(at, n.kind, n.level, n.title, n.body);
        const note: Notification = { id: Number(r.lastInsertRowid), at, ...n };
        ctx.events.emit('notification', note);
      };
      const unsubscribe: (() => void)[] = [];
      let timer: { cancel(): void } | null = null;
      let lastDay: string | null = null;

      const check = () => {
        const now = ctx.clock.now();
        const tz = ledger?.settings().timeZone ?? 'UTC';
        const today = dayKey(now, tz);
        if (tariff) {
          const st = tariff.status();
          const local = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
          const dynamic = st.kind !== 'fixed' && st.kind !== 'time-of-use' && st.kind !== 'csv';
          post(watch.prices(today, local, dayStart(addDays(today, 2), tz), st.knownUntil, dynamic));
        }
        const mining = miner?.status();
        if (mining) {
          post(watch.pool(now, mining.running, mining.pool.state === 'mining', mining.pool.url ?? null));
          post(watch.poolHealth(mining.running, mining.health, mining.pool.url ?? null));
        }
        if (lastDay !== null && lastDay !== today && settings().dailySummary && ledger) {
          const d = ledger.day(lastDay);
          const cur = ledger.settings().currency;
          post({
            kind: 'daily-summary',
            level: 'info',
            title: `${d.day}: net ${nanosText(d.net)} ${cur}`,
            body: `${(d.energy / 1e6).toFixed(3)} kWh used, ${(d.heatMet / 1e6).toFixed(3)} kWh of heat met demand, cost ${nanosText(d.cost + d.standing + d.monthlyFee)} ${cur}, revenue ${nanosText(d.revenueExpected)} ${cur}, heat credit ${nanosText(d.heatCredit)} ${cur}.`,
          });
        }
        lastDay = today;
      };

      const handlers: HandlerPart = {
        'notification-list': async ({ limit }) =>
          (list.all(limit ?? 100) as Record<string, unknown>[]).map((r) => ({
            id: Number(r['id']),
            at: Number(r['at']),
            kind: String(r['kind']) as Notification['kind'],
            level: String(r['level']) as Notification['level'],
            title: String(r['title']),
            body: String(r['body']),
          })),
        'notification-settings': async () => settings(),
        'notification-configure': async (s) => {
          return ctx.settings.set(notificationSetting, s);
        },
      };

      return {
        handlers,
        start() {
          unsubscribe.push(ctx.events.on('telemetry', (t) => watch.telemetry(t).forEach(post)));
          unsubscribe.push(ctx.events.on('mining-refused', (r) => post({ kind: 'pool-refused', level: 'error', title: 'Mining stopped: the pool refused the worker', body: r.reason })));
          // Settings found invalid before this module existed (while the others started) are told now.
          for (const p of ctx.settings.problems()) post(settingNotice(p));
          unsubscribe.push(ctx.settings.onProblem((p) => post(settingNotice(p))));
          if (job) {
            for (const j of job.list()) watch.job(j);
            unsubscribe.push(job.onChange((j) => post(watch.job(j))));
          }
          timer = ctx.clock.setInterval(check, options.checkMs ?? 60_000);
        },
        stop() {
          timer?.cancel();
          for (const u of unsubscribe.splice(0)) u();
        },
      };
    },
  });
}

function settingNotice(p: SettingProblem): Notice {
  return {
    kind: 'setting-invalid',
    level: 'warning',
    title: `The stored setting "${p.key}" could not be used`,
    body: `${p.problem}. It was replaced by the default (or what of it was still good); the stored value is kept in the ledger's setting_backup table, row ${p.backupId}. Check these settings and save them again.`,
  };
}
