import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { modules } from './modules.ts';
import { settingsReference } from './setting-doc.ts';
import { declaredSettings } from './setting.ts';

const FILE = path.join(import.meta.dirname, '..', '..', 'docs', 'settings.md');

describe('the settings reference', () => {
  it('lists every declared setting under the domain that declares it', () => {
    const listed = modules.flatMap((m) => (m.settings ?? []).map((d) => d.key));
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.sort()).toEqual(
      declaredSettings()
        .map((d) => d.key)
        .sort(),
    );
  });

  it('is docs/settings.md as generated (npm run docs:settings writes it)', () => {
    const text = settingsReference(modules);
    if (process.env['HEARTH_WRITE_DOCS'] === '1') fs.writeFileSync(FILE, text);
    expect(fs.readFileSync(FILE, 'utf8'), 'docs/settings.md is out of date: run `npm run docs:settings`').toBe(text);
  });
});
