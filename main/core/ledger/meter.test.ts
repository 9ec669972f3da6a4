import { describe, expect, it } from 'vitest';
import { SlotMeter, type MeterSample } from './meter.ts';

const MIN = 60_000;
const sample = (at: number, powerW: number, done: number): MeterSample => ({
  at,
  devices: [
    { deviceId: 'cpu', powerW, source: 'estimate' },
    { deviceId: 'gpu:0', powerW: 200, source: 'measured-gpu-driver' },
  ],
  jobs: { 'gpu:0': 'job:7' },
  hashRate: 0,
  valuePerHour: { 'job:7': 1.2 },
  work: { 'job:7': done },
});

describe('slot meter', () => {
  it('splits samples at slot boundaries and books energy, job value and steps per device and job', () => {
    const m = new SlotMeter(15 * MIN, 5 * MIN);
    const out = [];
    // Samples every minute from 00:00 to 00:30 UTC; the job does 10 steps a minute.
    for (let i = 0; i <= 30; i++) out.push(...m.sample(sample(i * MIN, 60, 1000 + i * 10)));
    expect(out.map((s) => s.start)).toEqual([0, 15 * MIN]);
    const [first] = out;
    const cpu = first!.cells.find((c) => c.deviceId === 'cpu')!;
    const gpu = first!.cells.find((c) => c.deviceId === 'gpu:0')!;
    // 60 W for 15 minutes = 15 Wh = 54,000,000 W·ms; estimated since the CPU figure is a model.
    expect(cpu).toMatchObject({ jobId: '', wattMs: 60 * 15 * MIN, estimated: true, trainingWork: 0 });
    expect(gpu).toMatchObject({ jobId: 'job:7', wattMs: 200 * 15 * MIN, estimated: false, trainingWork: 150 });
    expect(gpu.trainingValue).toBeCloseTo(0.3, 12);
  });

  it('counts a gap longer than the limit as nothing run', () => {
    const m = new SlotMeter(15 * MIN, 2 * MIN);
    m.sample(sample(0, 100, 0));
    m.sample(sample(MIN, 100, 10));
    m.sample(sample(10 * MIN, 100, 500));
    for (let i = 11; i < 15; i++) m.sample(sample(i * MIN, 100, 500 + (i - 10) * 10));
    const done = m.sample(sample(15 * MIN, 100, 550));
    expect(done).toHaveLength(1);
    const cpu = done[0]!.cells.find((c) => c.deviceId === 'cpu')!;
    // 1 minute before the gap and 5 after it.
    expect(cpu.wattMs).toBe(100 * 6 * MIN);
    expect(done[0]!.cells.find((c) => c.deviceId === 'gpu:0')!.trainingWork).toBe(60);
  });
});
