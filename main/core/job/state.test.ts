import { describe, expect, it } from 'vitest';
import { allowedFrom, transition } from './state.ts';

describe('job state machine', () => {
  it('walks queued → running → pausing → paused → running → finished', () => {
    expect(transition('queued', 'start')).toBe('running');
    expect(transition('running', 'pause')).toBe('pausing');
    expect(transition('pausing', 'paused')).toBe('paused');
    expect(transition('paused', 'start')).toBe('running');
    expect(transition('running', 'finish')).toBe('finished');
  });

  it('never leaves a final state, and refuses pausing a job that is not running', () => {
    for (const s of ['finished', 'cancelled'] as const) {
      for (const e of ['start', 'pause', 'paused', 'finish', 'fail', 'cancel', 'requeue'] as const)
        expect(transition(s, e)).toBeNull();
    }
    expect(transition('failed', 'start')).toBeNull();
    expect(transition('failed', 'requeue')).toBe('queued');
    expect(transition('queued', 'pause')).toBeNull();
    expect(transition('paused', 'pause')).toBeNull();
    expect(allowedFrom('pause')).toEqual(['running']);
  });

  it('lets a run finish or fail while its pause is under way, and cancel from any live state', () => {
    expect(transition('pausing', 'finish')).toBe('finished');
    expect(transition('pausing', 'fail')).toBe('failed');
    for (const s of ['queued', 'running', 'pausing', 'paused'] as const)
      expect(transition(s, 'cancel')).toBe('cancelled');
  });
});

describe('thread grants', () => {
  it('uses the most threads not above the grant that split the batch into 4-row shards', async () => {
    const { withThreads } = await import('./train-runner.ts');
    const { TRAIN_DEFAULTS } = await import('./train-session.ts');
    const spec = { kind: 'train' as const, ...TRAIN_DEFAULTS, threads: 8, batchSize: 96 };
    expect(withThreads(spec, undefined).threads).toBe(8);
    expect(withThreads(spec, 12).threads).toBe(8);
    expect(withThreads(spec, 6).threads).toBe(6);
    expect(withThreads(spec, 5).threads).toBe(4);
    expect(withThreads(spec, 0).threads).toBe(1);
  });
});
