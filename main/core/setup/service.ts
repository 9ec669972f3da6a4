import type { HeatSource, SetupItem, SetupStatus, SetupTopic, TariffConfig } from '#contract/index';
import type { EventBus } from '#core/event';
import { ratedPowerSetting } from '#core/hardware/setting';
import { heatingSetting } from '#core/heating/setting';
import { miningSetting } from '#core/mining/setting';
import { deviceSetting } from '#core/scheduler/setting';
import type { SettingDef, Settings } from '#core/setting';
import { tariffSetting } from '#core/tariff/setting';
import { setupSetting } from './setting.ts';
import type { SetupStore } from './store.ts';

export type SetupDeps = {
  settings: Settings;
  store: SetupStore;
  clock: { now(): number };
  emit: EventBus['emit'];
};

/** A price as typed, never rounded to look rounder: 0.30 stays "0.30", 0.2712 stays "0.2712". */
const money = (x: number) => {
  const exact = String(Number(x.toPrecision(12)));
  const decimals = exact.split('.')[1]?.length ?? 0;
  return decimals >= 2 ? exact : x.toFixed(2);
};

/** A tariff in the words the banner uses ("fixed price 0.30 EUR/kWh"). */
export function tariffWords(t: TariffConfig): string {
  switch (t.kind) {
    case 'fixed':
      return `fixed price ${money(t.price)} ${t.currency}/kWh`;
    case 'time-of-use':
      return `time of use: ${t.zones.length} zone(s), otherwise ${money(t.defaultPrice)} ${t.currency}/kWh`;
    case 'csv':
      return `prices from an imported file (${t.currency})`;
    case 'awattar':
      return `day-ahead prices from aWATTar (${t.country.toUpperCase()})`;
    case 'energi-data-service':
      return `day-ahead prices from Energi Data Service (${t.area})`;
    case 'octopus-agile':
      return `Octopus Agile (${t.product}, region ${t.region})`;
    case 'entsoe':
      return `day-ahead prices from ENTSO-E (${t.zone})`;
    case 'tibber':
      return 'prices from Tibber';
    case 'home-assistant':
      return `prices from Home Assistant (${t.entityId})`;
  }
}

/** A heat source in the banner's words ("gas 0.10 EUR/kWh at 90 %"). */
export function heatSourceWords(h: HeatSource, currency: string): string {
  switch (h.kind) {
    case 'none':
      return 'no other heating (the PC is the only heat)';
    case 'gas':
    case 'oil':
      return `${h.kind} ${money(h.pricePerKWh)} ${currency}/kWh at ${Number((h.efficiency * 100).toPrecision(6))} %`;
    case 'heat-pump':
      return `heat pump, COP ${h.cop.map((p) => `${p.cop} at ${p.outdoorC} °C`).join(', ')}`;
    case 'resistive':
      return 'electric (resistive) heating at the electricity price';
    case 'district':
      return `district heat ${money(h.pricePerKWh)} ${currency}/kWh`;
  }
}

/**
 * The first-run setup's state: which of the settings Hearth runs on are still the defaults no one
 * confirmed (the core knows: a setting without a stored row is its default), those values in
 * words, and whether the setup was finished or skipped.
 */
export class Setup {
  constructor(private readonly d: SetupDeps) {}

  /** The settings behind each topic: assumed while none of them has a stored row. */
  private readonly topics: Record<SetupTopic, SettingDef<unknown>[]> = {
    tariff: [tariffSetting as SettingDef<unknown>],
    heating: [heatingSetting as SettingDef<unknown>],
    mining: [miningSetting as SettingDef<unknown>],
    devices: [ratedPowerSetting as SettingDef<unknown>, deviceSetting as SettingDef<unknown>],
  };

  status(): SetupStatus {
    const stored = this.d.store.stored(Object.values(this.topics).flatMap((defs) => defs.map((x) => x.key)));
    const s = this.d.settings;
    const assumed = (topic: SetupTopic) => !this.topics[topic].some((x) => stored.has(x.key));
    const heating = s.get(heatingSetting);
    const mining = s.get(miningSetting);
    const rated = s.get(ratedPowerSetting);
    const configured = s.get(deviceSetting);
    const items: SetupItem[] = [
      { topic: 'tariff', assumed: assumed('tariff'), value: tariffWords(s.get(tariffSetting).tariff) },
      {
        topic: 'heating',
        assumed: assumed('heating'),
        value: `${heatSourceWords(heating.heatSource, heating.currency)}; the room loses ${heating.room.heatLossWPerK} W/K`,
      },
      {
        topic: 'mining',
        assumed: assumed('mining'),
        value:
          mining.pools.length === 0
            ? 'no mining pool: nothing is mined'
            : `mining at ${mining.pools[0]!.url} on ${mining.threads} thread(s)`,
      },
      {
        topic: 'devices',
        assumed: assumed('devices'),
        value: configured
          ? `${configured.length} device(s) described by hand`
          : rated !== null
            ? `detected devices; the CPU rated at ${rated} W`
            : "detected devices; the CPU's power from its model's known rating or 10 W per core (an estimate)",
      },
    ];
    const { state, at } = s.get(setupSetting);
    return { state, at, items };
  }

  /** Stores each of the topic's settings as it is now, so it is no longer a guess. */
  confirm(topic: SetupTopic): SetupStatus {
    for (const def of this.topics[topic]) this.d.settings.set(def, this.d.settings.get(def));
    return this.changed();
  }

  finish(state: 'completed' | 'skipped'): SetupStatus {
    this.d.settings.set(setupSetting, { state, at: this.d.clock.now() });
    return this.changed();
  }

  private changed(): SetupStatus {
    const st = this.status();
    this.d.emit('setup-changed', st);
    return st;
  }
}
