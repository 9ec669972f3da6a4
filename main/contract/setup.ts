import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/** The settings a fresh install runs on guesses for, in the order the first-run setup asks them. */
export type SetupTopic = 'tariff' | 'heating' | 'mining' | 'devices';

/** One topic: whether the value in use is still the default nobody confirmed, and that value in plain words. */
export type SetupItem = {
  topic: SetupTopic;
  /** No one saved or confirmed this setting: the default is a guess. */
  assumed: boolean;
  /** The value in use, e.g. "fixed price 0.30 EUR/kWh" or "gas 0.10 EUR/kWh at 90 %". */
  value: string;
};

export type SetupStatus = {
  /** new: the first-run setup was neither finished nor skipped. */
  state: 'new' | 'completed' | 'skipped';
  /** When it was finished or skipped (ms), null while new. */
  at: number | null;
  items: SetupItem[];
};

export type SetupHandlers = {
  'setup-status': Handler<Record<string, never>, SetupStatus>;
  /** Keeps a topic's value in use as it is and stops calling it assumed (saved like any change). */
  'setup-confirm': Handler<{ topic: SetupTopic }, SetupStatus>;
  /** Marks the first-run setup finished or skipped; it can be opened again from Settings. */
  'setup-finish': Handler<{ state: 'completed' | 'skipped' }, SetupStatus>;
};

export type SetupEvents = {
  'setup-changed': SetupStatus;
};

export const setupStatusSchema = z
  .object({
    state: z.enum(['new', 'completed', 'skipped']),
    at: z.number().nullable(),
  })
  .strict();

export const setupArgs: ArgSchemas<SetupHandlers> = {
  'setup-status': z.object({}).strict(),
  'setup-confirm': z
    .object({
      topic: z.enum(['tariff', 'heating', 'mining', 'devices'], {
        message: 'the topic is tariff, heating, mining or devices',
      }),
    })
    .strict(),
  'setup-finish': z
    .object({ state: z.enum(['completed', 'skipped'], { message: 'the setup is "completed" or "skipped"' }) })
    .strict(),
};
