import { describe, expect, it } from 'vitest';
import { parseCommand } from './command.ts';
import { backoffDelay, nextCheapWindow } from './service.ts';

const base = 'hearth/n1';
const parse = (entity: string, payload: string | Uint8Array) =>
  parseCommand(base, `${base}/${entity}/set`, typeof payload === 'string' ? Buffer.from(payload) : payload);

describe('commands in', () => {
  it("reads HA's payloads: ON/OFF, an option, a number of watts, PRESS", () => {
    expect(parse('compute', 'OFF')).toEqual({ ok: true, entity: 'compute', value: 'OFF' });
    expect(parse('mode', 'heat only')).toEqual({ ok: true, entity: 'mode', value: 'heat only' });
    expect(parse('power_limit', '800')).toEqual({ ok: true, entity: 'power_limit', value: 800 });
    expect(parse('power_limit', '0')).toEqual({ ok: true, entity: 'power_limit', value: 0 });
    expect(parse('replan', 'PRESS')).toEqual({ ok: true, entity: 'replan', value: 'PRESS' });
  });

  it('refuses wrong types, out of range, garbage bytes, 1 MB and unknown entities, saying why', () => {
    const err = (r: ReturnType<typeof parse>) => (r.ok ? null : r.error);
    expect(err(parse('compute', 'MAYBE'))).toBe('the compute switch takes ON or OFF');
    expect(err(parse('compute', '1'))).toBe('the compute switch takes ON or OFF');
    expect(err(parse('mode', 'turbo'))).toMatch(/^the mode is one of plan, heat only, mine, train, off$/);
    expect(err(parse('power_limit', '-5'))).toMatch(/a number of watts/);
    expect(err(parse('power_limit', 'lots'))).toMatch(/a number of watts/);
    expect(err(parse('power_limit', '100001'))).toMatch(/at most 100000 W/);
    expect(err(parse('replan', 'please'))).toBe('the re-plan button takes PRESS');
    expect(err(parse('compute', new Uint8Array([0xff, 0xfe, 0x00])))).toBe('the payload is not UTF-8 text');
    expect(err(parse('compute', Buffer.alloc(1 << 20, 'O')))).toMatch(/1048576 bytes; a command is at most 256/);
    expect(err(parse('fan', 'ON'))).toMatch(/no command topic/);
    expect(parseCommand(base, 'hearth/other/compute/set', Buffer.from('ON')).ok).toBe(false);
  });
});

describe('reconnect backoff', () => {
  it('doubles from the floor to the cap, jittered by the injected random, never under the floor', () => {
    const b = { floorMs: 1_000, capMs: 60_000 };
    expect([0, 1, 2, 3, 10, 50].map((n) => backoffDelay(n, b, () => 1))).toEqual([
      1000, 2000, 4000, 8000, 60000, 60000,
    ]);
    expect([0, 1, 2, 10].map((n) => backoffDelay(n, b, () => 0))).toEqual([1000, 1000, 2000, 30000]);
  });
});

describe('next cheap window', () => {
  it('is the first slot from now among the cheapest quarter of the known prices', () => {
    const h = 3_600_000;
    const prices = [5, 4, 1, 1, 6, 0.5, 7, 8].map((price, i) => ({ start: i * h, end: (i + 1) * h, price }));
    expect(nextCheapWindow(prices, 0)).toBe(2 * h);
    expect(nextCheapWindow(prices, 2.5 * h)).toBe(2 * h);
    expect(nextCheapWindow(prices, 4 * h)).toBe(5 * h);
    expect(nextCheapWindow([], 0)).toBeNull();
  });
});
