/**
 * Exact money. Amounts are integers of nano-units (1e-9 of the currency) so sums never drift:
 * a CPU miner earns far less than a micro-cent per slot, and that must still show rather than
 * round to zero. An int64 column holds ±9.2 billion currency units; JS numbers stay exact up to
 * ±9 million units, which `assertSafe` guards.
 */
export type Nanos = number;

export const NANOS_PER_UNIT = 1_000_000_000;
const NANOS_BIG = 1_000_000_000n;

/** An amount or sum past what a JS number holds exactly (about ±9 million units): see assertSafe. */
export class InexactAmount extends RangeError {}

export function assertSafe(n: number, what: string): number {
  if (!Number.isSafeInteger(n)) throw new InexactAmount(`${what} is not an exact integer amount (${n})`);
  return n;
}

/**
 * A decimal amount (a price read from an API or a setting) to nano-units, rounding half to even
 * at the ninth decimal. Parses the decimal text so 0.1 becomes exactly 100000000.
 */
export function toNanos(amount: number | string): Nanos {
  const text = typeof amount === 'number' ? numberText(amount) : amount.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new RangeError(`"${text}" is not a decimal amount`);
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = BigInt(m[2] || '0');
  const frac = (m[3] ?? '').padEnd(10, '0');
  let n = whole * NANOS_BIG + BigInt(frac.slice(0, 9));
  const rest = frac.slice(9);
  // Half to even on the digits beyond the ninth decimal.
  const first = rest.charAt(0);
  const restIsHalf = first === '5' && /^0*$/.test(rest.slice(1));
  if (first > '5' || (first === '5' && !restIsHalf) || (restIsHalf && n % 2n === 1n)) n += 1n;
  return assertSafe(Number(sign * n), `amount ${text}`);
}

/** Plain decimal text of a number (no exponent), enough digits to round-trip. */
function numberText(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`${x} is not a finite amount`);
  const s = String(x);
  if (!/e/i.test(s)) return s;
  return x.toFixed(20).replace(/0+$/, '').replace(/\.$/, '');
}

/** Nano-units as decimal text with all nine decimals trimmed of trailing zeros: "-1.5", "0.000000003". */
export function nanosText(n: Nanos): string {
  assertSafe(n, 'amount');
  const neg = n < 0;
  const abs = BigInt(Math.abs(n));
  const whole = abs / NANOS_BIG;
  const frac = (abs % NANOS_BIG).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Parses `nanosText` output (or any decimal text) back exactly. */
export function parseNanos(text: string): Nanos {
  return toNanos(text);
}

/** a × b / d with integer operands, rounded half to even — exact for any magnitudes. */
export function mulDiv(a: bigint, b: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('division by zero');
  const p = a * b;
  const neg = p < 0n !== d < 0n;
  const ap = p < 0n ? -p : p;
  const ad = d < 0n ? -d : d;
  let q = ap / ad;
  const r = ap % ad;
  if (r * 2n > ad || (r * 2n === ad && q % 2n === 1n)) q += 1n;
  return neg ? -q : q;
}

/** Energy in integer milliwatt-hours (1 kWh = 1 000 000 mWh). */
export type MilliWh = number;
export const MWH_PER_KWH = 1_000_000;

/** Cost of `energy` at `pricePerKWh` (nano-units per kWh), exact and rounded half to even. */
export function energyCost(energy: MilliWh, pricePerKWh: Nanos): Nanos {
  return assertSafe(Number(mulDiv(BigInt(energy), BigInt(pricePerKWh), BigInt(MWH_PER_KWH))), 'energy cost');
}

/** Watts held for `ms` milliseconds, as mWh (rounded to the nearest mWh). */
export function wattMsToMilliWh(watts: number, ms: number): MilliWh {
  return Math.round((watts * ms) / 3600);
}

/** Sum of exact amounts; throws rather than lose precision. */
export function sumNanos(values: Iterable<Nanos>): Nanos {
  let s = 0n;
  for (const v of values) s += BigInt(v);
  return assertSafe(Number(s), 'sum');
}
