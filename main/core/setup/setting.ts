import { setupStatusSchema, type SetupStatus } from '#contract/setup';
import { defineSetting } from '#core/setting';

export type SetupState = Pick<SetupStatus, 'state' | 'at'>;

export const setupSetting = defineSetting<SetupState>({
  key: 'setup',
  schema: setupStatusSchema,
  default: () => ({ state: 'new', at: null }),
  version: 1,
  since: '0.1.0',
  doc: 'Whether the first-run setup was finished or skipped, and when (it can be opened again from Settings).',
});
