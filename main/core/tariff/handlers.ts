import { HandlerError, type TariffHandlers, type TariffSettings } from '#contract/index';
import { masked, unmasked } from '#core/secret';
import { CsvError } from './adapter/csv.ts';
import { ProviderError } from './adapter/types.ts';
import { TariffCheckFailed, type Tariff } from './service.ts';
import { tariffToken } from './setting.ts';

export function tariffHandlers(t: Tariff): TariffHandlers {
  /** A masked token from the settings page means "keep the one stored". */
  const withStoredToken = (next: TariffSettings): TariffSettings => {
    const current = t.current();
    return unmasked(
      tariffToken,
      next,
      current,
      next.tariff.kind === current.tariff.kind,
      () =>
        new HandlerError(
          'bad-request',
          'Enter the token',
          'The stored token belongs to another provider.',
          'tariff.token',
        ),
    );
  };

  return {
    'tariff-settings': async () => masked(tariffToken, t.current()),
    'tariff-configure': async ({ skipCheck, ...next }) => {
      try {
        return await t.configure(withStoredToken(next), skipCheck === true);
      } catch (err) {
        if (!(err instanceof TariffCheckFailed)) throw err;
        const cause = err.failure;
        throw new HandlerError(
          cause instanceof ProviderError && cause.auth ? 'bad-request' : 'unavailable',
          `Not saved: ${cause.message}`,
          'The previous tariff stays in use.',
        );
      }
    },
    'tariff-test': async (next) => t.test(withStoredToken(next)),
    'tariff-slots': async ({ from, to }) => t.slots(from, to),
    'tariff-status': async () => t.status(),
    'tariff-refresh': async () => t.refresh(),
    'tariff-import-csv': async ({ csv, unit, currency, timeZone, useAsTariff }) => {
      try {
        return await t.importCsv(
          csv,
          {
            ...(unit ? { unit } : {}),
            ...(currency ? { currency } : {}),
            ...(timeZone ? { timeZone } : {}),
          },
          useAsTariff === true,
        );
      } catch (err) {
        if (err instanceof CsvError)
          throw new HandlerError('bad-request', err.message, 'Fix the rows named and import again.');
        throw err;
      }
    },
  };
}
