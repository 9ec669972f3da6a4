/**
 * Seeded generators for fuzzing the API: values a JSON Schema (as zod's toJSONSchema writes the
 * contract's argument schemas) probably accepts, and mutations of them that it probably does not.
 * All randomness comes from the Rng handed in, so a failing seed replays exactly.
 */

export type Rng = {
  /** In [0, 1). */
  next(): number;
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
};

/** mulberry32: small, fast and good enough to pick test inputs; the same seed gives the same run. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T,
    chance: (p) => next() < p,
  };
}

/** The subset of JSON Schema that zod's toJSONSchema writes for the contract. */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  pattern?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
};

const two = (n: number) => String(n).padStart(2, '0');
const hex = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');

/** Strings for the contract's patterns; a pattern not listed gets a random string (mostly refused). */
const PATTERN_SAMPLES: Record<string, (rng: Rng) => string> = {
  '^[A-Z]{3}$': (r) => r.pick(['EUR', 'USD', 'GBP', 'DKK', 'CHF', 'XYZ']),
  '^([01]\\d|2[0-3]):[0-5]\\d$': (r) => `${two(r.int(0, 23))}:${two(r.int(0, 59))}`,
  '^(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$': (r) => `${two(r.int(1, 12))}-${two(r.int(1, 31))}`,
  // Days that do not exist (02-30, 13-01) on purpose, now and then.
  '^\\d{4}-\\d{2}-\\d{2}$': (r) => `${r.int(1969, 2100)}-${two(r.int(1, 13))}-${two(r.int(1, 31))}`,
  '^up-[0-9a-f]{16,64}$': (r) => `up-${hex(r, r.pick([16, 32, 64]))}`,
  '^\\d{1,7}(\\.\\d{1,9})?$': (r) => `${r.int(0, 9999999)}${r.chance(0.5) ? `.${r.int(0, 999999999)}` : ''}`,
  '^threshold:-?\\d+(\\.\\d+)?$': (r) => `threshold:${r.chance(0.3) ? '-' : ''}${r.int(0, 500)}.${r.int(0, 99)}`,
  '^[a-z_]+\\.[a-z0-9_]+$': (r) => r.pick(['sensor.living_room', 'climate.hall', 'sensor.t1']),
  '^(\\$\\.?)?([^.[\\]\\s][^.[\\]]*|\\[\\d+\\])(\\.[^.[\\]\\s][^.[\\]]*|\\[\\d+\\])*$': (r) =>
    r.pick(['$.temperature', 'state', '$.data[0].value', 'a.b.c']),
  '^[^/\\\\]+$': (r) => r.pick(['hearth-2026-01-01.db', 'backup.db', 'x', '..']),
  '^[A-P]$': (r) => String.fromCharCode(65 + r.int(0, 15)),
  '^[A-Z0-9-]{3,64}$': (r) => r.pick(['AGILE-24-10-01', 'ABC']),
  '^10Y[0-9A-Z-]{13}$': () => '10Y1001A1001A82H',
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$': (r) =>
    `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`,
};

/** Strings people and attackers type: unicode of every width, controls, paths, markup, SQL. */
const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '🔥🏠',
  'Ω≈ç√∫˜µ≤≥÷',
  '\u202egnp.exe',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'C:\\Windows\\System32',
  '/dev/zero',
  '%00%2e%2e%2f',
  "'; DROP TABLE slots; --",
  '" OR 1=1 --',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  'NaN',
  'Infinity',
  '-0',
  '1e309',
  'true',
  'null',
  '\r\n\r\nHTTP/1.1 200 OK',
];

const NASTY_NUMBERS = [
  0,
  -0,
  -1,
  1,
  0.5,
  -0.5,
  1e-300,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  2 ** 31,
  -(2 ** 31),
  2 ** 32 + 1,
  4294967295,
  1.7976931348623157e308,
  5e-324,
];

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace(/^#\/\$defs\//, '');
  return root.$defs?.[name] ?? {};
}

