import crypto from 'node:crypto';
import {
  UPLOAD_CHUNK_CHARS,
  UPLOAD_IDLE_MS,
  UPLOAD_MAX_OPEN,
  UPLOAD_MAX_OPEN_BYTES,
  type UploadBegun,
} from '#contract/upload';
import type { Clock } from '#core/clock';

/** Why an upload call was refused; the handlers turn it into a HandlerError. */
export class UploadError extends Error {
  constructor(
    readonly code: 'not-found' | 'conflict' | 'bad-request',
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

type Open = { pieces: string[]; chars: number; bytes: number; declared: number; touched: number; last: string };

export type UploadLimits = { maxOpen: number; maxOpenBytes: number; idleMs: number };

/**
 * Files sent in pieces (a price file for ten years is 12 MB: one body that size would be parsed in
 * one go on the event loop, with no progress to show). The text is kept as the pieces it came in, never joined, and handed once to the
 * import that names it. What is open is bounded by count and declared size, and an upload nobody
 * finishes is dropped after `idleMs` without a chunk.
 */
export class Uploads {
  private readonly open = new Map<string, Open>();
  private readonly limits: UploadLimits;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly clock: Clock,
    limits: Partial<UploadLimits> = {},
  ) {
    this.limits = {
      maxOpen: UPLOAD_MAX_OPEN,
      maxOpenBytes: UPLOAD_MAX_OPEN_BYTES,
      idleMs: UPLOAD_IDLE_MS,
      ...limits,
    };
  }

  /** Drops idle uploads once a minute, so an abandoned one frees its memory without a new upload arriving. */
  start(): void {
    this.timer = setInterval(() => this.sweep(), 60_000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.open.clear();
  }

  /** Drops the uploads idle for longer than the limit; how many went. */
  sweep(): number {
    const now = this.clock.now();
    let n = 0;
    for (const [id, u] of this.open) {
      if (now - u.touched > this.limits.idleMs) {
        this.open.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Uploads open now and the bytes they declared. */
  usage(): { open: number; bytes: number } {
    let bytes = 0;
    for (const u of this.open.values()) bytes += u.declared;
    return { open: this.open.size, bytes };
  }

  begin(bytes: number): UploadBegun {
    this.sweep();
    const used = this.usage();
    const mib = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
    if (used.open >= this.limits.maxOpen)
      throw new UploadError(
        'conflict',
        `${used.open} uploads are open, the most at once is ${this.limits.maxOpen}`,
        `Wait for the other imports to finish, or try again in ${Math.round(this.limits.idleMs / 60_000)} min when abandoned ones expire.`,
      );
    if (used.bytes + bytes > this.limits.maxOpenBytes)
      throw new UploadError(
        'conflict',
        `the open uploads hold ${mib(used.bytes)} and this file is ${mib(bytes)}; together they may hold at most ${mib(this.limits.maxOpenBytes)}`,
        'Wait for the other imports to finish, then try again.',
      );
    const id = `up-${crypto.randomBytes(12).toString('hex')}`;
    this.open.set(id, { pieces: [], chars: 0, bytes: 0, declared: bytes, touched: this.clock.now(), last: '' });
    return { upload: id, chunkChars: UPLOAD_CHUNK_CHARS, idleMs: this.limits.idleMs };
  }

  private get(id: string): Open {
    const u = this.open.get(id);
    if (!u)
      throw new UploadError(
        'not-found',
        `no open upload ${id}`,
        'It finished, was cancelled or expired after a pause; start the import again.',
      );
    return u;
  }

  chunk(id: string, offset: number, data: string): { received: number; bytes: number } {
    this.sweep();
    const u = this.get(id);
    u.touched = this.clock.now();
    // The answer to the last chunk was lost and the client sent it again: nothing to add.
    if (offset + data.length === u.chars && data === u.last) return { received: u.chars, bytes: u.bytes };
    if (offset !== u.chars)
      throw new UploadError(
        'conflict',
        `chunk at character ${offset}, but ${u.chars} characters were received`,
        'Send the chunks in order, each once; start the import again.',
      );
    const bytes = Buffer.byteLength(data, 'utf8');
    if (u.bytes + bytes > u.declared) {
      this.open.delete(id);
      throw new UploadError(
        'bad-request',
        `the upload carries more than the ${u.declared} bytes its start declared; it was dropped`,
        'Declare the file size in bytes (UTF-8) in upload-begin.',
      );
    }
    u.pieces.push(data);
    u.chars += data.length;
    u.bytes += bytes;
    u.last = data;
    return { received: u.chars, bytes: u.bytes };
  }

  /** Hands the received text (in its pieces) to the one consumer and forgets the upload. */
  take(id: string): { pieces: string[]; chars: number } {
    const u = this.get(id);
    this.open.delete(id);
    return { pieces: u.pieces, chars: u.chars };
  }

  abort(id: string): boolean {
    return this.open.delete(id);
  }
}
