import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { argSchemas, heatingSettingsSchema, tariffConfigSchema } from './index.ts';
import { checkPlain, labelOf } from './plain.ts';

/** The refusals of `value` against `schema`, in plain words. */
function refusals(schema: z.ZodType, value: unknown) {
  const r = checkPlain(schema, value);
  if (r.ok) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return r.issues;
}

// zod's own wording, which must never reach a person.
const DEVELOPER_WORDS = [
  /too small/i,
  /too big/i,
  /invalid input/i,
  /invalid option/i,
  /expected (number|string|int|array|object|boolean)/i,
  /received (null|NaN|undefined|string|number)/i,
  />=|<=/,
  /unrecognized key/i,
];

describe('zod issues in plain words', () => {
  it('numbers out of range name the field, the whole range and its unit', () => {
    const s = z.object({ c: z.number().min(5).max(30) }).strict();
    expect(refusals(s, { c: 80 })).toEqual([{ field: 'c', message: 'The setpoint must be between 5 and 30 °C' }]);
    expect(refusals(s, { c: 1 })).toEqual([{ field: 'c', message: 'The setpoint must be between 5 and 30 °C' }]);
    const above = z.object({ capacityW: z.number().gt(0) }).strict();
    expect(refusals(above, { capacityW: 0 })[0]?.message).toBe("The heat source's capacity must be above 0 W");
    const atMost = z.object({ threads: z.number().max(256) }).strict();
    expect(refusals(atMost, { threads: 300 })[0]?.message).toBe('The number of threads must be at most 256');
  });

  it('a missing or non-numeric number is "required" or "must be a number"', () => {
    const s = z.object({ steps: z.number().int() }).strict();
    expect(refusals(s, { steps: null })).toEqual([{ field: 'steps', message: 'The number of steps is required' }]);
    expect(refusals(s, { steps: Number.NaN })[0]?.message).toBe('The number of steps must be a number');
    expect(refusals(s, { steps: 'abc' })[0]?.message).toBe('The number of steps must be a number');
    expect(refusals(s, { steps: 2.5 })[0]?.message).toBe('The number of steps must be a whole number');
    expect(refusals(s, {})[0]?.message).toBe('The number of steps is required');
  });

  it('enums list their choices; lists and text say what is missing', () => {
    const s = z.object({ mode: z.enum(['off', 'schedule']) }).strict();
    expect(refusals(s, { mode: 'hot' })[0]?.message).toBe('The mode must be "off" or "schedule"');
    const list = z.object({ days: z.array(z.number()).min(1).max(2) }).strict();
    expect(refusals(list, { days: [] })[0]?.message).toBe('The days needs at least one entry');
    expect(refusals(list, { days: [1, 2, 3] })[0]?.message).toBe('The days can have at most 2 entries');
    const text = z.object({ name: z.string().min(1).max(3) }).strict();
    expect(refusals(text, { name: '' })[0]?.message).toBe('The name is required');
    expect(refusals(text, { name: 'long' })[0]?.message).toBe('The name must be at most 3 characters');
  });

  it('multiples, formats, unions, unknown keys and refinements without a message', () => {
    const m = z.object({ hidden: z.number().multipleOf(8) }).strict();
    expect(refusals(m, { hidden: 12 })[0]?.message).toBe('The number of hidden units must be a multiple of 8');
    const f = z.object({ url: z.url() }).strict();
    expect(refusals(f, { url: 'nope' })[0]?.message).toBe('The URL is not in the expected form');
    expect(refusals(tariffConfigSchema, { kind: 'nuclear' })[0]).toEqual({
      field: 'kind',
      message:
        'The kind must be "fixed", "time-of-use", "csv", "awattar", "energi-data-service", "octopus-agile", "entsoe", "tibber" or "home-assistant"',
    });
    const u = z.object({ at: z.union([z.number(), z.literal('now')]) }).strict();
    expect(refusals(u, { at: 'later' })[0]?.message).toBe('The time is none of the accepted forms');
    expect(refusals(z.object({}).strict(), { zz: 1 })[0]?.message).toBe(
      'This version of Hearth does not know the setting "zz": update the app so the page and the core agree',
    );
    const r = z.object({ maxC: z.number().refine((n) => n > 0) }).strict();
    expect(refusals(r, { maxC: -1 })[0]?.message).toBe("The comfort band's upper bound is not valid");
  });

  it('a message written on the schema is kept, as a sentence, with the path beside it', () => {
    const week = Array.from({ length: 7 }, () => [{ at: '00:00', c: 80 }]);
    const bad = refusals(heatingSettingsSchema, { ...validHeating(), schedule: week });
    expect(bad[0]).toEqual({ field: 'schedule.0.0.c', message: 'The setpoint must be between 5 and 30 °C' });
  });

  it('labels by the last two named segments before the last one', () => {
    expect(labelOf(['quiet', 'from']).name).toBe('the start of the quiet hours');
    expect(labelOf(['tariff', 'zones', 0, 'from']).name).toBe('the start time');
    expect(labelOf([]).name).toBe('this value');
  });
});

function validHeating(): Record<string, unknown> {
  return {
    mode: 'schedule',
    schedule: Array.from({ length: 7 }, () => [{ at: '06:00', c: 21 }]),
    season: { kind: 'always' },
    thermostat: { hysteresisK: 0.5, minOnMin: 10, minOffMin: 10 },
    room: { heatLossWPerK: 200, capacityWhPerK: 10_000 },
    indoor: { kind: 'manual' },
    location: null,
    fallbackOutdoorC: 5,
    heatSource: { kind: 'none' },
    currency: 'EUR',
    timeZone: 'Europe/Brussels',
  };
}

/** Bad values for one field: missing, the wrong type, out of any sane range, empty. */
const BAD_VALUES: unknown[] = [null, Number.NaN, -1e12, 1e12, 0.5, '', 'x', [], {}, true];

/** The object shape behind a schema (through optional, pipes and refinements), if it has one. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  if (def.shape) return def.shape as Record<string, z.ZodType>;
  for (const inner of [def.innerType, def.in, def.schema]) if (inner) return shapeOf(inner as z.ZodType);
  return undefined;
}

describe('every method of the contract answers bad input in plain words', () => {
  it('no message names a method, a schema path or a camelCase key, nor uses zod wording', () => {
    let checked = 0;
    const offenders = new Set<string>();
    for (const [method, schema] of Object.entries(argSchemas) as [string, z.ZodType][]) {
      const inputs: unknown[] = [null, 'nonsense', { notAField: 1 }];
      const shape = shapeOf(schema) ?? {};
      for (const key of Object.keys(shape)) for (const v of BAD_VALUES) inputs.push({ [key]: v });
      for (const input of inputs) {
        const r = checkPlain(schema, input);
        if (r.ok) continue;
        for (const { field, message } of r.issues) {
          checked++;
          const bad =
            !/^[A-Z"]/.test(message) ||
            message.includes(method) ||
            (field.includes('.') && message.includes(field)) ||
            field.split('.').some((seg) => /[a-z][A-Z]/.test(seg) && new RegExp(`\\b${seg}\\b`, 'i').test(message)) ||
            DEVELOPER_WORDS.some((words) => words.test(message));
          if (bad) offenders.add(`${method} ${field}: ${message}`);
        }
      }
    }
    expect([...offenders]).toEqual([]);
    expect(checked).toBeGreaterThan(500);
  });
});
