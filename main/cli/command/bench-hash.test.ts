import { describe, expect, it } from 'vitest';
import { loadNative } from '#workers/hash/kernel';
import { runCli } from '../../../test/headless/harness.ts';

describe('hearth bench hash', () => {
  it('reports per-thread hash rate, the kernel, the OpenSSL reference and event-loop delay as JSON', async () => {
    const r = await runCli(['bench', 'hash', '--threads', '1', '--seconds', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      routes: {
        route: string;
        perCoreHps: number;
        perCpuSecondHps: number;
        ratio: number | null;
        wallRatio: number | null;
      }[];
      reference: { noncesPerSec?: number; error?: string };
      nThreads: { perThread: number[]; eventLoopP99Ms: number };
    };
    // Both routes where the native kernel was built, else the WebAssembly one alone.
    expect(out.routes.map((r) => r.route)).toEqual(loadNative().ok ? ['native', 'wasm-simd'] : ['wasm-simd']);
    for (const r of out.routes) {
      expect(r.perCoreHps).toBeGreaterThan(0);
      expect(r.perCpuSecondHps).toBeGreaterThan(0);
    }
    expect(out.nThreads.perThread).toHaveLength(1);
    expect(out.nThreads.eventLoopP99Ms).toBeGreaterThanOrEqual(0);
    // openssl is in the CI image; where it is not, the reference says why instead of a number.
    if (out.reference.error) expect(out.reference.error).toMatch(/openssl/);
    else {
      // Like for like: openssl speed divides by CPU time, so the ratio does too; the wall-clock one is shown beside it.
      expect(out.routes[0]!.ratio).toBeCloseTo(out.routes[0]!.perCpuSecondHps / out.reference.noncesPerSec!, 6);
      expect(out.routes[0]!.wallRatio).toBeCloseTo(out.routes[0]!.perCoreHps / out.reference.noncesPerSec!, 6);
    }
  });

  it('refuses a bad thread count with a usage error', async () => {
    const r = await runCli(['bench', 'hash', '--threads', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--threads must be a whole number of threads, like --threads 2; "many" is not a number/);
  });
});
