import type { MarketFigure, MarketStatus } from '#contract/index';
import { startCore } from '#core/app';
import { defaultDataDir } from '#core/data-dir';
import { marketModule } from '#core/market/module';
import { PUBLIC_ENDPOINTS } from '#core/market/source';
import { rethrowAsUsage, UsageError, type Command } from '../command.ts';

/** Longer than the market domain's own 15 s fetch timeout: its answer (or its failure) comes first. */
const WAIT_FOR_FETCH_MS = 20_000;

/** A number above `above` (or at least `atLeast`), as the market domain's own schema wants it. */
function amount(value: unknown, flag: string, bound: { above: number } | { atLeast: number }, example: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const ok = typeof value === 'string' && value.trim() !== '' && Number.isFinite(n) && ('above' in bound ? n > bound.above : n >= bound.atLeast);
  if (!ok) throw new UsageError(`--${flag} expects a number ${'above' in bound ? `above ${bound.above}` : `of at least ${bound.atLeast}`} such as ${example}, got "${String(value)}"`);
  return n;
}

const when = (ms: number | null) => (ms === null ? 'unknown time' : new Date(ms).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC'));

/** "ok: mempool.space, fetched 2026-12-01 21:30 UTC" / "offline, using value from … (why)" / "manual, entered …" / "none (why)". */
export function figureState(f: MarketFigure): string {
  if (f.state === 'override') return `manual, entered ${when(f.fetchedAt)}`;
  if (f.state === 'offline') return `offline, using value from ${when(f.fetchedAt)} (${f.reason ?? 'fetch failed'})`;
  if (f.state === 'none') return `none: ${f.reason ?? 'not fetched yet'}`;
  return `ok: ${f.source ?? 'fetched'}, fetched ${when(f.fetchedAt)}`;
}

function print(st: MarketStatus): void {
  const price = st.btcPrice.value === null ? 'unknown' : `${st.btcPrice.value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${st.currency}`;
  const diff = st.difficulty.value === null ? 'unknown' : st.difficulty.value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const w = Math.max(price.length, diff.length);
  console.log(`BTC price   ${price.padEnd(w)}   ${figureState(st.btcPrice)}`);
  console.log(`difficulty  ${diff.padEnd(w)}   ${figureState(st.difficulty)}`);
}

export const marketCommand: Command = {
  name: 'market',
  summary: 'BTC price (in the market currency, --currency) and network difficulty with their state; set or clear manual values',
  usage: 'market [--json] [--currency EUR] [--set-price X] [--set-difficulty Y] [--clear] [--mempool URL] [--data-dir DIR]',
  options: {
    json: { type: 'boolean' },
    currency: { type: 'string' },
    'set-price': { type: 'string' },
    'set-difficulty': { type: 'string' },
    clear: { type: 'boolean' },
    mempool: { type: 'string' },
    'data-dir': { type: 'string' },
  },
  async run({ values }) {
    const price = amount(values['set-price'], 'set-price', { above: 0 }, '87000');
    const difficulty = amount(values['set-difficulty'], 'set-difficulty', { atLeast: 1 }, '1.1e14');
    const clear = values['clear'] === true;
    if (clear && (price !== undefined || difficulty !== undefined)) throw new UsageError('--clear removes both manual values: give it alone, or --set-price/--set-difficulty without it');
    const currency = values['currency'];
    if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))) throw new UsageError(`--currency expects a 3-letter code such as EUR, got "${String(currency)}"`);
    const mempool = values['mempool'];
    if (mempool !== undefined && (typeof mempool !== 'string' || !/^https?:\/\/[^/\s]+/.test(mempool))) throw new UsageError(`--mempool expects the address of a mempool.space instance such as https://mempool.space, got "${String(mempool)}"`);

    const dataDir = typeof values['data-dir'] === 'string' ? values['data-dir'] : defaultDataDir();
    const endpoints = typeof mempool === 'string' ? { ...PUBLIC_ENDPOINTS, mempool: mempool.replace(/\/+$/, '') } : PUBLIC_ENDPOINTS;
    const core = await startCore({ dataDir, modules: [marketModule({ endpoints })], log: { info: () => undefined, warn: () => undefined, error: (m) => console.error(m) } });
    // Starting the market domain fetches once; its answer (or the reason it failed) is what we show.
    // Each change below announces itself with one more market-update, so count them all.
    const changing = typeof currency === 'string' || price !== undefined || difficulty !== undefined || clear;
    let awaited = changing ? 2 : 1;
    const fetched = new Promise<void>((resolve) => {
      const off = core.events.on('market-update', () => {
        if (--awaited > 0) return;
        off();
        resolve();
      });
      setTimeout(resolve, WAIT_FOR_FETCH_MS).unref();
    });
    try {
      const h = core.handlers;
      if (changing) {
        await h['market-override']({
          ...(typeof currency === 'string' ? { currency } : {}),
          ...(clear ? { btcPrice: null, difficulty: null } : {}),
          ...(price !== undefined ? { btcPrice: price } : {}),
          ...(difficulty !== undefined ? { difficulty } : {}),
        });
      }
      await fetched;
      // A changed currency needs a fetch in that currency.
      const st = typeof currency === 'string' ? await h['market-refresh']({}) : await h['market-status']({});
      if (values['json'] === true) console.log(JSON.stringify(st, null, 2));
      else print(st);
      return 0;
    } catch (err) {
      rethrowAsUsage(err);
    } finally {
      await core.close();
    }
  },
};
