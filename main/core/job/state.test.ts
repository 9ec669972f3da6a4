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
      for (const e of ['start', 'pause', 'paused', 'finish', 'fail', 'cancel', 'requeue'] as const) expect(transition(s, e)).toBeNull();
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
    for (const s of ['queued', 'running', 'pausing', 'paused'] as const) expect(transition(s, 'cancel')).toBe('cancelled');
  });
});
