import { describe, expect, it } from 'vitest';
import { deviceId, type HardwareInfo, type MiningStatus, type TrainSpec } from '#contract/index';
import { detectHardware } from '#core/hardware/detect';
import { TRAIN_DEFAULTS } from '#core/job/train-session';
import { powerModelFor } from '#core/hardware/power-model';
import { moneyPerHash } from '#core/market/revenue';
import { buildWorld, plannedValuePerHash, queuedJob, threadSteps } from './inputs.ts';

const job = queuedJob;
// The run's speed and share of the CPU come from its batch and threads; its length from steps.
const train: TrainSpec = { kind: 'train', ...TRAIN_DEFAULTS, steps: 1000, threads: 4, batchSize: 64 };

describe('planner inputs from the real world', () => {
  it("offers this machine's CPU as thread count x duty levels, priced above idle by the power model", async () => {
    const hw = await detectHardware();
    const built = buildWorld({
      hardware: hw,
      configured: null,
      jobs: [],
      mining: { hashesPerThreadSec: 2e6, valuePerHash: 1e-12 },
      now: 0,
    });
    const cpu = built.devices.find((d) => d.id === 'cpu')!;
    const controls = built.controls.get('cpu')!;
    const n = hw.cpu.logicalCores;
    const model = powerModelFor(hw.cpu.model, hw.cpu.physicalCores, hw.cpu.ratedPowerW);
    expect(controls.length).toBe(cpu.levels.length);
    const loads = controls.map((c) => (c.threads * c.dutyPct) / n);
    expect(new Set(loads).size).toBe(loads.length); // no two levels with the same load
    expect(Math.max(...loads)).toBe(100);
    cpu.levels.forEach((l, i) => {
      expect(l.powerW).toBeCloseTo((loads[i]! / 100) * (model.ratedW - model.idleW), 9);
      expect(l.rates['mine']).toBeCloseTo(2e6 * controls[i]!.threads * (controls[i]!.dutyPct / 100) * 3600, 3);
      if (i > 0) expect(l.powerW).toBeGreaterThan(cpu.levels[i - 1]!.powerW);
    });
    // Mining is planned only as a queued mining job, and only while a pool is set up.
    expect(built.jobs).toEqual([]);
    const mineJob = job({ id: 4, spec: { kind: 'mining' } });
    expect(
      buildWorld({
        hardware: hw,
        configured: null,
        jobs: [mineJob],
        mining: { hashesPerThreadSec: 2e6, valuePerHash: 1e-12 },
        now: 0,
      }).jobs,
    ).toEqual([{ id: 'job:4', kind: 'mine', valuePerWork: 1e-12, devices: ['cpu'] }]);
    expect(buildWorld({ hardware: hw, configured: null, jobs: [mineJob], mining: null, now: 0 }).jobs).toEqual([]);
  }, 20_000);

  it('turns queued jobs into planner jobs: remaining work before the deadline, mode, value per step, GPUs', () => {
    const hw = {
      cpu: { model: 'Test CPU', physicalCores: 8, logicalCores: 16, ratedPowerW: 100 },
      gpus: [
        { index: 0, powerLimitW: 300 },
        { index: 1, powerLimitW: null },
      ],
    } as unknown as HardwareInfo;
    expect(threadSteps(16)).toEqual([4, 8, 12, 16]);
    const jobs = [
      job({
        id: 7,
        spec: train,
        deadline: 5_000,
        valuePerHour: 2,
        mode: 'continuous',
        runPastDeadline: true,
        progress: { done: 400, total: 1000, unit: 'steps', loss: 2, samplesPerSec: 640, etaSec: 60 },
      }),
      job({
        id: 8,
        spec: {
          kind: 'command',
          command: ['python', 'train.py'],
          cwd: '/',
          resumeArgs: [],
          pauseMode: 'signal',
          progressFile: null,
          totalSteps: null,
        },
        devices: [deviceId('gpu:0')],
        state: 'paused',
      }),
      job({ id: 9, spec: train, state: 'finished' }),
    ];
    const b = buildWorld({ hardware: hw, configured: null, jobs, mining: null, now: 0 });
    expect(b.devices.map((d) => d.id)).toEqual(['cpu', 'gpu:0', 'gpu:1']);
    expect(b.devices[1]!.levels).toEqual([{ powerW: 300, rates: { 'command:8': 5 * 3600 } }]);
    expect(b.devices[2]!.levels[0]!.powerW).toBe(200);
    const j7 = b.jobs.find((j) => j.id === 'job:7')!;
    // 640 samples/s at batch 64 = 10 steps/s on its 4 threads; 2 €/h over 36,000 steps/h.
    expect(j7).toEqual({
      id: 'job:7',
      kind: 'train:7',
      valuePerWork: 2 / 36_000,
      devices: ['cpu'],
      deadline: 5_000,
      workNeeded: 600,
      mode: 'continuous',
      runPastDeadline: true,
    });
    const cpu = b.devices[0]!;
    const ctl = b.controls.get('cpu')!;
    cpu.levels.forEach((l, i) => {
      const c = ctl[i]!;
      // Training cannot duty-cycle, and is offered only at levels up to the threads it asks for:
      // the executor gives it no more, so a bigger level's power would never be drawn.
      expect(l.rates['train:7']).toBe(c.dutyPct === 100 && c.threads <= 4 ? 10 * 3600 * (c.threads / 4) : undefined);
    });
    expect(ctl.filter((c, i) => cpu.levels[i]!.rates['train:7'] !== undefined).map((c) => c.threads)).toEqual(
      ctl.filter((c) => c.dutyPct === 100 && c.threads <= 4).map((c) => c.threads),
    );
    // A job asking for fewer threads than the smallest level still gets that level.
    const two = buildWorld({
      hardware: hw,
      configured: null,
      jobs: [job({ id: 3, spec: { ...train, threads: 2 } })],
      mining: null,
      now: 0,
    });
    expect(
      two.controls
        .get('cpu')!
        .filter((c, i) => two.devices[0]!.levels[i]!.rates['train:3'] !== undefined)
        .map((c) => c.threads),
    ).toEqual([4]);
    expect(b.jobs.map((j) => j.id)).toEqual(['job:7', 'job:8']);
    expect([...b.queue.keys()]).toEqual(['job:7', 'job:8']);
  });

  it('gives mining no value while the pool is not paying for its work, and its full value again once it is', () => {
    const q = {
      difficulty: 100e12,
      btcPrice: 60_000,
      currency: 'EUR',
      subsidyBtc: 3.125,
      feesBtc: 0.05,
      poolFee: 0.02,
    };
    const status = (state: 'ok' | 'unhealthy') =>
      ({
        health: {
          state,
          problem: state === 'ok' ? null : 'the pool rejected 30 of the last 30 shares',
          since: state === 'ok' ? null : 1,
          rejectRate: 1,
        },
      }) as MiningStatus;
    expect(plannedValuePerHash(status('unhealthy'), q, 'EUR')).toBe(0);
    expect(plannedValuePerHash(status('ok'), q, 'EUR')).toBe(moneyPerHash(q));
    expect(plannedValuePerHash(status('ok'), q, 'GBP')).toBe(0);
    expect(plannedValuePerHash(status('ok'), null, 'EUR')).toBe(0);
  });
});
