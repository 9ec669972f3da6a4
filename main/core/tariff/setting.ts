import { z } from 'zod';
import { chargesSchema, ianaZone, tariffConfigSchema, type TariffConfig, type TariffSettings } from '#contract/index';
import type { SecretField } from '#core/secret';
import { defineSetting } from '#core/setting';
import { systemTimeZone } from '#core/time';

export function defaultTariffSettings(): TariffSettings {
  return {
    tariff: { kind: 'fixed', price: 0.3, currency: 'EUR' },
    charges: { perKWh: 0, tax: 0 },
    timeZone: systemTimeZone(),
  };
}

export const tariffSetting = defineSetting<TariffSettings>({
  key: 'tariff',
  schema: z.object({ tariff: tariffConfigSchema, charges: chargesSchema, timeZone: ianaZone }).strict(),
  default: defaultTariffSettings,
  defaultDoc: "a fixed 0.30 EUR/kWh, no charges or tax, the system's time zone",
  version: 1,
  since: '0.1.0',
  doc: 'The electricity tariff (fixed, time of use, a price file, or a day-ahead provider with its token sealed), the grid charges and tax on top, and the time zone its hours are read in.',
});

/** The day-ahead provider's API token (ENTSO-E, Tibber) or Home Assistant's long-lived access token. */
export const tariffToken: SecretField<TariffSettings> = {
  name: () => 'token',
  get: (s) => tokenOf(s.tariff),
  set: (s, token) => ({
    ...s,
    tariff: hasToken(s.tariff) ? { ...s.tariff, token } : s.tariff,
  }),
};

type WithToken = Extract<TariffConfig, { token: string }>;

function hasToken(c: TariffConfig): c is WithToken {
  return c.kind === 'entsoe' || c.kind === 'tibber' || c.kind === 'home-assistant';
}

function tokenOf(c: TariffConfig): string | null {
  return hasToken(c) ? c.token : null;
}
