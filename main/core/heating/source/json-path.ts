/**
 * Reads a number from parsed JSON by a dotted path: "temperature", "sensor.temp", "$.data[0].t".
 * Numbers written as strings ("21.5") count; anything else is null.
 */
export function numberAt(value: unknown, path: string): number | null {
  const parts = path
    .replace(/^\$\.?/, '')
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((p) => p !== '');
  let cur: unknown = value;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[p];
  }
  const n = typeof cur === 'string' && cur.trim() !== '' ? Number(cur) : cur;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** A payload that is a plain number ("21.4") or JSON read at `path`. */
export function parsePayload(text: string, path: string | undefined): number | null {
  if (!path) {
    const n = Number(text.trim());
    return text.trim() !== '' && Number.isFinite(n) ? n : null;
  }
  try {
    return numberAt(JSON.parse(text) as unknown, path);
  } catch {
    return null;
  }
}
