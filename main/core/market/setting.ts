import { z } from 'zod';
import { currencyCode } from '#contract/index';
import type { Db, Migration } from '#core/ledger/db';
import { defineSetting, UPSERT_SETTING, wholeSince } from '#core/setting';

const override = z.object({ value: z.number().finite().positive(), at: z.number().int().min(0) }).strict();

export type MarketOverride = z.infer<typeof override>;

const marketSettingsSchema = z
  .object({
    currency: currencyCode,
    btcPrice: override.nullable(),
    difficulty: override.nullable(),
    feesBtc: z.number().finite().min(0).max(100),
    poolFee: z.number().min(0).max(1, 'the pool fee is a fraction: 0.02 for 2 %'),
  })
  .strict();

export type MarketSettings = z.infer<typeof marketSettingsSchema>;

const DEFAULTS: MarketSettings = { currency: 'EUR', btcPrice: null, difficulty: null, feesBtc: 0.05, poolFee: 0.02 };

export const marketSetting = defineSetting<MarketSettings>({
  key: 'market',
  schema: marketSettingsSchema,
  // Version 2 also took over mean fees and the pool fee from the ledger's settings (marketSettingMigration).
  ...wholeSince('0.1.0', () => ({ ...DEFAULTS })),
  doc: 'BTC price currency, hand-entered BTC price and network difficulty (each wins over fetched values until cleared), mean fees per block (BTC) and the pool fee (fraction) for expected revenue.',
});

type Json = Record<string, unknown>;

function readJson(db: Db, key: string): Json | null | 'unreadable' {
  const row = db.prepare('SELECT value FROM setting WHERE key = ?').get(key) as { value: string } | undefined;
  if (!row) return null;
  try {
    const v = JSON.parse(row.value) as unknown;
    return typeof v === 'object' && v !== null ? (v as Json) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Before one market owned every revenue figure, the ledger kept mean fees and the pool fee, and the
 * Mining page its own typed difficulty and price ('mining.market.manual'). This carries them into
 * the market's setting once, so nothing a person entered is lost.
 */
export const marketSettingMigration: Migration = {
  id: 'market/2',
  run(db) {
    const market = readJson(db, 'market');
    if (market === 'unreadable') return; // reported and backed up when the market reads it
    const ledger = readJson(db, 'ledger');
    const manual = readJson(db, 'mining.market.manual');
    const next: Json = { ...(market ?? {}) };
    if (ledger && ledger !== 'unreadable') {
      if (typeof ledger['feesBtc'] === 'number') next['feesBtc'] = ledger['feesBtc'];
      if (typeof ledger['poolFee'] === 'number') next['poolFee'] = ledger['poolFee'];
    }
    if (manual && manual !== 'unreadable') {
      const at = Date.now();
      if (next['btcPrice'] == null && typeof manual['btcPrice'] === 'number') {
        next['btcPrice'] = { value: manual['btcPrice'], at };
        if (typeof manual['currency'] === 'string') next['currency'] = manual['currency'];
      }
      if (next['difficulty'] == null && typeof manual['networkDifficulty'] === 'number')
        next['difficulty'] = { value: manual['networkDifficulty'], at };
    }
    db.prepare("DELETE FROM setting WHERE key IN ('mining.market', 'mining.market.manual')").run();
    if (Object.keys(next).length === 0) return;
    // Stored as version 1, the shape it has: the setting's own migration fills in the rest on read.
    db.prepare(UPSERT_SETTING).run('market', JSON.stringify(next), 1, new Date().toISOString());
  },
};
