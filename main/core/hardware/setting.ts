import { z } from 'zod';
import { ianaZone } from '#contract/index';
import { defineSetting } from '#core/setting';
import { systemTimeZone } from '#core/time';

export const timeZoneSetting = defineSetting<string>({
  key: 'timeZone',
  schema: ianaZone,
  default: systemTimeZone,
  defaultDoc: "the system's time zone",
  version: 1,
  since: '0.1.0',
  doc: "The time zone (IANA name) energy days are counted in; the system's zone by default.",
});

export const ratedPowerSetting = defineSetting<number | null>({
  key: 'hardware.cpuRatedPowerW',
  schema: z.number().positive().max(2000).nullable(),
  default: () => null,
  version: 1,
  since: '0.1.0',
  doc: "The CPU's rated power (W) for the power model where no sensor measures it; null: from the CPU model's known TDP.",
});
