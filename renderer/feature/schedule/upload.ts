import type { CsvImportResult, PriceImportProgress } from '#contract/index';
import { UPLOAD_CHUNK_CHARS } from '#contract/upload';
import { api } from '../../api/client.ts';

/** Where a price import is, for the progress bar: the upload, then the core's parse and store. */
export type ImportProgress = { phase: 'upload' | PriceImportProgress['phase']; rows: number; percent: number };

/**
 * Characters per chunk: a quarter of what the contract allows, so the progress bar moves about
 * every 64 k characters and each call stays small even when JSON escapes every character.
 */
const CHUNK = Math.min(UPLOAD_CHUNK_CHARS, 64 * 1024);

/**
 * Imports price CSV text through the chunked upload (never one large body, whatever the file's
 * size), reporting the upload's progress and then the core's `price-import-progress` for it.
 */
export async function importPriceText(
  text: string,
  args: { unit?: 'per-kwh' | 'per-mwh' | 'cents-per-kwh'; currency?: string },
  onProgress: (p: ImportProgress) => void,
): Promise<CsvImportResult> {
  const bytes = new Blob([text]).size;
  if (bytes === 0) throw new Error('The file is empty: choose a CSV with a start and a price column');
  const { upload, chunkChars } = await api.send('upload-begin', { bytes });
  const off = api.on('price-import-progress', (p) => {
    if (p.upload === upload) onProgress({ phase: p.phase, rows: p.rows, percent: p.percent });
  });
  const size = Math.min(CHUNK, chunkChars);
  let rows = 0;
  try {
    let offset = 0;
    while (offset < text.length) {
      let end = Math.min(text.length, offset + size);
      // Never cut between the two halves of a character outside the BMP.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      const data = text.slice(offset, end);
      for (let i = data.indexOf('\n'); i >= 0; i = data.indexOf('\n', i + 1)) rows++;
      offset = (await api.send('upload-chunk', { upload, offset, data })).received;
      onProgress({ phase: 'upload', rows, percent: Math.floor((offset / text.length) * 100) });
    }
    return await api.send('tariff-import-csv', { upload, ...args });
  } catch (err) {
    await api.send('upload-abort', { upload }).catch(() => undefined);
    throw err;
  } finally {
    off();
  }
}

/** "10 years" or "31 days": how long a span of prices covers. */
export function spanText(from: number, to: number): string {
  const days = (to - from) / 86_400_000;
  if (days >= 365) return `${Number((days / 365.2425).toFixed(1))} years`;
  return `${Number(days.toFixed(1))} days`;
}

const PHASE: Record<ImportProgress['phase'], string> = {
  upload: 'sending',
  parse: 'reading rows',
  store: 'storing',
  done: 'stored',
};

/** "reading rows: 120,000 rows, 34 %" */
export function progressText(p: ImportProgress): string {
  return `${PHASE[p.phase]}: ${p.rows.toLocaleString('en')} rows, ${p.percent} %`;
}
