import { describe, expect, it } from 'vitest';
import { HandlerError, type Handlers } from '#contract/index';
import { quiet } from '../../test/support/quiet-log.ts';
import { tempDirs } from '../../test/support/temp-dir.ts';
import { startCore } from './app.ts';
import { dispatch, joinHandlers } from './handler.ts';

const tmp = tempDirs('hearth-core-');

describe('handler map', () => {
  it('refuses two handlers with the same name, and contract methods without a handler', () => {
    const h = { 'telemetry-now': async () => null };
    expect(() => joinHandlers([h, h])).toThrow('Two handlers are registered for "telemetry-now"');
    expect(() => joinHandlers([h])).toThrow(/No handler for contract method\(s\): .*hardware-info/);
  });

  it('validates arguments at the boundary before a handler runs', async () => {
    let calls = 0;
    const handlers = {
      'energy-days': async ({ days }: { days: number }) => {
        calls++;
        if (days === 13) throw new HandlerError('conflict', 'Unlucky', 'Pick another number');
        return [];
      },
    } as unknown as Handlers;
    expect(await dispatch(handlers, 'energy-days', { days: 7 })).toEqual({ ok: true, result: [] });
    // The message is for people: the method and the path stay out of it; the path travels as `field`.
    expect(await dispatch(handlers, 'energy-days', { days: 0 })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'The days must be between 1 and 3660', field: 'days' },
    });
    expect(await dispatch(handlers, 'energy-days', { days: null })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'The days is required', field: 'days' },
    });
    // Several refusals: the first in the message, every one in `issues` for the form to mark.
    expect(await dispatch(handlers, 'energy-days', { days: 0, extra: 1 })).toEqual({
      ok: false,
      error: {
        code: 'bad-request',
        message: 'The days must be between 1 and 3660',
        field: 'days',
        issues: [
          { field: 'days', message: 'The days must be between 1 and 3660' },
          {
            field: '',
            message:
              'This version of Hearth does not know the setting "extra": update the app so the page and the core agree',
          },
        ],
      },
    });
    expect(await dispatch(handlers, 'energy-days', 'nonsense')).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(await dispatch(handlers, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch(handlers, 'energy-days', { days: 13 })).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'Unlucky', hint: 'Pick another number' },
    });
    expect(calls).toBe(2);
  });

  it("passes a handler's field and issues on, for the form to mark the input", async () => {
    const handlers = {
      'energy-days': async () => {
        throw new HandlerError('not-found', 'No such day', undefined, 'days', [
          { field: 'days', message: 'No such day' },
        ]);
      },
    } as unknown as Handlers;
    expect(await dispatch(handlers, 'energy-days', { days: 2 })).toEqual({
      ok: false,
      error: {
        code: 'not-found',
        message: 'No such day',
        field: 'days',
        issues: [{ field: 'days', message: 'No such day' }],
      },
    });
  });
});

describe('core', () => {
  it('starts every module on a real ledger, answers through dispatch, and closes cleanly', async () => {
    const dir = tmp();
    const core = await startCore({ dataDir: dir, log: quiet });
    try {
      const info = await dispatch(core.handlers, 'hardware-info', {});
      expect(info.ok).toBe(true);
      const days = await dispatch(core.handlers, 'energy-days', { days: 3 });
      expect(days).toMatchObject({ ok: true });
    } finally {
      await core.close();
    }
    await core.close(); // idempotent
  });
});
