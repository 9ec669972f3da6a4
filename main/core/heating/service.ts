import type { HeatingSettings, HeatSlot, TemperatureReading } from '#contract/heating';
import type { PriceSlot } from '#contract/tariff';

export type RoomModel = { uaWPerK: number; capacityWhPerK: number; indoorC: number | null; sourceCapW: number };

/** What other domains (the planner) may ask of the heating domain. */
export type HeatingService = {
  /**
   * Heat demand and heat credit for each given slot (same order, same start/end). Synchronous:
   * uses the cached outdoor forecast and the last indoor reading.
   */
  demand(slots: PriceSlot[]): HeatSlot[];
  /** Value (currency) of `heatW` delivered through `slot`: only heat up to demand counts. */
  credit(slot: HeatSlot, heatW: number): number;
  indoor(): TemperatureReading | null;
  /**
   * Thermal mode: the room as one thermal node for the planner (the comfort band and outdoor
   * temperature come per slot with `demand`). `indoorC`: the last reading if it is fresh, else
   * null (the caller starts the room at the band's lower bound). Null in the other modes.
   */
  thermal(): RoomModel | null;
  /** The settings in use, the indoor secret masked. */
  settings(): HeatingSettings;
  /** Called when demand may have changed (new reading, forecast or settings). */
  onChange(listener: () => void): () => void;
};
