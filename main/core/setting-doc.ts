import { z } from 'zod';
import type { CoreModule } from './module.ts';
import type { SettingDef } from './setting.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  maxItems?: number;
  additionalProperties?: Schema | boolean;
};

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

function range(s: Schema): string {
  const parts: string[] = [];
  if (s.exclusiveMinimum !== undefined) parts.push(`> ${s.exclusiveMinimum}`);
  if (s.minimum !== undefined && s.minimum > -SAFE_MAX) parts.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < SAFE_MAX) parts.push(`≤ ${s.maximum}`);
  return parts.length > 0 ? ` ${parts.join(', ')}` : '';
}

/** A JSON Schema as a short type a person reads: `{ currency: string; poolFee: number ≥ 0, ≤ 1 }`. */
function shape(s: Schema, depth: number): string {
  const alts = s.anyOf ?? s.oneOf;
  if (alts) {
    const kinds = alts.map((a) => a.properties?.['kind']?.const).filter((k) => k !== undefined);
    if (kinds.length === alts.length && depth > 1)
      return `one of the kinds ${kinds.map((k) => `"${String(k)}"`).join(', ')}`;
    return alts.map((a) => shape(a, depth)).join(' | ');
  }
  if (Array.isArray(s.type)) return s.type.map((t) => shape({ ...s, type: t }, depth)).join(' | ');
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((e) => JSON.stringify(e)).join(' | ');
  if (s.type === 'null') return 'null';
  if (s.type === 'array')
    return `${s.items ? shape(s.items, depth + 1) : 'value'}[]${s.maxItems !== undefined ? ` (at most ${s.maxItems})` : ''}`;
  if (s.type === 'object') {
    if (!s.properties)
      return typeof s.additionalProperties === 'object'
        ? `{ [name]: ${shape(s.additionalProperties, depth + 1)} }`
        : 'object';
    if (depth > 2) return 'object';
    const req = new Set(s.required ?? []);
    return `{ ${Object.entries(s.properties)
      .map(([k, v]) => `${k}${req.has(k) ? '' : '?'}: ${shape(v, depth + 1)}`)
      .join('; ')} }`;
  }
  if (s.type === 'string') return s.pattern ? `string matching \`${s.pattern}\`` : 'string';
  if (s.type === 'number' || s.type === 'integer')
    return `${s.type === 'integer' ? 'whole number' : 'number'}${range(s)}`;
  if (s.type === 'boolean') return 'true or false';
  return 'value';
}

function describeSchema(def: SettingDef<unknown>): string {
  return shape(z.toJSONSchema(def.schema, { unrepresentable: 'any', io: 'input' }) as Schema, 0);
}

const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/settings.md: every setting the domains declare, generated from the declarations. */
export function settingsReference(modules: CoreModule[]): string {
  const lines = [
    '# Settings reference',
    '',
    '<!-- Generated from the settings each domain declares (main/core/*/setting.ts) by `npm run docs:settings`; a test fails when it is out of date. -->',
    '',
    'Every setting is one JSON document in the `setting` table of the ledger (`hearth.db` in the data folder), stored with the version of its shape. On start, an older shape is migrated; a value that cannot be used (not JSON, the wrong shape, or written by a newer Hearth) is copied to the `setting_backup` table, reported in the log and as a notification naming the key and the problem, and only then replaced by the default (or, where noted, by what of it was still good). Secrets (tokens, passwords) are stored sealed by the secret store and shown back masked.',
    '',
    "Those kept by you are changed on the app's pages, through the API or with the CLI; those kept by the app are its own memory across restarts.",
    '',
  ];
  for (const m of modules) {
    const defs = m.settings ?? [];
    if (defs.length === 0) continue;
    lines.push(`## ${m.name}`, '', '| key | what | shape | default | since | kept by |', '|---|---|---|---|---|---|');
    for (const d of defs) {
      const dflt = d.defaultDoc ?? JSON.stringify(d.default());
      lines.push(
        `| \`${d.key}\` | ${cell(d.salvage ? `${d.doc} An invalid stored value keeps what of it is still good.` : d.doc)} | ${cell(describeSchema(d))} (shape version ${d.version}) | ${cell(d.defaultDoc ?? (dflt.length > 80 ? "see the domain's setting.ts" : `\`${dflt}\``))} | ${d.since} | ${d.internal ? 'the app' : 'you'} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}
