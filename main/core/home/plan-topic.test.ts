import { describe, expect, it } from 'vitest';
import { homePlanSchema, deviceId, type Plan } from '#contract/index';
import { plannedSlot } from '../../../test/support/planned-slot.ts';
import { planJsonSchema, planMessage } from './plan-topic.ts';

const Q = 900_000;
const slot = (start: number, job: string | null, powerW: number, net: number) =>
  plannedSlot({
    start,
    price: 0.2,
    decisions: [{ device: deviceId('cpu'), job: job as never, level: job ? 0 : -1, powerW, work: 0 }],
    energyKWh: powerW / 4000,
    heatKWh: powerW / 4000,
    net,
    reason: job ? 'cheap' : 'dear',
  });

describe('the plan topic', () => {
  it('leaves out ended slots, names each slot action, and validates against its schema', () => {
    const plan = {
      slots: [slot(0, 'mining', 100, 0.01), slot(Q, null, 0, 0), slot(2 * Q, 'job:3', 200, -0.02)],
      totals: {},
      shortfalls: [],
      solver: 'dp',
      status: { kind: 'optimal' },
      planMs: 1,
    } as unknown as Plan;
    const msg = planMessage(plan, Q + 1, 'EUR');
    expect(homePlanSchema.parse(msg)).toEqual(msg);
    expect(msg.slots.map((s) => [s.action, s.jobs, s.powerW])).toEqual([
      ['idle', [], 0],
      ['training', ['job:3'], 200],
    ]);
    expect(msg.slots[1]).toMatchObject({ start: new Date(2 * Q).toISOString(), end: new Date(3 * Q).toISOString() });
    expect(msg.totals).toEqual({ energyKWh: 0.05, expectedNet: -0.02 });
    const schema = planJsonSchema();
    expect(schema['type']).toBe('object');
    expect(Object.keys(schema['properties'] as object)).toEqual([
      'version',
      'plannedAt',
      'currency',
      'slots',
      'totals',
    ]);
  });
});
