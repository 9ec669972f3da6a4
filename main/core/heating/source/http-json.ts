import type { IndoorSource } from '#contract/heating';
import { getJson } from './http-get.ts';
import { numberAt } from './json-path.ts';
import { implausible, SourceError } from './types.ts';

type HttpJson = Extract<IndoorSource, { kind: 'http-json' }>;

/** One reading from any URL answering JSON, read at the configured path. */
export async function readHttpJson(src: HttpJson, fetchFn: typeof globalThis.fetch): Promise<number> {
  const body = await getJson(fetchFn, src.url, {}, 'The temperature URL');
  const c = numberAt(body, src.jsonPath);
  if (c === null)
    throw new SourceError(`The answer from ${src.url} has no number at "${src.jsonPath}": check the JSON path`, {
      field: 'jsonPath',
    });
  if (implausible(c))
    throw new SourceError(`${src.url} gives ${c} at "${src.jsonPath}": not a room temperature in °C`, {
      field: 'jsonPath',
    });
  return c;
}
