import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../test/support/test-clock.ts';
import { UploadError, Uploads } from './uploads.ts';

const MIB = 1024 * 1024;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof UploadError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('expected an UploadError');
}

describe('chunked uploads', () => {
  it('keeps the pieces in order, takes a repeated last chunk once, and refuses a gap', () => {
    const u = new Uploads(new TestClock(0));
    const { upload } = u.begin(20);
    expect(u.chunk(upload, 0, 'a,b\n')).toEqual({ received: 4, bytes: 4 });
    expect(u.chunk(upload, 4, '1,é\n')).toEqual({ received: 8, bytes: 9 });
    // The answer was lost and the client sent the same chunk again.
    expect(u.chunk(upload, 4, '1,é\n')).toEqual({ received: 8, bytes: 9 });
    expect(codeOf(() => u.chunk(upload, 12, 'x'))).toBe(
      'conflict: chunk at character 12, but 8 characters were received',
    );
    expect(u.take(upload)).toEqual({ pieces: ['a,b\n', '1,é\n'], chars: 8 });
    expect(codeOf(() => u.take(upload))).toMatch(/^not-found: no open upload/);
  });

  it('drops an upload that carries more than it declared', () => {
    const u = new Uploads(new TestClock(0));
    const { upload } = u.begin(3);
    expect(codeOf(() => u.chunk(upload, 0, 'abcd'))).toMatch(/^bad-request: the upload carries more than the 3 bytes/);
    expect(u.usage()).toEqual({ open: 0, bytes: 0 });
  });

  it('bounds the uploads open at once by count and by declared size', () => {
    const u = new Uploads(new TestClock(0), { maxOpen: 2, maxOpenBytes: 100 * MIB });
    u.begin(60 * MIB);
    expect(codeOf(() => u.begin(50 * MIB))).toBe(
      'conflict: the open uploads hold 60 MiB and this file is 50 MiB; together they may hold at most 100 MiB',
    );
    const second = u.begin(40 * MIB);
    expect(codeOf(() => u.begin(1))).toBe('conflict: 2 uploads are open, the most at once is 2');
    expect(u.abort(second.upload)).toBe(true);
    expect(u.begin(1).upload).toMatch(/^up-[0-9a-f]{24}$/);
  });

  it('expires an upload left without a chunk for the idle time, and not one still sending', async () => {
    const clock = new TestClock(0);
    const u = new Uploads(clock, { idleMs: 600_000 });
    const left = u.begin(10);
    const busy = u.begin(10);
    u.chunk(left.upload, 0, 'a');
    await clock.advanceTo(500_000);
    u.chunk(busy.upload, 0, 'b');
    await clock.advanceTo(700_000);
    expect(u.sweep()).toBe(1);
    expect(codeOf(() => u.chunk(left.upload, 1, 'c'))).toMatch(/^not-found: no open upload up-/);
    expect(u.chunk(busy.upload, 1, 'c').received).toBe(2);
  });
});
