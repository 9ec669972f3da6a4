import fs from 'node:fs';
import path from 'node:path';

const MAGIC = 'HEARTHCK';

/** What a checkpoint says besides the three float buffers. */
export type CheckpointHeader = {
  version: 1;
  /** Optimizer steps completed. */
  step: number;
  /** Floats in each of params, m and v. */
  size: number;
  /** sha256 of the training text and the model shape: resuming on other data is refused. */
  corpusHash: string;
  shape: { vocab: number; context: number; embed: number; hidden: number };
  /** The unreported part of the current loss interval, so resumed reports match uninterrupted ones. */
  lossSum: number;
  lossSteps: number;
};

export type CheckpointData = { header: CheckpointHeader; params: Float32Array; m: Float32Array; v: Float32Array };

export const checkpointName = (step: number): string => `ckpt-${String(step).padStart(9, '0')}.bin`;
const NAME = /^ckpt-(\d{9})\.bin$/;

/**
 * Writes a checkpoint atomically: a temp file in the same folder, fsync, rename over the final
 * name, fsync the folder. A crash at any point leaves either the old set or the new file whole.
 * Then deletes all but the newest `keep`.
 */
export function writeCheckpoint(dir: string, data: CheckpointData, keep: number): string {
  // 0700/0600 as everything in the data folder (main/core/file-mode.ts).
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const json = Buffer.from(JSON.stringify(data.header));
  // Header padded to 4 bytes so the floats can be viewed in place when read back.
  const headLen = Math.ceil((MAGIC.length + 4 + json.length) / 4) * 4;
  const head = Buffer.alloc(headLen, 0x20);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, MAGIC.length);
  json.copy(head, MAGIC.length + 4);
  const file = path.join(dir, checkpointName(data.header.step));
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, head);
    for (const a of [data.params, data.m, data.v])
      fs.writeSync(fd, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  syncDir(dir);
  pruneCheckpoints(dir, keep);
  return file;
}

function syncDir(dir: string): void {
  // Directories cannot be opened for fsync on Windows; the rename is still atomic there.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Checkpoints in `dir`, oldest first. Leftover temp files of a crashed write are ignored, and so is
 * a checkpoint the training thread prunes between the listing and its stat (the UI lists while
 * training runs).
 */
export function listCheckpoints(dir: string): { step: number; file: string; bytes: number; at: number }[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .flatMap((name) => {
      const m = NAME.exec(name);
      const file = path.join(dir, name);
      const st = m ? fs.statSync(file, { throwIfNoEntry: false }) : undefined;
      return m && st ? [{ step: Number(m[1]), file, bytes: st.size, at: st.mtimeMs }] : [];
    })
    .sort((a, b) => a.step - b.step);
}

export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(c.file, { force: true });
}

export function readCheckpoint(file: string): CheckpointData {
  const buf = fs.readFileSync(file);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new Error(`${file} is not a Hearth checkpoint: delete it to resume from the one before`);
  }
  const jsonLen = buf.readUInt32LE(MAGIC.length);
  if (buf.length < MAGIC.length + 4 + jsonLen) {
    throw new Error(
      `${file} is truncated (${buf.length} bytes, shorter than its own header): delete it to resume from the one before`,
    );
  }
  let header: CheckpointHeader;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + jsonLen)) as CheckpointHeader;
  } catch {
    throw new Error(`${file} is damaged (its header does not parse): delete it to resume from the one before`);
  }
  const headLen = Math.ceil((MAGIC.length + 4 + jsonLen) / 4) * 4;
  const n = header.size;
  if (buf.length !== headLen + 3 * n * 4) {
    throw new Error(
      `${file} is truncated (${buf.length} bytes, expected ${headLen + 3 * n * 4}): delete it to resume from the one before`,
    );
  }
  // Copy out: Buffer's pool offset need not be 4-aligned.
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset + headLen, buf.byteOffset + headLen + 3 * n * 4));
  return { header, params: floats.subarray(0, n), m: floats.subarray(n, 2 * n), v: floats.subarray(2 * n, 3 * n) };
}
