import { describe, expect, it } from 'vitest';
import { PUBLIC_ENDPOINTS, startupEndpoints } from './source.ts';

describe('where market figures come from', () => {
  it('asks the public APIs, or the one origin HEARTH_MARKET_URL names for both', () => {
    expect(startupEndpoints({})).toEqual(PUBLIC_ENDPOINTS);
    expect(startupEndpoints({ HEARTH_MARKET_URL: ' ' })).toEqual(PUBLIC_ENDPOINTS);
    expect(startupEndpoints({ HEARTH_MARKET_URL: 'http://127.0.0.1:9/' })).toEqual({
      mempool: 'http://127.0.0.1:9',
      coingecko: 'http://127.0.0.1:9',
    });
  });
});
