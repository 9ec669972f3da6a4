import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCore, type Core } from '#core/app';
import { TestPool } from '../../../test/support/stratum-pool.ts';
import { demoModules, prepareDemo, SLOT_MS } from '../../../test/support/scheduler-demo.ts';
import { TestClock } from '../../../test/support/test-clock.ts';
import { numberOption, type Command, textOptions } from '../command.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (xs: number[]) =>
  `median ${median(xs).toFixed(1)} ms, worst ${Math.max(...xs).toFixed(1)} ms over ${xs.length}`;

/**
 * How fast a slot reaches the hashing threads: from a slot boundary (the core's clock moved onto
 * it) to the slot applied (threads started or stopped, `plan-applied`), and from starting the core
 * mid-slot to mining on the planned threads; next to the reference, starting and stopping the same
 * mining threads by hand (`mining-start` / `mining-stop`) in the same run.
 */
export const benchSchedulerCommand: Command = {
  name: 'bench scheduler',
  summary: 'Time from a slot boundary (and from a restart mid-slot) to the hashing threads running as planned',
  usage: '[--runs N]',
  options: textOptions('runs'),
  docs: { runs: { value: 'N', text: 'how many slot boundaries and restarts to time', default: '5', unit: 'runs' } },
  examples: ['hearth bench scheduler --runs 3'],
  async run({ values }) {
    const runs = numberOption(values['runs'], 'runs', { min: 1, max: 50 }) ?? 5;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-scheduler-'));
    const pool = new TestPool({ difficulty: 2 ** -14 });
    await pool.listen();
    pool.notify(true);
    // 10:01 UTC: prices alternate every quarter-hour between negative (mine) and dear (stop).
    const t0 = Date.UTC(2026, 0, 15, 10, 1);
    const boot = (clock: TestClock) =>
      startCore({ dataDir: dir, clock, log: quiet, modules: demoModules({ cron: false }) });
    let core: Core | null = null;
    try {
      core = await boot(new TestClock(t0));
      await prepareDemo(core.handlers, {
        from: Math.floor(t0 / SLOT_MS) * SLOT_MS - 3_600_000,
        hours: 52,
        poolUrl: pool.url,
      });
      await core.close();
      core = null;

      const restart: number[] = [];
      let threads = 0;
      for (let i = 0; i < runs; i++) {
        const a = performance.now();
        core = await boot(new TestClock(t0 + i * 2 * SLOT_MS));
        restart.push(performance.now() - a);
        const st = await core.handlers['mining-status']({});
        if (!st.running) throw new Error('the restarted core did not mine in a cheap slot');
        threads = st.threads;
        await core.close();
        core = null;
      }

      const clock = new TestClock(t0);
      core = await boot(clock);
      const c = core;
      const start: number[] = [];
      const stop: number[] = [];
      for (let i = 1; i <= 2 * runs; i++) {
        const boundary = Math.floor(t0 / SLOT_MS) * SLOT_MS + i * SLOT_MS;
        await clock.advanceTo(boundary - 1);
        const applied = new Promise<void>((resolve) => {
          const off = c.events.on('plan-applied', (p) => {
            if (p.slotStart === boundary) {
              off();
              resolve();
            }
          });
        });
        const a = performance.now();
        await clock.advanceTo(boundary);
        await applied;
        ((await c.handlers['mining-status']({})).running ? start : stop).push(performance.now() - a);
      }

      // Reference: the same threads started and stopped by hand, no planning in between.
      await c.handlers['plan-override']({ override: { kind: 'pause', until: clock.now() + 3_600_000 } });
      const byHandStart: number[] = [];
      const byHandStop: number[] = [];
      for (let i = 0; i < runs; i++) {
        let a = performance.now();
        await c.handlers['mining-start']({});
        byHandStart.push(performance.now() - a);
        a = performance.now();
        await c.handlers['mining-stop']({});
        byHandStop.push(performance.now() - a);
      }
      console.log(`CPU: ${os.cpus()[0]?.model ?? 'unknown'}, ${threads} hashing thread(s) at full power`);
      console.log(`boundary → mining started as planned:  ${fmt(start)}`);
      console.log(`boundary → mining stopped as planned:  ${fmt(stop)}`);
      console.log(`core start mid-slot → mining running:   ${fmt(restart)} (includes hardware detection and planning)`);
      console.log(`reference, mining-start by hand:        ${fmt(byHandStart)}`);
      console.log(`reference, mining-stop by hand:         ${fmt(byHandStop)}`);
      return 0;
    } finally {
      await core?.close();
      await pool.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
