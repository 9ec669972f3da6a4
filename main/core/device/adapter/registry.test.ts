import { describe, expect, it } from 'vitest';
import { deviceAdapters } from './registry.ts';

describe('the device adapter registry', () => {
  it('registers each adapter under the kind it says it is, with its protocol and port', () => {
    for (const [kind, adapter] of Object.entries(deviceAdapters)) expect(adapter.kind).toBe(kind);
    // The ports the real firmware listens on: AxeOS and Braiins OS serve HTTP on 80, cgminer's API is TCP 4028.
    expect(Object.values(deviceAdapters).map((a) => [a.kind, a.label, a.defaultPort])).toEqual([
      ['axeos', 'AxeOS', 80],
      ['cgminer', 'cgminer API', 4028],
      ['braiins', 'Braiins OS', 80],
    ]);
  });
});