/** A string `n` code units long, built from pieces that stress different parsers. */
export function hugeString(rng: Rng, n: number): string {
  const unit = rng.pick(['a', 'é', '🔥', '\\', '"', '\u0000', '%', ',;\n']);
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** A value of no particular type: what a confused or hostile client sends. */
export function junk(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 2 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(NASTY_NUMBERS);
    case 3:
      return rng.pick(NASTY_STRINGS);
    case 4:
      // Big only at the top: inside arrays and objects a megabyte each would add up to gigabytes.
      return hugeString(rng, depth === 0 ? rng.pick([1_000, 100_000, 1_000_000]) : 100);
    case 5:
      return rng.next() * 2e6 - 1e6;
    case 6:
      return rng.int(-5, 5);
    case 7:
      return Array.from({ length: rng.int(0, 5) }, () => junk(rng, depth + 1));
    case 8:
      return Object.fromEntries(
        Array.from({ length: rng.int(0, 4) }, () => [rng.pick(NASTY_STRINGS), junk(rng, depth + 1)]),
      );
    default:
      return nested(rng, rng.pick([10, 40, 63, 70, 200]));
  }
}

/** An object or array `levels` deep (the transport refuses more than 64 before parsing). */
export function nested(rng: Rng, levels: number): unknown {
  let v: unknown = rng.pick([1, 'x', null, {}]);
  for (let i = 0; i < levels; i++) v = rng.chance(0.5) ? [v] : { a: v };
  return v;
}

/** A value the schema probably accepts (a pattern not in PATTERN_SAMPLES gives one it may not). */
/**
 * Values for properties by name, where the schema cannot say what a good one looks like (a time
 * zone is any string to it; a CSV needs a header). Used four times in five; the schema's own
 * generator the fifth.
 */
export type Samplers = Record<string, (rng: Rng) => unknown>;

export function generate(
  schema: JsonSchema,
  rng: Rng,
  samplers: Samplers = {},
  root: JsonSchema = schema,
  depth = 0,
): unknown {
  const s = resolve(schema, root);
  const gen = (sub: JsonSchema) => generate(sub, rng, samplers, root, depth + 1);
  if (depth > 12) return null;
  if (s.const !== undefined) return s.const;
  if (s.enum) return rng.pick(s.enum);
  const union = s.oneOf ?? s.anyOf;
  if (union && union.length > 0) return gen(rng.pick(union));
  if (s.allOf && s.allOf.length > 0) return gen(s.allOf[0]!);
  const type = Array.isArray(s.type) ? rng.pick(s.type) : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set(s.required ?? []);
      for (const [key, sub] of Object.entries(s.properties ?? {}))
        if (required.has(key) || rng.chance(0.6)) {
          const sample = samplers[key];
          out[key] = sample && rng.chance(0.8) ? sample(rng) : gen(sub);
        }
      return out;
    }
    case 'array': {
      const min = s.minItems ?? 0;
      const max = Math.min(s.maxItems ?? min + 4, min + 4);
      const n = rng.int(min, Math.max(min, max));
      if (s.prefixItems) return s.prefixItems.map(gen);
      return Array.from({ length: n }, () => gen(s.items ?? {}));
    }
    case 'string': {
      if (s.pattern) {
        const sample = PATTERN_SAMPLES[s.pattern];
        return sample ? sample(rng) : randomText(rng, s.minLength ?? 1, Math.min(s.maxLength ?? 20, 20));
      }
      return randomText(rng, s.minLength ?? 0, Math.min(s.maxLength ?? 40, 40));
    }
    case 'integer':
    case 'number': {
      const lo = Math.max(s.minimum ?? (s.exclusiveMinimum ?? -1000) + (type === 'integer' ? 1 : 1e-6), -1e6);
      const hi = Math.min(s.maximum ?? (s.exclusiveMaximum ?? 1000) - (type === 'integer' ? 1 : 1e-6), 1e6);
      let v: number;
      if (rng.chance(0.3)) v = rng.pick([lo, hi]);
      else if (type === 'integer' && rng.chance(0.4)) v = Math.min(hi, Math.max(lo, rng.int(1, 5)));
      else v = lo + rng.next() * (hi - lo);
      if (type === 'integer') v = Math.round(v);
      if (s.multipleOf) v = Math.max(s.multipleOf, Math.round(v / s.multipleOf) * s.multipleOf);
      return v;
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    default:
      return junk(rng, depth);
  }
}

function randomText(rng: Rng, min: number, max: number): string {
  const n = rng.int(min, Math.max(min, max));
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_ ';
  return Array.from({ length: n }, () => alphabet[rng.int(0, alphabet.length - 1)]).join('');
}

/** Paths to every node of a JSON value ([] is the value itself). */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) paths(x, [...at, k], out);
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[at[at.length - 1]!] = value;
  return copy;
}

