import { ledgerSettingsSchema, type LedgerSettings } from '#contract/ledger';
import { defineSetting } from '#core/setting';

function defaults(): LedgerSettings {
  return {
    currency: 'EUR',
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    standingPerDay: '0',
    monthlyFee: '0',
  };
}

export const ledgerSetting = defineSetting<LedgerSettings>({
  key: 'ledger',
  schema: ledgerSettingsSchema,
  default: defaults,
  defaultDoc: "EUR, the system's time zone, no standing charge or monthly fee",
  version: 2,
  since: '0.1.0',
  migrate: {
    // Version 1 also held mean fees and the pool fee; the market's setting took them over.
    1: (old) => {
      const {
        feesBtc: _fees,
        poolFee: _pool,
        ...rest
      } = { ...defaults(), ...(old as object) } as LedgerSettings & { feesBtc?: unknown; poolFee?: unknown };
      return rest;
    },
  },
  doc: 'The bill: currency, the time zone days are counted in, the standing charge per day and the monthly fee (exact decimal text).',
});
