import { HandlerError, type HeatingHandlers, type IndoorSource } from '#contract/index';
import { unmasked } from '#core/secret';
import { IndoorSourceRefused, type Heating } from './service.ts';
import { indoorSecret } from './setting.ts';
import { SourceError } from './source/types.ts';

export function heatingHandlers(h: Heating): HeatingHandlers {
  /** A masked secret from the page ("••••1234") stands for the stored one of the same source kind. */
  const withStoredSecret = (next: IndoorSource): IndoorSource => {
    const current = h.current().indoor;
    return unmasked(
      indoorSecret,
      next,
      current,
      current.kind === next.kind,
      (field) => new HandlerError('bad-request', `Enter the ${field}`, undefined, `indoor.${field}`),
    );
  };

  return {
    'heating-settings': async () => h.settings(),
    'heating-configure': async (next) => {
      try {
        await h.configure({ ...next, indoor: withStoredSecret(next.indoor) });
      } catch (err) {
        if (!(err instanceof IndoorSourceRefused)) throw err;
        const cause = err.failure;
        const field = cause instanceof SourceError && cause.field ? `indoor.${cause.field}` : 'indoor';
        throw new HandlerError(
          'bad-request',
          `Not saved: ${cause.message}`,
          'The previous heating settings stay in use.',
          field,
        );
      }
      return h.settings();
    },
    'heating-test-source': async ({ indoor, waitMs }) => h.testSource(withStoredSecret(indoor), waitMs),
    'heating-demand': async ({ from, to }) => h.demandBetween(from, to),
    'heating-sensors': async () => h.sensors(),
    'heating-estimate': async ({ days }) => h.estimate(days),
    'heating-readings': async ({ from, to, max }) => h.readings(from, to, max ?? 2000),
    'heating-refresh': async () => {
      await h.refreshForecast();
      return h.sensors();
    },
    'heating-reading': async ({ c }) => {
      const kind = h.current().indoor.kind;
      if (kind !== 'manual') {
        throw new HandlerError(
          'conflict',
          `The indoor temperature comes from ${kind}; a typed reading would be overwritten`,
          'Switch the indoor source to manual to enter readings.',
        );
      }
      return h.typedReading(c);
    },
  };
}
