import { ProviderError, type ProviderIo } from './types.ts';

const TIMEOUT_MS = 20_000;

/**
 * One request to a provider, turned into a clear ProviderError for every way it can fail:
 * unreachable, credentials refused, an HTTP error, an empty body. Returns the body text.
 */
export async function requestText(io: ProviderIo, url: string, init: RequestInit, provider: string): Promise<string> {
  let res: Response;
  try {
    res = await io.fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new ProviderError(
      `Cannot reach ${provider} (${cause}): check the network; the last known prices stay in use`,
    );
  }
  const body = await res.text();
  if (res.status === 401 || res.status === 403) {
    throw new ProviderError(
      `${provider} rejected the token (HTTP ${res.status}): check the token in the tariff settings`,
      { auth: true },
    );
  }
  if (!res.ok) throw new ProviderError(`${provider} answered HTTP ${res.status}: ${snippet(body)}`);
  if (body.trim() === '')
    throw new ProviderError(`${provider} sent an empty response; the last known prices stay in use`);
  return body;
}

export async function requestJson(io: ProviderIo, url: string, init: RequestInit, provider: string): Promise<unknown> {
  const text = await requestText(io, url, init, provider);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProviderError(`${provider} sent something that is not JSON: ${snippet(text)}`);
  }
}

export function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 160 ? `${one.slice(0, 160)}…` : one || '(empty)';
}

/** The provider's origin, or the injected one (tests). */
export function origin(io: ProviderIo, real: string): string {
  return (io.baseUrl ?? real).replace(/\/$/, '');
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function finite(v: unknown, what: string, provider: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new ProviderError(`${provider} sent a malformed ${what}: ${JSON.stringify(v)}`);
  return n;
}

export function instant(v: unknown, what: string, provider: string, assumeUtc = false): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const s = assumeUtc && !/(Z|[+-]\d\d:?\d\d)$/.test(v) ? `${v}Z` : v;
    const t = Date.parse(s);
    if (Number.isFinite(t)) return t;
  }
  throw new ProviderError(`${provider} sent a malformed ${what}: ${JSON.stringify(v)}`);
}
