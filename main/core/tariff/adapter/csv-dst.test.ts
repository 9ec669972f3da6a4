import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localParts } from '#core/time';
import { CsvError, parseCsv } from './csv.ts';
import { PRICES_DIR } from '../../../../test/fixtures/data.ts';

const ZONE = 'Europe/Brussels';
const two = (n: number) => String(n).padStart(2, '0');
const local = (ms: number) => {
  const p = localParts(ms, ZONE);
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
};

/** The real 2022 Belgian day-ahead rows: [UTC start, price per kWh]. */
const utcRows: [number, string][] = fs
  .readFileSync(path.join(PRICES_DIR, 'be-day-ahead-2022.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [t, p] = l.split(',');
    return [Date.parse(t!), p!];
  });

/** The same rows with local wall-clock times, as a Belgian spreadsheet writes them (no offset). */
function localFile(rows: [number, string][], minutes: 15 | 60 = 60): { text: string; starts: number[] } {
  const lines = ['time,eur_per_kwh'];
  const starts: number[] = [];
  for (const [t, p] of rows) {
    for (let q = 0; q < 60 / minutes; q++) {
      const s = t + q * minutes * 60_000;
      lines.push(`${local(s)},${p}`);
      starts.push(s);
    }
  }
  return { text: `${lines.join('\n')}\n`, starts };
}

function problemsOf(text: string): string[] {
  try {
    parseCsv(text, { timeZone: ZONE });
  } catch (err) {
    if (err instanceof CsvError) return err.problems;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

const SPRING = Date.parse('2022-03-27T01:00:00Z');
const AUTUMN = Date.parse('2022-10-30T01:00:00Z');

describe('local times at the clock changes (Europe/Brussels, real 2022 prices)', () => {
  it('reads the whole year written in local time to the same instants as the UTC file, 23 and 25 hour days included', () => {
    const { text, starts } = localFile(utcRows);
    expect(text).toContain('\n2022-10-30 02:00,');
    expect(text).not.toContain('\n2022-03-27 02:00,');
    const parsed = parseCsv(text, { timeZone: ZONE });
    expect(parsed.slots.map((s) => s.start)).toEqual(starts);
    expect(parsed.slots.map((s) => s.spot)).toEqual(utcRows.map(([, p]) => Number(p)));
  });

  it('reads 15-minute local rows across both clock-change days', () => {
    const days = utcRows.filter(
      ([t]) => Math.abs(t - SPRING) < 12 * 3_600_000 || Math.abs(t - AUTUMN) < 12 * 3_600_000,
    );
    const { text, starts } = localFile(days, 15);
    // The autumn quarter hours 02:00–02:45 come twice, the spring ones not at all.
    expect(text.match(/\n2022-10-30 02:15,/g)).toHaveLength(2);
    expect(text).not.toMatch(/\n2022-03-27 02:/);
    const parsed = parseCsv(text, { timeZone: ZONE });
    expect(parsed.resolution).toBe(15);
    expect(parsed.slots.map((s) => s.start)).toEqual(starts);
  });

  it('refuses a spring time that does not exist, naming its line, instead of shifting every later row', () => {
    const { text } = localFile(utcRows);
    const lines = text.split('\n');
    // A spreadsheet that fills the hours of the day without knowing of the clock change.
    const at = lines.findIndex((l) => l.startsWith('2022-03-27 03:00'));
    lines.splice(at, 0, '2022-03-27 02:00,0.2');
    expect(problemsOf(lines.join('\n'))).toEqual([
      `line ${at + 1}: 2022-03-27 02:00 does not exist in Europe/Brussels (clocks jump from 02:00 to 03:00); give the time with its offset or drop the row`,
    ]);
  });

  it('refuses 02:30 in a 15-minute file on the spring day', () => {
    const days = utcRows.filter(([t]) => Math.abs(t - SPRING) < 6 * 3_600_000);
    const { text } = localFile(days, 15);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('2022-03-27 03:00'));
    lines.splice(at, 0, '2022-03-27 02:30,0.2');
    expect(problemsOf(lines.join('\n'))).toEqual([
      `line ${at + 1}: 2022-03-27 02:30 does not exist in Europe/Brussels (clocks jump from 02:00 to 03:00); give the time with its offset or drop the row`,
    ]);
  });

  it('refuses an autumn time that appears once (which of the two is meant cannot be told), and takes it with an offset', () => {
    const days = utcRows.filter(([t]) => Math.abs(t - AUTUMN) < 6 * 3_600_000);
    const { text } = localFile(days);
    const lines = text.split('\n');
    const second = lines.findLastIndex((l) => l.startsWith('2022-10-30 02:00'));
    const first = lines.findIndex((l) => l.startsWith('2022-10-30 02:00'));
    expect(second).toBeGreaterThan(first);
    const once = lines.filter((_, i) => i !== second);
    expect(problemsOf(once.join('\n'))).toEqual([
      `line ${first + 1}: 2022-10-30 02:00 occurs twice in Europe/Brussels but only once in the file, so which one is meant cannot be told; give the time with its offset (2022-10-30T02:00+02:00 or +01:00)`,
    ]);
    // With its offset the row says which hour it is: the winter one, after the summer 02:00 was dropped.
    const explicit = once.map((l, i) => (i === first ? l.replace('2022-10-30 02:00', '2022-10-30T02:00+01:00') : l));
    const parsed = parseCsv(explicit.join('\n'), { timeZone: ZONE });
    expect(parsed.slots.map((s) => s.start)).toContain(Date.parse('2022-10-30T01:00:00Z'));
    expect(parsed.slots.map((s) => s.start)).not.toContain(Date.parse('2022-10-30T00:00:00Z'));
  });

  it('refuses repeated autumn times in a file that runs backwards', () => {
    const days = utcRows.filter(([t]) => Math.abs(t - AUTUMN) < 4 * 3_600_000);
    const { text } = localFile(days);
    const [header, ...rows] = text.trim().split('\n');
    const problems = problemsOf([header, ...rows.reverse()].join('\n'));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(
      /^line \d+: 2022-10-30 02:00 occurs twice in Europe\/Brussels .*give the time with its offset/,
    );
  });
});
