import fs from 'node:fs';
import path from 'node:path';

/** The job's log file and the one older file it rotates into. */
export const LOG_FILE = 'log.txt';
export const ROTATED_LOG_FILE = 'log.1.txt';

/**
 * Lines waiting for the disk beyond this are dropped (and counted in a marker line) rather than
 * held in memory: a program that prints faster than the disk takes it must not grow the server.
 */
const PENDING_MAX_BYTES = 4 * 1024 * 1024;

/** "12 345 678": a byte count people can read at a glance. */
export function groupDigits(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/**
 * A job's log on disk, bounded: lines are appended in batches, asynchronously (the event loop
 * keeps serving the API whatever the job prints), and when `log.txt` would pass `maxBytes` it
 * becomes `log.1.txt` (replacing the older one) and a new `log.txt` starts. So the two files
 * together never hold more than twice `maxBytes`.
 */
export class BoundedLog {
  private pending: string[] = [];
  private pendingBytes = 0;
  private dropped = 0;
  private size: number | null = null;
  private writing: Promise<void> | null = null;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: () => number,
  ) {}

  get file(): string {
    return path.join(this.dir, LOG_FILE);
  }

  append(line: string): void {
    const bytes = Buffer.byteLength(line) + 1;
    if (this.pendingBytes + bytes > PENDING_MAX_BYTES) {
      this.dropped++;
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.writing ??= this.drain();
  }

  /** Resolves once every line appended so far is on disk (or was dropped). */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    // Let the lines of the current burst gather: one write per turn of the event loop at most.
    await new Promise((r) => setImmediate(r));
    try {
      while (this.pending.length > 0 || this.dropped > 0) {
        const lines = this.pending;
        this.pending = [];
        this.pendingBytes = 0;
        if (this.dropped > 0) {
          lines.push(
            `… [${groupDigits(this.dropped)} lines not saved: the job printed faster than the disk took them]`,
          );
          this.dropped = 0;
        }
        await this.write(lines);
      }
    } finally {
      this.writing = null;
    }
    // A line may have arrived between the last check and `writing` clearing.
    if (this.pending.length > 0) this.writing ??= this.drain();
  }

  private async write(lines: string[]): Promise<void> {
    const max = Math.max(1024, this.maxBytes());
    if (this.size === null) {
      try {
        this.size = (await fs.promises.stat(this.file)).size;
      } catch {
        this.size = 0;
      }
    }
    let text = lines.map((l) => `${l}\n`).join('');
    let bytes = Buffer.byteLength(text);
    if (bytes > max) {
      // More than one whole file at once: the newest lines are the ones worth keeping.
      let kept = 0;
      let from = lines.length;
      while (from > 0 && kept + Buffer.byteLength(lines[from - 1]!) + 1 + 200 <= max) {
        from--;
        kept += Buffer.byteLength(lines[from]!) + 1;
      }
      text = `… [${groupDigits(from)} lines not saved: the log keeps at most ${groupDigits(max)} bytes per file]\n${lines
        .slice(from)
        .map((l) => `${l}\n`)
        .join('')}`;
      bytes = Buffer.byteLength(text);
    }
    try {
      if (this.size > 0 && this.size + bytes > max) {
        await fs.promises.rename(this.file, path.join(this.dir, ROTATED_LOG_FILE)).catch(() => undefined);
        this.size = 0;
      }
      await fs.promises.appendFile(this.file, text, { mode: 0o600 });
      this.size += bytes;
    } catch {
      // A full disk or a removed folder must not stop the job; the in-memory tail still has the lines.
      this.size = null;
    }
  }
}

/**
 * Cuts a byte stream into lines without ever holding more than `maxLineBytes` of one line: the
 * rest of a longer line is counted, not kept, and the line ends with a marker saying how much was
 * cut. `\n`, `\r\n` and a lone `\r` (progress bars redrawing) all end a line.
 */
export class LineCutter {
  private head: Buffer[] = [];
  private headBytes = 0;
  private cut = 0;
  private lastWasCr = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    // Found with indexOf (native), not byte by byte: a 300 MB line passes through in a blink.
    let lf = chunk.indexOf(0x0a);
    let cr = chunk.indexOf(0x0d);
    while (lf !== -1 || cr !== -1) {
      const i = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const isCr = i === cr;
      // The \n of a \r\n pair: the line already ended at the \r.
      if (!isCr && i === start && this.lastWasCr) {
        this.lastWasCr = false;
      } else {
        this.keep(chunk.subarray(start, i));
        this.end();
        this.lastWasCr = isCr;
      }
      start = i + 1;
      if (isCr) cr = chunk.indexOf(0x0d, start);
      else lf = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      this.keep(chunk.subarray(start));
      this.lastWasCr = false;
    }
  }

  /** The stream ended: a last line without a line end still counts. */
  finish(): void {
    if (this.headBytes > 0 || this.cut > 0) this.end();
  }

  private keep(part: Buffer): void {
    const room = this.maxLineBytes - this.headBytes;
    if (part.length <= room) {
      if (part.length > 0) {
        // Copied: the stream reuses its buffers.
        this.head.push(Buffer.from(part));
        this.headBytes += part.length;
      }
      return;
    }
    if (room > 0) {
      this.head.push(Buffer.from(part.subarray(0, room)));
      this.headBytes += room;
    }
    this.cut += part.length - Math.max(0, room);
  }

  private end(): void {
    let line = Buffer.concat(this.head, this.headBytes).toString('utf8');
    if (this.cut > 0) line += ` … [line cut: ${groupDigits(this.cut)} bytes not shown]`;
    this.head = [];
    this.headBytes = 0;
    this.cut = 0;
    if (line.trim() !== '') this.onLine(line);
  }
}
