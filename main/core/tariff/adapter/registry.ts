import type { TariffConfig } from '#contract/tariff';
import { awattarAdapter } from './awattar.ts';
import { csvAdapter } from './csv.ts';
import { energiDataServiceAdapter } from './energi-data-service.ts';
import { entsoeAdapter } from './entsoe.ts';
import { fixedAdapter } from './fixed.ts';
import { homeAssistantAdapter } from './home-assistant.ts';
import { octopusAgileAdapter } from './octopus-agile.ts';
import { tibberAdapter } from './tibber.ts';
import { timeOfUseAdapter } from './time-of-use.ts';
import type { Adapter, ConfigOf } from './types.ts';

/**
 * Every tariff adapter, registered by the `kind` its configuration carries. The mapped type makes
 * a missing adapter, or one whose configuration type does not match its name, a compile error.
 */
export const adapters: { [K in TariffConfig['kind']]: Adapter<ConfigOf<K>> } = {
  fixed: fixedAdapter,
  'time-of-use': timeOfUseAdapter,
  csv: csvAdapter,
  awattar: awattarAdapter,
  'energi-data-service': energiDataServiceAdapter,
  'octopus-agile': octopusAgileAdapter,
  entsoe: entsoeAdapter,
  tibber: tibberAdapter,
  'home-assistant': homeAssistantAdapter,
};

export function adapterFor<C extends TariffConfig>(config: C): Adapter<C> {
  return adapters[config.kind] as Adapter<C>;
}
