/**
 * The lake's own page reader (src/lake/column-chunk.ts) against hyparquet, a general reader, on files flowlake
 * writes (every codec, dictionary and plain strings, nulls, several pages and row groups) and on a file DuckDB
 * writes; pages of another shape are refused as unsupported, broken ones as errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { type FileMetaData, parquetMetadata, parquetReadObjects } from 'hyparquet';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import { zstdAvailable } from '../../src/encode/parquet/codecs.js';
import type { CompressionName } from '../../src/encode/parquet/pages.js';
import { ParquetEncoder } from '../../src/encode/parquet.js';
import { DEFAULT_FORMAT } from '../../src/formats/format.js';
import { decodeColumnChunk, UnsupportedPageError } from '../../src/lake/column-chunk.js';
import type { ColumnValues } from '../../src/lake/column-values.js';
import { CorruptFileError, LakeFileReader } from '../../src/lake/parquet-file.js';
import { LocalStorage } from '../../src/storage/local.js';
import { tempDir } from '../support/temp-dir.js';

/** v2 lines: repeated and distinct strings, `-` in every kind of column, int64 values past 2^32. */
function lines(rows: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    const account = i % 7 === 0 ? '-' : `1234567890${i % 3}`;
    const eni = `eni-${(i % 40).toString(16).padStart(8, '0')}`;
    const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`; // distinct: plain pages
    const bytes = i % 11 === 0 ? '-' : String(2 ** 33 + i * 977);
    const port = i % 13 === 0 ? '-' : String(i % 65_536);
    const start = 1_580_000_000 + i;
    const action = i % 5 === 0 ? 'REJECT' : 'ACCEPT';
    out.push(
      `2 ${account} ${eni} ${src} 10.0.0.1 ${port} 443 6 ${i % 100} ${bytes} ${start} ${start + 60} ${action} OK`,
    );
  }
  return out;
}

async function flowlakeFile(rows: number, compression: CompressionName, rowGroupRows: number): Promise<Buffer> {
  const out = new PassThrough();
  const bytes = buffer(out);
  const encoder = new ParquetEncoder({ format: DEFAULT_FORMAT, out, compression, rowGroupRows });
  const all = lines(rows);
  // Batches as the decoder hands them over, the last row with no event time (the row's `start` stands in).
  for (let i = 0; i < rows; i += 5000) {
    const batch = all.slice(i, i + 5000);
    const timestamps = batch.map((_, k) => (i + k === rows - 1 ? Number.NaN : 1_580_000_000_000 + (i + k) * 1000));
    await encoder.write({ format: DEFAULT_FORMAT, formatKey: '', lines: batch, timestamps });
  }
  await encoder.finish();
  return bytes;
}

function arrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

function cell(column: ColumnValues, row: number): unknown {
  if (!column.defined[row]) return null;
  return column.kind === 'number' ? column.values[row] : column.dictionary[column.indices[row]];
}

/** hyparquet's rows of a file, numbers as numbers. */
async function generalRows(bytes: Buffer, metadata: FileMetaData): Promise<unknown[][]> {
  const file = arrayBuffer(bytes);
  const rows = (await parquetReadObjects({
    file,
    metadata,
    compressors: PAGE_DECOMPRESSORS,
    parsers: { timestampFromMilliseconds: Number },
  })) as Record<string, unknown>[];
  const names = metadata.schema.slice(1).map((leaf) => leaf.name);
  return rows.map((row) => names.map((name) => (typeof row[name] === 'bigint' ? Number(row[name]) : row[name])));
}

async function ownRows(dir: string, name: string, size: number): Promise<{ rows: unknown[][]; groups: number }> {
  const reader = await LakeFileReader.open(new LocalStorage(dir), name, size);
  const rows: unknown[][] = [];
  for (let g = 0; g < reader.groupCount; g++) {
    const group = await reader.readGroup(g);
    for (let r = 0; r < group.rows; r++) rows.push(group.columns.map((column) => cell(column, r)));
  }
  return { rows, groups: reader.groupCount };
}

describe('the lake page reader', () => {
  const codecs: CompressionName[] = ['snappy', 'gzip', 'none', ...(zstdAvailable() ? (['zstd'] as const) : [])];
  for (const compression of codecs) {
    it(`reads flowlake's ${compression} files as hyparquet does`, async () => {
      const rows = 70_000; // past the plain-strings probe and over several pages per row group
      const bytes = await flowlakeFile(rows, compression, 40_000);
      const dir = tempDir();
      writeFileSync(join(dir, 'f.parquet'), bytes);
      const metadata = parquetMetadata(arrayBuffer(bytes));
      const own = await ownRows(dir, 'f.parquet', bytes.length);
      assert.equal(own.groups, 2);
      const general = await generalRows(bytes, metadata);
      assert.equal(own.rows.length, rows);
      assert.deepEqual(own.rows, general);
      // The shapes the test means to cover are there: dictionary and plain strings, nulls, big numbers.
      const chunks = metadata.row_groups[0].columns.map((c) => c.meta_data);
      const srcaddr = chunks[metadata.schema.findIndex((s) => s.name === 'srcaddr') - 1];
      const interfaceId = chunks[metadata.schema.findIndex((s) => s.name === 'interface_id') - 1];
      assert.ok(srcaddr && !srcaddr.dictionary_page_offset, 'srcaddr is written plain');
      assert.ok(interfaceId?.dictionary_page_offset, 'interface_id is dictionary-encoded');
      assert.ok(own.rows.some((row) => row[2] === null) && own.rows.some((row) => (row[10] as number) > 2 ** 32));
    });
  }

  it('reads the pages DuckDB writes (version 1) as hyparquet does, and refuses version 2 pages as unsupported', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const db = await DuckDBInstance.create();
    const connection = await db.connect();
    const select = `select case when i % 7 = 0 then null else 'eni-' || (i % 30) end as eni,
        case when i % 5 = 0 then null else (i * 7919)::int end as n32,
        (i * 4294967311)::bigint as n64, 'addr-' || i as distinct_text from range(50000) t(i)`;
    await connection.run(`copy (${select}) to '${dir}/v1.parquet' (format parquet, compression snappy)`);
    await connection.run(`copy (${select}) to '${dir}/v2.parquet' (format parquet, parquet_version v2)`);
    connection.closeSync();
    for (const [name, expectUnsupported] of [
      ['v1.parquet', false],
      ['v2.parquet', true],
    ] as const) {
      const bytes = readFileSync(join(dir, name));
      const metadata = parquetMetadata(arrayBuffer(bytes));
      const general = await generalRows(bytes, metadata);
      let offset = 0;
      const decoded: ColumnValues[][] = [];
      let unsupported = false;
      for (const group of metadata.row_groups) {
        const rows = Number(group.num_rows);
        try {
          decoded.push(
            group.columns.map((chunk) => {
              const meta = chunk.meta_data;
              assert.ok(meta);
              return decodeColumnChunk(bytes, {
                offset: Number(meta.dictionary_page_offset || meta.data_page_offset),
                length: Number(meta.total_compressed_size),
                rows,
                physicalType: meta.type,
                codec: meta.codec,
              });
            }),
          );
        } catch (err) {
          if (!(err instanceof UnsupportedPageError)) throw err;
          unsupported = true;
        }
        offset += rows;
      }
      assert.equal(unsupported, expectUnsupported, name);
      if (expectUnsupported) continue;
      const own = decoded.flatMap((columns) =>
        Array.from({ length: columns[0].defined.length }, (_, r) => columns.map((column) => cell(column, r))),
      );
      assert.equal(offset, 50_000);
      assert.deepEqual(own, general);
    }
  });

  it('refuses a row group whose footer claims more rows than any lake file holds, before allocating for them', async () => {
    const bytes = await flowlakeFile(1000, 'snappy', 1000);
    const dir = tempDir();
    writeFileSync(join(dir, 'f.parquet'), bytes);
    const reader = await LakeFileReader.open(new LocalStorage(dir), 'f.parquet', bytes.length);
    (reader.metadata.row_groups[0] as { num_rows: bigint }).num_rows = 2n ** 40n;
    await assert.rejects(
      reader.readGroup(0),
      (err: Error) => err instanceof CorruptFileError && /claims 1099511627776 rows/.test(err.message),
    );
  });

  it('names a broken page as an error, not as an unsupported one', async () => {
    const bytes = await flowlakeFile(1000, 'snappy', 1000);
    const metadata = parquetMetadata(arrayBuffer(bytes));
    const meta = metadata.row_groups[0].columns[3].meta_data;
    assert.ok(meta);
    const layout = {
      offset: Number(meta.dictionary_page_offset || meta.data_page_offset),
      length: Number(meta.total_compressed_size),
      rows: 1000,
      physicalType: meta.type,
      codec: meta.codec,
    };
    assert.throws(
      () => decodeColumnChunk(bytes, { ...layout, length: layout.length - 10 }),
      (err: Error) => !(err instanceof UnsupportedPageError) && /runs past/.test(err.message),
    );
    assert.throws(
      () => decodeColumnChunk(bytes, { ...layout, rows: 2000 }),
      (err: Error) => !(err instanceof UnsupportedPageError) && /1000 values for 2000 rows/.test(err.message),
    );
    // A chunk longer than its pages (its next neighbour's bytes, or garbage): not silently ignored.
    assert.throws(
      () => decodeColumnChunk(bytes, { ...layout, length: layout.length + 7 }),
      (err: Error) => !(err instanceof UnsupportedPageError) && /7 bytes past its last page/.test(err.message),
    );
  });
});
