import fs from 'node:fs';

/**
 * Count, mean, min and max of a start,price CSV from its text alone (split lines and commas), so
 * that an importer's figures are checked against a reading that shares no code with it.
 */
export function priceFileStats(file: string): { n: number; mean: number; min: number; max: number } {
  const values = fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => Number(l.split(',')[1]));
  return {
    n: values.length,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    min: values.reduce((a, b) => (b < a ? b : a)),
    max: values.reduce((a, b) => (b > a ? b : a)),
  };
}
