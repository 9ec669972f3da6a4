import type { HeatSlot } from '#contract/index';
import { withClient } from '../client.ts';
import {
  JSON_DOC,
  DATA_DIR_DOC,
  FROM_HOUR_DOC,
  numberOption,
  type Command,
  flagOptions,
  textOptions,
} from '../command.ts';
import { describeStatus, fromOption, localTime, perKWh } from './prices.ts';

const HOUR = 3_600_000;
/** The forecast Hearth fetches every hour; an older one is fetched again before it is shown. */
const FORECAST_MAX_AGE_MS = HOUR;

export function formatHeat(slots: HeatSlot[], timeZone: string): string[] {
  const lines = slots.map((s) => {
    const outdoor = s.outdoorC === null ? 'outdoor n/a' : `outdoor ${s.outdoorC.toFixed(1)} °C`;
    return `${localTime(s.start, timeZone)}  set ${s.setpointC.toFixed(1)} °C  ${outdoor}  demand ${Math.round(s.demandW)} W  credit ${perKWh(s.creditPerKWh, s.currency)}${s.note ? `  (${s.note})` : ''}`;
  });
  let kwh = 0;
  let value = 0;
  for (const s of slots) {
    const e = (s.demandW * (s.end - s.start)) / HOUR / 1000;
    kwh += e;
    value += e * s.creditPerKWh;
  }
  if (slots.length > 0)
    // The summary first: a long list scrolls the top away, not the answer.
    lines.unshift(
      `${slots.length} slots: heat demand ${kwh.toFixed(3)} kWh, worth ${value.toFixed(4)} ${slots[0]!.currency} if Hearth covered all of it`,
    );
  return lines;
}

export const heatCommand: Command = {
  name: 'heat',
  summary: 'Show heat demand and the heat credit per price slot for the next hours',
  usage: '[--hours N] [--from ISO-TIME] [--json] [--data-dir DIR]',
  options: { ...flagOptions('json'), ...textOptions('hours', 'from', 'data-dir') },
  docs: {
    hours: { value: 'N', text: 'how many hours ahead to show', default: '48', unit: 'hours' },
    from: FROM_HOUR_DOC,
    json: JSON_DOC,
    'data-dir': DATA_DIR_DOC,
  },
  examples: ['hearth heat --hours 24'],
  async run({ values }) {
    const hours = numberOption(values['hours'], 'hours', { min: 1, max: 14 * 24 }) ?? 48;
    const fromArg = fromOption(values['from']);
    return withClient(values, async ({ send }) => {
      const now = Date.now();
      const from = fromArg ?? Math.floor(now / HOUR) * HOUR;
      // A forecast over an hour old is refreshed first (offline, the cached one is used and the reason shown).
      let sensors = await send('heating-sensors', {});
      const fetchedAt = sensors.outdoor.last?.at ?? null;
      if (sensors.outdoor.kind === 'open-meteo' && (fetchedAt === null || now - fetchedAt > FORECAST_MAX_AGE_MS))
        sensors = await send('heating-refresh', {});
      const [settings, tariff, slots] = await Promise.all([
        send('heating-settings', {}),
        send('tariff-status', {}),
        send('heating-demand', { from, to: from + hours * HOUR }),
      ]);
      if (values['json']) {
        console.log(
          JSON.stringify({ mode: settings.mode, heatSource: settings.heatSource, sensors, tariff, slots }, null, 2),
        );
        return 0;
      }
      const indoor = sensors.indoor.last
        ? `${sensors.indoor.last.c.toFixed(1)} °C (${sensors.indoor.kind}, ${new Date(sensors.indoor.last.at).toISOString()})`
        : `no reading (${sensors.indoor.kind})`;
      console.log(`mode ${settings.mode}, heat source ${settings.heatSource.kind}, indoor ${indoor}`);
      if (sensors.outdoor.reason) console.log(`outdoor: ${sensors.outdoor.reason}`);
      console.log(describeStatus(tariff, now));
      if (slots.length === 0) {
        console.log(
          'No price slots known for the next hours, so no demand per slot: configure a tariff (hearth prices).',
        );
        return 0;
      }
      for (const line of formatHeat(slots, settings.timeZone)) console.log(line);
      return 0;
    });
  },
};
