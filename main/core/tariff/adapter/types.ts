import type { PriceSlot, TariffConfig } from '#contract/tariff';

/** A provider's price for one slot, per kWh, before charges and tax. */
export type SpotSlot = { start: number; end: number; spot: number; currency: string };

/** How adapters reach the network: injected so tests point them at a local server. */
export type ProviderIo = {
  fetch: typeof globalThis.fetch;
  /** Replaces the provider's origin (scheme + host), e.g. http://127.0.0.1:40123 in tests. */
  baseUrl?: string;
};

export type ConfigOf<K extends TariffConfig['kind']> = Extract<TariffConfig, { kind: K }>;

/** Prices follow from the configuration alone, for any range (fixed, time-of-use). */
export type StaticAdapter<C> = {
  type: 'static';
  slots(config: C, from: number, to: number, timeZone: string): PriceSlot[];
};

/** Prices come from slots stored in the ledger by an import (CSV). */
export type StoredAdapter<C> = {
  type: 'stored';
  sourceKey(config: C): string;
};

/** Prices are fetched from a day-ahead provider and cached in the ledger. */
export type DynamicAdapter<C> = {
  type: 'dynamic';
  /** The provider's name as people know it, used in status messages. */
  label: string;
  /** The ledger key the slots are cached under: a new area or product starts a fresh series. */
  sourceKey(config: C): string;
  /** When tomorrow's prices are usually out (local time of `timeZone`): fetches start then. */
  publishes: { hour: number; minute: number; timeZone: string };
  fetch(config: C, from: number, to: number, io: ProviderIo): Promise<SpotSlot[]>;
};

export type Adapter<C> = StaticAdapter<C> | StoredAdapter<C> | DynamicAdapter<C>;

/** A failure the user can read: what the provider said and what to do. Previous prices stay. */
export class ProviderError extends Error {
  readonly auth: boolean;
  constructor(message: string, options: { auth?: boolean } = {}) {
    super(message);
    this.name = 'ProviderError';
    this.auth = options.auth ?? false;
  }
}

/** Slot length in minutes, refused unless 15, 30 or 60. */
export function resolutionOf(slots: { start: number; end: number }[], provider: string): 15 | 30 | 60 {
  let min = Infinity;
  for (const s of slots) min = Math.min(min, s.end - s.start);
  const minutes = min / 60_000;
  if (minutes === 15 || minutes === 30 || minutes === 60) return minutes;
  throw new ProviderError(`${provider} sent ${minutes}-minute slots; Hearth understands 15, 30 and 60 minutes`);
}
