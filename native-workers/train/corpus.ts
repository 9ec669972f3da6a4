import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

/** Most distinct characters the model predicts; rarer ones share id 0 ("other"). */
export const MAX_VOCAB = 96;

export type Corpus = {
  /** Character ids, one per character of the text. */
  tokens: Uint8Array;
  /** Character of each id; id 0 is "other" (shown as U+FFFD). */
  vocab: string[];
  /** sha256 of the text: a checkpoint refuses to resume on different data. */
  hash: string;
  source: string;
};

/**
 * The corpus that ships with Hearth's dependencies: the mqtt package's README (English prose and
 * code, ~41 kB). Located through Node's resolver, so it works wherever node_modules is.
 */
export function builtinCorpusFile(): string {
  const require = createRequire(import.meta.url);
  // The package's main entry resolves whatever its exports map says; its README sits at the root.
  let dir = path.dirname(require.resolve('mqtt'));
  for (;;) {
    const candidate = path.join(dir, 'README.md');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('The built-in corpus (mqtt/README.md) is not installed: run `npm install`, or pick a text file');
    dir = parent;
  }
}

/** Reads and encodes a text file; errors say which file and what to do. */
export function loadCorpus(file: string | null, minChars: number): Corpus {
  const source = file ?? builtinCorpusFile();
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw new Error(
      `Cannot read the training data ${source} (${(err as NodeJS.ErrnoException).code ?? String(err)}): pick a readable text file`,
      { cause: err },
    );
  }
  if (text.includes('\u0000'))
    throw new Error(`The training data ${source} is not a text file (it contains NUL bytes): pick a plain-text file`);
  const chars = Array.from(text);
  if (chars.length < minChars) {
    throw new Error(
      `The training data ${source} has ${chars.length} characters; the model needs at least ${minChars}: pick a longer text`,
    );
  }
  return { ...encode(chars), hash: createHash('sha256').update(text).digest('hex'), source };
}

/** Vocabulary by frequency (ties by code point, so it is the same for the same text). */
export function encode(chars: string[]): { tokens: Uint8Array; vocab: string[] } {
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const vocab = ['\ufffd', ...ranked.slice(0, MAX_VOCAB - 1).map(([c]) => c)];
  const ids = new Map(vocab.map((c, i) => [c, i] as const));
  const tokens = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) tokens[i] = ids.get(chars[i]!) ?? 0;
  return { tokens, vocab };
}
