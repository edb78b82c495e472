import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import type { EventBatch } from '../../src/decode/types.js';
import { resolveFormat } from '../../src/formats/format.js';
import { sharedOutputNamer } from '../../src/lake/names.js';
import type { ConvertOptions } from '../../src/lake/options.js';
import { OutputRouter, type RouterLimits } from '../../src/lake/output-router.js';
import { LocalStorage } from '../../src/storage/local.js';
import { tempDir } from '../support/temp-dir.js';
import { lineOf } from './lines.js';

const v5 = resolveFormat('v5');
const DAY1 = 1580515200; // 2020-02-01
const DAY = 86_400;
const OPTIONS: ConvertOptions = { to: ['ocsf'], layout: 'ocsf', flowRegion: 'us-east-1' };

function batch(starts: readonly number[]): EventBatch {
  return {
    format: v5,
    formatKey: '',
    lines: starts.map((s) => lineOf(v5, { start: String(s), end: String(s + 60) })),
    timestamps: starts.map(() => Number.NaN),
  };
}

async function route(batches: readonly EventBatch[], limits: RouterLimits = {}): Promise<Map<string, number[][]>> {
  const dir = tempDir('flowlake-ocsf-router-');
  const dest = new LocalStorage(dir);
  const router = new OutputRouter(dest, OPTIONS, sharedOutputNamer('run', OPTIONS), {}, limits);
  for (const b of batches) await router.write(b);
  await router.commit();
  // Partition folder → the start times (s after DAY1) of each of its files.
  const byFolder = new Map<string, number[][]>();
  const walk = async (d: string): Promise<void> => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (e.name.endsWith('.parquet')) {
        const bytes = readFileSync(path);
        const rows = await parquetReadObjects({
          file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer,
          compressors: PAGE_DECOMPRESSORS,
        });
        const folder = relative(dir, d);
        byFolder.set(folder, [...(byFolder.get(folder) ?? []), rows.map((r) => Number(r.time) / 1000 - DAY1)]);
      }
    }
  };
  await walk(dir);
  // Files in the order of their first row (names sort `run-1` before `run`).
  for (const list of byFolder.values()) list.sort((a, b) => a[0] - b[0]);
  return byFolder;
}

describe('OCSF partition files', () => {
  it("finish a day's files once rows two days newer arrive; a later row of that day opens another file", async () => {
    const files = await route([batch([DAY1 + 50, DAY1 + 10]), batch([DAY1 + 2 * DAY + 5]), batch([DAY1 + 30])]);
    const folder = (day: string) => `region=eu-west-1/accountId=123456789012/eventDay=${day}`;
    assert.deepEqual(files.get(folder('20200201')), [[10, 50], [30]]);
    assert.deepEqual(files.get(folder('20200203')), [[2 * DAY + 5]]);
  });

  it('keep the next day open: rows of the day before still join its file', async () => {
    const files = await route([batch([DAY1 + 50]), batch([DAY1 + DAY + 5]), batch([DAY1 + 30])]);
    assert.deepEqual(files.get('region=eu-west-1/accountId=123456789012/eventDay=20200201'), [[30, 50]]);
  });

  it('hold a bounded number of bytes: past it the fullest file is finished and its partition goes on in another', async () => {
    const files = await route([batch([DAY1 + 50, DAY1 + 10]), batch([DAY1 + 30])], { heldBytes: 1 });
    assert.deepEqual(files.get('region=eu-west-1/accountId=123456789012/eventDay=20200201'), [[10, 50], [30]]);
  });
});
