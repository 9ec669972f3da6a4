import type { Charges, PriceSlot, TariffStatus } from '#contract/tariff';

/** What other domains (the planner) may ask of the tariff domain. */
export type TariffService = {
  /**
   * Known slots overlapping [from, to), in time order, at the tariff's resolution. Gaps mean
   * prices are not known there yet (tomorrow before publication); never invented.
   */
  slots(from: number, to: number): PriceSlot[];
  status(): TariffStatus;
  /** The grid charges and tax added to spot prices. */
  charges(): Charges;
  /** Called after new prices are stored; returns an unsubscribe function. */
  onUpdate(listener: (range: { from: number; to: number }) => void): () => void;
};