function removeAt(root: unknown, at: (string | number)[]): unknown {
  if (at.length === 0) return undefined;
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of at.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

/** One change to a (probably valid) value: what is changed is said in `how`, for the failure message. */
export function mutate(value: unknown, rng: Rng): { value: unknown; how: string } {
  const all = paths(value);
  const at = rng.pick(all);
  const where = at.join('.') || '(whole)';
  switch (rng.int(0, 9)) {
    case 0:
      return { value: setAt(value, at, junk(rng)), how: `junk at ${where}` };
    case 1:
      return { value: removeAt(value, at), how: `removed ${where}` };
    case 2: {
      const objects = all.filter((p) => {
        let n: unknown = value;
        for (const k of p) n = (n as Record<string | number, unknown>)[k];
        return n !== null && typeof n === 'object' && !Array.isArray(n);
      });
      const target = objects.length > 0 ? rng.pick(objects) : [];
      const key = rng.pick(['extra', '__proto__', 'constructor', 'toString', '', '🔥', 'id']);
      let node: unknown = value;
      for (const k of target) node = (node as Record<string | number, unknown>)[k];
      const grown =
        node !== null && typeof node === 'object' && !Array.isArray(node)
          ? { ...(node as Record<string, unknown>), [key]: junk(rng) }
          : { [key]: junk(rng) };
      return { value: setAt(value, target, grown), how: `extra key "${key}" at ${target.join('.') || '(whole)'}` };
    }
    case 3:
      return { value: setAt(value, at, rng.pick(NASTY_NUMBERS)), how: `edge number at ${where}` };
    case 4:
      return { value: setAt(value, at, rng.pick(NASTY_STRINGS)), how: `odd string at ${where}` };
    case 5:
      return {
        value: setAt(value, at, hugeString(rng, rng.pick([10_000, 300_000, 2_000_000]))),
        how: `huge string at ${where}`,
      };
    case 6:
      return { value: setAt(value, at, nested(rng, rng.pick([20, 60, 65, 500]))), how: `deep nesting at ${where}` };
    case 7:
      return {
        value: setAt(
          value,
          at,
          Array.from({ length: rng.pick([0, 1, 1000, 20_000]) }, () =>
            rng.pick<unknown>([...NASTY_NUMBERS.slice(0, 6), 'x', null, true, {}]),
          ),
        ),
        how: `array at ${where}`,
      };
    case 8:
      return { value: setAt(value, at, rng.pick([null, true, false, [], {}, 0, ''])), how: `wrong type at ${where}` };
    default:
      return { value: junk(rng), how: 'junk instead of the arguments' };
  }
}

/**
 * Bodies no JSON encoder writes: cut short, not JSON, not UTF-8, numbers JSON.parse reads as
 * Infinity, nesting past the limit. `valid` is a body the method accepts, to cut or wrap.
 */
export function malformedBody(rng: Rng, valid: string): { body: Buffer; how: string } {
  const cut = valid.slice(0, rng.int(0, Math.max(0, valid.length - 1)));
  const options: [string, () => Buffer | string][] = [
    ['truncated JSON', () => cut],
    ['empty', () => ''],
    ['whitespace', () => ' \n\t '],
    ['not JSON', () => rng.pick(['hello', 'days=3&x=1', '<xml/>', '{days: 3}', "{'a':1}", 'undefined'])],
    ['JSON scalar', () => rng.pick(['null', 'true', '0', '"x"', '[]', '-1e999', '1e999'])],
    ['Infinity number', () => valid.replace(/(?<=[:[,])-?\d+(\.\d+)?([eE][+-]?\d+)?/, rng.pick(['1e999', '-1e999']))],
    [
      'invalid UTF-8',
      () => Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}')]),
    ],
    ['byte-order mark', () => `\ufeff${valid}`],
    ['duplicate keys', () => (valid.startsWith('{"') ? `{"__proto__":{"x":1},${valid.slice(1)}` : `${valid}${valid}`)],
    ['nested past the limit', () => `${'['.repeat(100)}${']'.repeat(100)}`],
    ['unbalanced brackets', () => `${'{"a":'.repeat(30)}1`],
    ['trailing garbage', () => `${valid} garbage`],
    ['lone surrogate escape', () => '{"name":"\\ud800\\udc00\\ud800"}'],
  ];
  const [how, make] = rng.pick(options);
  const made = make();
  return { body: typeof made === 'string' ? Buffer.from(made) : made, how };
}
