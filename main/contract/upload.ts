import { z } from 'zod';
import type { ArgSchemas, Handler } from './rpc.ts';

/**
 * Limits of chunked uploads. A file goes in pieces of `UPLOAD_CHUNK_CHARS` or fewer characters, so
 * the sender can show progress and the server never parses one JSON body the size of the file on
 * its event loop (other calls wait meanwhile); a chunk stays small even when JSON doubles every
 * character (a CSV's line breaks become "\n").
 */
export const UPLOAD_CHUNK_CHARS = 256 * 1024;
/** The largest file one upload may carry, in bytes (as UTF-8): the size `tariff-import-csv` took inline. */
export const UPLOAD_MAX_BYTES = 64 * 1024 * 1024;
/** Uploads open at once, and the bytes they may declare together; more are refused until one ends. */
export const UPLOAD_MAX_OPEN = 4;
export const UPLOAD_MAX_OPEN_BYTES = 128 * 1024 * 1024;
/** An upload that receives no chunk for this long is dropped with what it held. */
export const UPLOAD_IDLE_MS = 10 * 60_000;

export type UploadBegun = {
  /** Names the upload in `upload-chunk` and in the import that consumes it. */
  upload: string;
  /** The most characters one chunk may carry. */
  chunkChars: number;
  /** Dropped when no chunk arrives for this long (ms). */
  idleMs: number;
};

export type UploadHandlers = {
  /**
   * Opens an upload of a file of `bytes` bytes (UTF-8). Refused (conflict) while
   * `UPLOAD_MAX_OPEN` uploads or `UPLOAD_MAX_OPEN_BYTES` bytes are open.
   */
  'upload-begin': Handler<{ bytes: number; name?: string }, UploadBegun>;
  /**
   * Adds the text at character `offset` (the count received so far). Sending the last chunk again
   * (a retry after a lost answer) is accepted once and adds nothing; another offset is refused.
   */
  'upload-chunk': Handler<{ upload: string; offset: number; data: string }, { received: number; bytes: number }>;
  /** Drops an upload and what it held (a cancelled import). */
  'upload-abort': Handler<{ upload: string }, { dropped: boolean }>;
};

export const uploadId = z.string().regex(/^up-[0-9a-f]{16,64}$/, 'not an upload id from upload-begin');

export const uploadArgs: ArgSchemas<UploadHandlers> = {
  'upload-begin': z
    .object({
      bytes: z
        .number()
        .int()
        .min(1, 'the file is empty')
        .max(UPLOAD_MAX_BYTES, `the file is larger than ${UPLOAD_MAX_BYTES / 1024 / 1024} MiB`),
      name: z.string().max(255).optional(),
    })
    .strict(),
  'upload-chunk': z
    .object({
      upload: uploadId,
      offset: z.number().int().min(0),
      data: z
        .string()
        .min(1, 'the chunk is empty')
        .max(UPLOAD_CHUNK_CHARS, `a chunk carries at most ${UPLOAD_CHUNK_CHARS} characters`),
    })
    .strict(),
  'upload-abort': z.object({ upload: uploadId }).strict(),
};
