import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * How the app shows itself: display units, and how the desktop app starts. Currency and time zone
 * are the ledger's bill settings (`ledger-settings`), not repeated here.
 */
export type Preferences = {
  /** Every temperature in the UI; the core keeps °C. */
  temperatureUnit: 'C' | 'F';
  /** auto: Wh below 1 kWh, kWh above; kWh: always kWh. */
  energyUnit: 'auto' | 'kWh';
  /** Desktop app only: start at login (Electron's login item). */
  autostart: boolean;
  /** Desktop app only: start in the tray without showing the window. */
  startMinimized: boolean;
};

/** Where the core keeps its data, for the Settings page. */
export type DataFolder = {
  dataDir: string;
  ledgerFile: string;
  /** The ledger file and its write-ahead log together. */
  ledgerBytes: number;
  /** Where `ledger-backup` writes by default. */
  backupsDir: string;
  /** How to move the data somewhere else. */
  howToChange: string;
};

export type PreferenceHandlers = {
  'preferences-get': Handler<Record<string, never>, Preferences>;
  /** Changes only the fields given; an unknown field or a wrong value is refused and nothing is saved. */
  'preferences-set': Handler<Partial<Preferences>, Preferences>;
  'data-folder': Handler<Record<string, never>, DataFolder>;
};

export type PreferenceEvents = {
  'preferences-updated': Preferences;
};

export const DEFAULT_PREFERENCES: Preferences = {
  temperatureUnit: 'C',
  energyUnit: 'auto',
  autostart: false,
  startMinimized: false,
};

const fields = {
  temperatureUnit: z.enum(['C', 'F'], { message: 'the temperature unit is "C" (°C) or "F" (°F)' }),
  energyUnit: z.enum(['auto', 'kWh'], { message: 'the energy unit is "auto" (Wh below 1 kWh) or "kWh"' }),
  autostart: z.boolean({ message: 'starting with the computer is on or off' }),
  startMinimized: z.boolean({ message: 'starting minimized is on or off' }),
};

export const preferencesSchema: z.ZodType<Preferences> = z.object(fields).strict();

export const preferenceArgs: ArgSchemas<PreferenceHandlers> = {
  'preferences-get': z.object({}).strict(),
  'preferences-set': z.object(fields).partial().strict(),
  'data-folder': z.object({}).strict(),
};
