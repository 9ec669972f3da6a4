import os from 'node:os';
import { z } from 'zod';
import { defineSetting, wholeSince } from '#core/setting';

const storedPool = z
  .object({
    url: z.string().min(1),
    user: z.string(),
    /** Sealed by the secret store; null: none (the pool gets "x"). */
    password: z.string().nullable(),
    extranonceSubscribe: z.boolean(),
  })
  .strict();

const miningSettingsSchema = z
  .object({
    pools: z.array(storedPool).max(10),
    threads: z.number().int().min(0).max(256),
    powerPct: z.number().int().min(1).max(100),
  })
  .strict();

export type StoredMining = z.infer<typeof miningSettingsSchema>;

function defaults(): StoredMining {
  return { pools: [], threads: Math.max(1, os.availableParallelism() - 1), powerPct: 100 };
}

export const miningSetting = defineSetting<StoredMining>({
  key: 'mining',
  schema: miningSettingsSchema,
  ...wholeSince('0.1.0', defaults),
  defaultDoc: 'no pools; logical cores − 1 threads (at least 1); 100 %',
  doc: 'Mining pools (tried in order; passwords sealed by the secret store), hashing threads and the duty cycle in percent.',
});
