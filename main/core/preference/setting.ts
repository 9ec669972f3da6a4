import { DEFAULT_PREFERENCES, type Preferences } from '#contract/index';
import { preferencesSchema } from '#contract/preference';
import { defineSetting, wholeSince } from '#core/setting';

export const preferenceSetting = defineSetting<Preferences>({
  key: 'preferences',
  schema: preferencesSchema,
  ...wholeSince('0.1.0', () => ({ ...DEFAULT_PREFERENCES })),
  doc: 'Display units (°C or °F; energy in kWh or scaled) and how the desktop app starts (at login, minimised).',
});
