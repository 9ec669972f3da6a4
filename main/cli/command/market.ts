import type { MarketFigure, MarketStatus } from '#contract/index';
import { marketModule } from '#core/market/module';
import { PUBLIC_ENDPOINTS } from '#core/market/source';
import { findServer } from '#transport/discovery';
import { localClient, withClient, type CliClient } from '../client.ts';
import {
  JSON_DOC,
  DATA_DIR_DOC,
  numberOption,
  UsageError,
  type Command,
  flagOptions,
  textOptions,
} from '../command.ts';

const when = (ms: number | null) =>
  ms === null
    ? 'unknown time'
    : new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/:\d\d\.\d+Z$/, ' UTC');

/** "ok: mempool.space, fetched 2026-12-01 21:30 UTC" / "offline, using value from … (why)" / "manual, entered …" / "none (why)". */
export function figureState(f: MarketFigure): string {
  if (f.state === 'override') return `manual, entered ${when(f.fetchedAt)}`;
  if (f.state === 'offline') return `offline, using value from ${when(f.fetchedAt)} (${f.reason ?? 'fetch failed'})`;
  if (f.state === 'none') return `none: ${f.reason ?? 'not fetched yet'}`;
  return `ok: ${f.source ?? 'fetched'}, fetched ${when(f.fetchedAt)}`;
}

function print(st: MarketStatus): void {
  const price =
    st.btcPrice.value === null
      ? 'unknown'
      : `${st.btcPrice.value.toLocaleString('en-US', { maximumFractionDigits: 2 })} ${st.currency}`;
  const diff =
    st.difficulty.value === null
      ? 'unknown'
      : st.difficulty.value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  const w = Math.max(price.length, diff.length);
  console.log(`BTC price   ${price.padEnd(w)}   ${figureState(st.btcPrice)}`);
  console.log(`difficulty  ${diff.padEnd(w)}   ${figureState(st.difficulty)}`);
}

export const marketCommand: Command = {
  name: 'market',
  summary:
    'BTC price (in the market currency, --currency) and network difficulty with their state; set or clear manual values',
  usage: '[--json] [--currency EUR] [--set-price X] [--set-difficulty Y] [--clear] [--mempool URL] [--data-dir DIR]',
  options: {
    ...flagOptions('json', 'clear'),
    ...textOptions('currency', 'set-price', 'set-difficulty', 'mempool', 'data-dir'),
  },
  docs: {
    json: JSON_DOC,
    currency: { value: 'CODE', text: 'the currency BTC is priced in', default: 'the saved one, EUR at first' },
    'set-price': { value: 'X', text: 'a manual BTC price in that currency', example: '87000' },
    'set-difficulty': { value: 'Y', text: 'a manual network difficulty', example: '1.1e14' },
    clear: { text: 'drop both manual values and use the fetched ones again' },
    mempool: { value: 'URL', text: 'the mempool.space instance asked', default: 'https://mempool.space' },
    'data-dir': DATA_DIR_DOC,
  },
  examples: ['hearth market', 'hearth market --set-price 87000 --set-difficulty 1.1e14'],
  async run({ values }) {
    const price = numberOption(values['set-price'], 'set-price', { above: 0, integer: false, example: '87000' });
    const difficulty = numberOption(values['set-difficulty'], 'set-difficulty', {
      min: 1,
      integer: false,
      example: '1.1e14',
    });
    const clear = values['clear'] === true;
    if (clear && (price !== undefined || difficulty !== undefined))
      throw new UsageError(
        '--clear removes both manual values: give it alone, or --set-price/--set-difficulty without it',
      );
    const currency = values['currency'];
    if (currency !== undefined && (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)))
      throw new UsageError(`--currency expects a 3-letter code such as EUR, got "${String(currency)}"`);
    const mempool = values['mempool'];
    if (mempool !== undefined && (typeof mempool !== 'string' || !/^https?:\/\/[^/\s]+/.test(mempool)))
      throw new UsageError(
        `--mempool expects the address of a mempool.space instance such as https://mempool.space, got "${String(mempool)}"`,
      );

    const changing = typeof currency === 'string' || price !== undefined || difficulty !== undefined || clear;
    // The mempool.space address is the market domain's, given when a core is created: only a core
    // this command opens can take it; a running Hearth keeps the sources it started with.
    const open =
      typeof mempool !== 'string'
        ? undefined
        : async (dataDir: string): Promise<CliClient> => {
            const running = await findServer(dataDir);
            if (running.server) {
              const who = running.server.by === 'app' ? 'the desktop app' : '`hearth serve`';
              throw new UsageError(
                `--mempool applies to a data folder this command opens itself, but ${who} (pid ${running.server.pid}) is running on ${dataDir} with its own market sources: stop it, or leave out --mempool`,
              );
            }
            return localClient(dataDir, {
              replace: [marketModule({ endpoints: { ...PUBLIC_ENDPOINTS, mempool: mempool.replace(/\/+$/, '') } })],
            });
          };
    return withClient(
      values,
      async ({ send }) => {
        if (changing) {
          await send('market-override', {
            ...(typeof currency === 'string' ? { currency } : {}),
            ...(clear ? { btcPrice: null, difficulty: null } : {}),
            ...(price !== undefined ? { btcPrice: price } : {}),
            ...(difficulty !== undefined ? { difficulty } : {}),
          });
        }
        // Fetched now, in the currency just set: what the figures are (or why a fetch failed and which value stays).
        const st = await send('market-refresh', {});
        if (values['json'] === true) console.log(JSON.stringify(st, null, 2));
        else print(st);
        return 0;
      },
      open,
    );
  },
};
