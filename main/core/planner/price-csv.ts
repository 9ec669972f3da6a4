/**
 * Reads `start_utc,eur_per_kwh` price files (test/fixtures/prices, shared/data/prices). The
 * planner's own small reader, so the backtest does not wait on the tariff domain's importer.
 */
export type PricePoint = { start: number; price: number };

export function parsePriceCsv(text: string, name = 'price file'): PricePoint[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const head = lines.shift()?.trim().toLowerCase();
  if (head !== 'start_utc,eur_per_kwh')
    throw new Error(`${name}: first line must be "start_utc,eur_per_kwh", got "${head ?? ''}"`);
  const out: PricePoint[] = [];
  lines.forEach((line, i) => {
    const [a, b] = line.split(',');
    const start = Date.parse(a ?? '');
    const price = Number(b);
    if (!Number.isFinite(start) || b === undefined || b.trim() === '' || !Number.isFinite(price)) {
      throw new Error(`${name} line ${i + 2}: expected "2023-01-01T00:00:00Z,0.123", got "${line}"`);
    }
    const prev = out.at(-1);
    if (prev && start <= prev.start)
      throw new Error(`${name} line ${i + 2}: times must increase (${a} after ${new Date(prev.start).toISOString()})`);
    out.push({ start, price });
  });
  return out;
}
