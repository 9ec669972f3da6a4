import { HandlerError, type TariffHandlers, type TariffSettings } from '#contract/index';
import { masked, unmasked } from '#core/secret';
import { CsvError } from './adapter/csv.ts';
import { ProviderError } from './adapter/types.ts';
import { UploadError, type Uploads } from '#core/upload/uploads';
import { TariffCheckFailed, type ImportText, type Tariff } from './service.ts';
import { tariffToken } from './setting.ts';

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function tariffHandlers(t: Tariff, uploads: Uploads): TariffHandlers {
  const refused = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof UploadError) throw new HandlerError(err.code, err.message, err.hint);
      throw err;
    }
  };

  /**
   * A masked token from the settings page means "keep the one stored", for the same provider; a
   * Home Assistant token only for the same Home Assistant, so that it never goes to another host.
   */
  const withStoredToken = (next: TariffSettings): TariffSettings => {
    const current = t.current();
    const a = next.tariff;
    const b = current.tariff;
    const same =
      a.kind === b.kind && (a.kind !== 'home-assistant' || (b.kind === a.kind && originOf(a.url) === originOf(b.url)));
    return unmasked(
      tariffToken,
      next,
      current,
      same,
      () =>
        new HandlerError(
          'bad-request',
          'Enter the token',
          'The stored token belongs to another provider or another Home Assistant.',
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
    'upload-begin': async ({ bytes }) => refused(() => uploads.begin(bytes)),
    'upload-chunk': async ({ upload, offset, data }) => refused(() => uploads.chunk(upload, offset, data)),
    'upload-abort': async ({ upload }) => ({ dropped: uploads.abort(upload) }),
    'tariff-import-csv': async ({ csv, upload, unit, currency, timeZone, useAsTariff }) => {
      const text: ImportText =
        upload !== undefined
          ? { ...refused(() => uploads.take(upload)), upload }
          : { pieces: [csv ?? ''], chars: csv?.length ?? 0, upload: null };
      try {
        return await t.importCsv(
          text,
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
