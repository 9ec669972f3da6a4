import { readCheckpoint } from './checkpoint.ts';
import type { Corpus } from './corpus.ts';
import { Kernel } from './gemm.ts';
import { mulberry32, Trainer } from './model.ts';

/**
 * Text written by a trained character model: starts from the corpus's first characters and
 * draws each next character from the model's distribution sharpened by `temperature` (below 1:
 * more likely characters; 1: as learned). Seeded, so the same checkpoint writes the same text.
 */
export function sampleText(
  checkpointFile: string,
  corpus: Corpus,
  length: number,
  options: { seed?: number; temperature?: number } = {},
): string {
  const ck = readCheckpoint(checkpointFile);
  if (ck.header.corpusHash !== corpus.hash)
    throw new Error(`${checkpointFile} was trained on other data than ${corpus.source}`);
  const shape = ck.header.shape;
  const trainer = new Trainer(new Kernel(), shape, 4);
  trainer.k.view(trainer.params).set(ck.params);
  const rnd = mulberry32(options.seed ?? 1);
  const inv = 1 / Math.max(0.05, options.temperature ?? 0.8);
  const ids = Array.from(corpus.tokens.subarray(0, shape.context));
  const probs = new Float64Array(shape.vocab);
  let out = '';
  for (let n = 0; n < length; n++) {
    trainer.predict(ids.slice(-shape.context), probs);
    let sum = 0;
    for (let c = 0; c < shape.vocab; c++) sum += probs[c] = probs[c]! ** inv;
    let u = rnd() * sum;
    let next = shape.vocab - 1;
    for (let c = 0; c < shape.vocab; c++) {
      u -= probs[c]!;
      if (u <= 0) {
        next = c;
        break;
      }
    }
    ids.push(next);
    out += corpus.vocab[next];
  }
  return out;
}
