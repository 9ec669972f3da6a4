import { DEFAULT_PREFERENCES, type Preferences } from '#contract/index';
import { preferencesSchema } from '#contract/preference';
import { defineSetting } from '#core/setting';

export const preferenceSetting = defineSetting<Preferences>({
  key: 'preferences',
  schema: preferencesSchema,
  default: () => ({ ...DEFAULT_PREFERENCES }),
  version: 2,
  since: '0.1.0',
  // Version 1 was merged over the defaults at every read, so a row could lack any field.
  migrate: { 1: (old) => ({ ...DEFAULT_PREFERENCES, ...(old as object) }) },
  doc: 'Display units (°C or °F; energy in kWh or scaled) and how the desktop app starts (at login, minimised).',
});
