import { origin, requestText, snippet } from './http.ts';
import { ProviderError, type ConfigOf, type DynamicAdapter, type SpotSlot } from './types.ts';

const LABEL = 'ENTSO-E';

/**
 * ENTSO-E Transparency Platform, day-ahead prices (documentType A44) for a bidding zone (EIC
 * code), with the user's security token. The answer is a Publication_MarketDocument (XML):
 * TimeSeries → Period { timeInterval { start, end }, resolution PT15M|PT30M|PT60M, Point {
 * position, price.amount } }, EUR per MWh. With curveType A03 a position that repeats the previous
 * price is left out, so gaps are filled forward. No data comes back as an
 * Acknowledgement_MarketDocument with a Reason text.
 */
export const entsoeAdapter: DynamicAdapter<ConfigOf<'entsoe'>> = {
  type: 'dynamic',
  label: LABEL,
  sourceKey: (c) => `entsoe:${c.zone}`,
  publishes: { hour: 13, minute: 15, timeZone: 'Europe/Brussels' },
  async fetch(config, from, to, io) {
    const stamp = (t: number) => new Date(t).toISOString().slice(0, 16).replace(/[-T:]/g, '');
    const hour = 3_600_000;
    const params = new URLSearchParams({
      securityToken: config.token,
      documentType: 'A44',
      in_Domain: config.zone,
      out_Domain: config.zone,
      periodStart: stamp(Math.floor(from / hour) * hour),
      periodEnd: stamp(Math.ceil(to / hour) * hour),
    });
    const xml = await requestText(
      io,
      `${origin(io, 'https://web-api.tp.entsoe.eu')}/api?${params.toString()}`,
      {},
      LABEL,
    );
    return parseEntsoe(xml).filter((s) => s.end > from && s.start < to);
  },
};

const tag = (xml: string, name: string): string | undefined =>
  new RegExp(`<${name.replace('.', '\\.')}>([^<]*)</${name.replace('.', '\\.')}>`).exec(xml)?.[1]?.trim();
const blocks = (xml: string, name: string): string[] =>
  xml.match(new RegExp(`<${name}>[\\s\\S]*?</${name}>`, 'g')) ?? [];

export function parseEntsoe(xml: string): SpotSlot[] {
  if (/<Acknowledgement_MarketDocument/.test(xml)) {
    const reason = tag(xml, 'text') ?? 'no reason given';
    if (/no matching data/i.test(reason))
      throw new ProviderError(`${LABEL} has no prices for this zone and time yet (${reason})`);
    throw new ProviderError(`${LABEL} refused the request: ${reason}`);
  }
  if (!/<Publication_MarketDocument/.test(xml))
    throw new ProviderError(`${LABEL} sent something that is not a price document: ${snippet(xml)}`);
  const byResolution = new Map<number, Map<number, SpotSlot>>();
  for (const series of blocks(xml, 'TimeSeries')) {
    const currency = tag(series, 'currency_Unit.name') ?? 'EUR';
    const measure = (tag(series, 'price_Measure_Unit.name') ?? 'MWH').toUpperCase();
    if (measure !== 'MWH') throw new ProviderError(`${LABEL} sent prices per ${measure}, expected per MWH`);
    for (const period of blocks(series, 'Period')) {
      const start = Date.parse(tag(period, 'start') ?? '');
      const end = Date.parse(tag(period, 'end') ?? '');
      const res = /^PT(\d+)M$/.exec(tag(period, 'resolution') ?? '');
      if (!Number.isFinite(start) || !Number.isFinite(end) || !res)
        throw new ProviderError(`${LABEL} sent a Period without a readable timeInterval or resolution`);
      const minutes = Number(res[1]);
      const step = minutes * 60_000;
      const count = Math.round((end - start) / step);
      const prices = new Map<number, number>();
      for (const point of blocks(period, 'Point')) {
        const pos = Number(tag(point, 'position'));
        const amount = Number(tag(point, 'price.amount'));
        if (!Number.isInteger(pos) || pos < 1 || pos > count || !Number.isFinite(amount)) {
          throw new ProviderError(`${LABEL} sent a malformed Point: ${snippet(point)}`);
        }
        prices.set(pos, amount);
      }
      if (!prices.has(1)) throw new ProviderError(`${LABEL} sent a Period whose first position is missing`);
      let slots = byResolution.get(minutes);
      if (!slots) byResolution.set(minutes, (slots = new Map()));
      let last = 0;
      for (let pos = 1; pos <= count; pos++) {
        last = prices.get(pos) ?? last;
        const s = start + (pos - 1) * step;
        slots.set(s, { start: s, end: s + step, spot: last / 1000, currency });
      }
    }
  }
  if (byResolution.size === 0) throw new ProviderError(`${LABEL} sent a price document without prices`);
  // Some zones publish the same day at two resolutions; the finest is what is settled.
  const finest = Math.min(...byResolution.keys());
  return [...(byResolution.get(finest)?.values() ?? [])].sort((a, b) => a.start - b.start);
}
