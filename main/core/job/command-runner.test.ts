import { describe, expect, it } from 'vitest';
import { parseProgress } from './command-runner.ts';
import { gpuReadingFor } from './nvidia.ts';

describe('progress lines of training commands', () => {
  it('reads the text and JSON forms training scripts print', () => {
    expect(parseProgress('step 120/1000 loss 2.31')).toEqual({ step: 120, total: 1000, loss: 2.31 });
    expect(parseProgress('Step: 7 | loss=1.5e-2 | lr 3e-4')).toEqual({ step: 7, total: null, loss: 0.015 });
    expect(parseProgress('iter 40 of 500, loss: 0.875')).toEqual({ step: 40, total: 500, loss: 0.875 });
    expect(parseProgress('{"step": 3, "total": 9, "loss": 4.2}')).toEqual({ step: 3, total: 9, loss: 4.2 });
    expect(parseProgress('{"iter": 12, "train_loss": 0.5, "max_steps": 100}')).toEqual({
      step: 12,
      total: 100,
      loss: 0.5,
    });
    expect(parseProgress('step 9 loss nan')).toEqual({ step: 9, total: null, loss: null });
  });

  it('ignores lines without a step', () => {
    expect(parseProgress('loading data from /tmp/x')).toBeNull();
    expect(parseProgress('{"loss": 2}')).toBeNull();
    expect(parseProgress('{broken json')).toBeNull();
    expect(parseProgress('stepping through the data')).toBeNull();
  });
});

describe('nvidia-smi readings attributed to a process', () => {
  const gpus = ['GPU-aaa, 250.12, 97, 71', 'GPU-bbb, 30.50, 0, 40', 'GPU-ccc, [N/A], 12, 55'].join('\n');
  it('takes the GPU the process runs on, sums power over several, and says null where none', () => {
    expect(gpuReadingFor(42, gpus, 'GPU-aaa, 42\nGPU-bbb, 77')).toEqual({
      powerW: 250.12,
      utilizationPct: 97,
      temperatureC: 71,
    });
    expect(gpuReadingFor(42, gpus, 'GPU-aaa, 42\nGPU-bbb, 42')).toEqual({
      powerW: 280.62,
      utilizationPct: 97,
      temperatureC: 71,
    });
    expect(gpuReadingFor(42, gpus, 'GPU-ccc, 42')).toEqual({ powerW: null, utilizationPct: 12, temperatureC: 55 });
    expect(gpuReadingFor(42, gpus, 'GPU-bbb, 77')).toBeNull();
  });
});
