import { SourceError } from './types.ts';

/** GET a JSON document; every failure becomes a SourceError naming `what` and the cause. */
export async function getJson(
  fetchFn: typeof globalThis.fetch,
  url: string,
  headers: Record<string, string>,
  what: string,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetchFn(url, {
      headers: { accept: 'application/json', ...headers },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new SourceError(
      `Cannot reach ${what} at ${new URL(url).host} (${cause}): check the URL and that it is running`,
      { transient: true, field: 'url' },
    );
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403)
    throw new SourceError(`${what} rejected the token (HTTP ${res.status}): create a new long-lived access token`, {
      field: 'token',
    });
  if (!res.ok)
    throw new SourceError(`${what} answered HTTP ${res.status}: ${text.slice(0, 160).trim()}`, { field: 'url' });
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SourceError(`${what} did not answer with JSON: ${text.slice(0, 160).trim()}`, { field: 'url' });
  }
}
