import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CsvParser } from '#core/tariff/adapter/csv';
import { tariffMigrations } from '#core/tariff/store';
import { inTransaction, openLedger } from '#core/ledger/db';
import { BE_PRICES, writeQuarterHourPrices } from '../../../test/support/quarter-hour-prices.ts';
import { localClient } from '../client.ts';
import { JSON_DOC, numberOption, UsageError, type Command, flagOptions, textOptions } from '../command.ts';
import { uploadFile } from './prices.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * Times `hearth prices import` of a long quarter-hour price file (ten years of the real Belgian
 * 2022/2023 prices by default: 350,592 rows, about 12 MB) as the command runs it without a
 * server: the chunked upload into a core on a fresh data folder, the streaming parse and the store.
 * Beside it, in the same run: parsing the file alone, and inserting the same rows with one plain
 * prepared statement in one transaction (the least any import must spend on the ledger).
 */
export const benchImportCommand: Command = {
  name: 'bench import',
  summary: 'Time `prices import` of a 10-year quarter-hour price file next to parsing alone and a plain insert',
  usage: '[--years N] [--runs N] [--json]',
  options: { ...flagOptions('json'), ...textOptions('years', 'runs') },
  docs: {
    years: { value: 'N', text: 'years of quarter-hour prices in the file', default: '10', unit: 'years' },
    runs: { value: 'N', text: 'how many times each is measured (the median is shown)', default: '3' },
    json: JSON_DOC,
  },
  examples: ['hearth bench import', 'hearth bench import --years 4 --runs 1'],
  async run({ values }) {
    const years = numberOption(values['years'], 'years', { min: 1, max: 30 }) ?? 10;
    const runs = numberOption(values['runs'], 'runs', { min: 1, max: 20 }) ?? 3;
    const missing = BE_PRICES.find((f) => !fs.existsSync(f));
    if (missing)
      throw new UsageError(`${missing} does not exist: run the benchmark from the repository (npm run bench)`);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-import-'));
    try {
      const file = writeQuarterHourPrices(path.join(tmp, 'prices.csv'), years);
      const parse: number[] = [];
      const insert: number[] = [];
      const full: number[] = [];
      for (let run = 0; run < runs; run++) {
        let t0 = performance.now();
        const parser = new CsvParser({});
        for await (const block of fs.createReadStream(file.file, { encoding: 'utf8', highWaterMark: 192 * 1024 }))
          parser.push(block as string);
        const { slots } = parser.finish();
        parse.push(performance.now() - t0);

        const db = openLedger(path.join(tmp, `plain-${run}`), tariffMigrations);
        const ins = db.prepare(
          'INSERT INTO price_slot (source, start, end, spot, currency, fetched_at) VALUES (?, ?, ?, ?, ?, ?)',
        );
        t0 = performance.now();
        inTransaction(db, () => {
          for (const s of slots) ins.run('csv', s.start, s.end, s.spot, s.currency, 0);
        });
        insert.push(performance.now() - t0);
        db.close();

        const client = await localClient(path.join(tmp, `core-${run}`));
        try {
          t0 = performance.now();
          const upload = await uploadFile(client.send, file.file);
          const r = await client.send('tariff-import-csv', { upload, useAsTariff: true });
          full.push(performance.now() - t0);
          if (r.slots !== file.rows) throw new Error(`imported ${r.slots} slots, the file has ${file.rows}`);
        } finally {
          await client.close();
        }
      }
      const result = {
        rows: file.rows,
        megabytes: file.bytes / 1e6,
        runs,
        importMs: median(full),
        parseOnlyMs: median(parse),
        plainInsertMs: median(insert),
      };
      if (values['json']) {
        console.log(JSON.stringify(result, null, 2));
        return 0;
      }
      const ms = (n: number) => `${n.toFixed(0)} ms`;
      console.log(
        `${years} years of quarter hours: ${file.rows.toLocaleString('en')} rows, ${result.megabytes.toFixed(1)} MB; median of ${runs} runs`,
      );
      console.log(`  prices import (upload, parse, store):  ${ms(result.importMs)}`);
      console.log(`  reference: parse only                  ${ms(result.parseOnlyMs)}`);
      console.log(`  reference: plain prepared insert      ${ms(result.plainInsertMs)}`);
      console.log(
        `  import against parse + insert:        ${(result.importMs / (result.parseOnlyMs + result.plainInsertMs)).toFixed(2)} ×`,
      );
      return 0;
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};
