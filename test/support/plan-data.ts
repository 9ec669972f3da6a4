/** Real prices and weather for planner tests, as the generator's hourly series. */
import path from 'node:path';
import { readSeries } from '#core/planner/generate';
import { PRICES_DIR, WEATHER_DIR } from '../fixtures/data.ts';

export function realSeries(year: 2022 | 2023 = 2023): ReturnType<typeof readSeries> {
  return readSeries(
    path.join(PRICES_DIR, `be-day-ahead-${year}.csv`),
    path.join(WEATHER_DIR, 'aachen-2023-hourly.csv'),
  );
}
