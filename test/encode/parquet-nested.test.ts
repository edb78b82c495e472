import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet';
import { PAGE_DECOMPRESSORS } from '../../src/decode/parquet-input.js';
import { type CompressionName, zstdAvailable } from '../../src/encode/parquet/codecs.js';
import { leaf, list, map, type SchemaNode, struct } from '../../src/encode/parquet/nested-schema.js';
import { NestedParquetWriter } from '../../src/encode/parquet/nested-writer.js';
import { MAX_PAGE_BYTES, MAX_PAGE_ROWS } from '../../src/encode/parquet/pages.js';
import { duckdbForTests } from '../support/duckdb.js';
import { pageSizes } from '../support/parquet-pages.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('flowlake-nested-');
const duckdb = duckdbForTests();

const SCHEMA: readonly SchemaNode[] = [
  leaf('id', 'int64', 'required'),
  struct('s', [
    leaf('a', 'int32'),
    leaf('b', 'string', 'required'),
    struct('inner', [leaf('c', 'string')]),
    list('ips', leaf('element', 'string')),
  ]),
  list('tags', leaf('element', 'string')),
  map('m', leaf('value', 'string')),
  list('objs', struct('element', [leaf('name', 'string'), leaf('n', 'int32')])),
  leaf('at', 'timestamp'),
];

type Row = Record<string, unknown>;

const ROWS: Row[] = [
  {
    id: 1,
    s: { a: 7, b: 'x', inner: { c: 'deep' }, ips: ['10.0.0.1', '10.0.0.2'] },
    tags: ['a', 'b', 'c'],
    m: { k1: 'v1', k2: 'v2' },
    objs: [
      { name: 'o1', n: 1 },
      { name: 'o2', n: null },
    ],
    at: 1580515200123,
  },
  { id: 2, s: null, tags: null, m: null, objs: null, at: null },
  { id: 3, s: { a: null, b: 'y', inner: null, ips: [] }, tags: [], m: {}, objs: [], at: 0 },
  { id: 4, s: { a: -5, b: 'ünï', inner: { c: null }, ips: null }, tags: [null, 'z'], m: { only: null }, objs: [null] },
];

function write(rows: readonly Row[], options: { rowGroupRows?: number; compression?: CompressionName } = {}): Buffer {
  const writer = new NestedParquetWriter({ rootName: 'test', fields: SCHEMA, ...options });
  const parts: Uint8Array[] = [...writer.start()];
  for (const row of rows) parts.push(...writer.add(row));
  parts.push(...writer.finish());
  return Buffer.concat(parts);
}

let files = 0;
function save(bytes: Buffer): string {
  const path = join(dir, `n${files++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  return (await duckdb.connection().runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

describe('nested Parquet columns (structs, lists, maps: definition and repetition levels)', () => {
  it('reads back in hyparquet value for value: nulls at every level, empty lists and maps', async () => {
    const bytes = write(ROWS);
    const objects = await parquetReadObjects({ file: arrayBufferOf(bytes), compressors: PAGE_DECOMPRESSORS });
    assert.equal(objects.length, 4);
    assert.equal(objects[0].id, 1n);
    assert.deepEqual(objects[0].s, { a: 7, b: 'x', inner: { c: 'deep' }, ips: ['10.0.0.1', '10.0.0.2'] });
    assert.deepEqual(objects[0].tags, ['a', 'b', 'c']);
    assert.deepEqual(objects[0].m, { k1: 'v1', k2: 'v2' });
    assert.deepEqual(objects[0].objs, [
      { name: 'o1', n: 1 },
      { name: 'o2', n: null },
    ]);
    assert.equal((objects[0].at as Date).getTime(), 1580515200123);
    assert.equal(objects[1].s, null);
    assert.equal(objects[1].tags, null);
    assert.equal(objects[1].m, null);
    assert.equal(objects[1].objs, null);
    assert.equal(objects[1].at, null);
    assert.deepEqual(objects[2].s, { a: null, b: 'y', inner: null, ips: [] });
    assert.deepEqual(objects[2].tags, []);
    assert.deepEqual(objects[2].objs, []);
    assert.equal((objects[2].at as Date).getTime(), 0);
    assert.deepEqual(objects[3].s, { a: -5, b: 'ünï', inner: { c: null }, ips: null });
    assert.deepEqual(objects[3].tags, [null, 'z']);
    assert.deepEqual(objects[3].m, { only: null });
  });

  it('has the schema it describes: LIST and MAP groups, repetitions, logical types', () => {
    const bytes = write(ROWS);
    const schema = parquetSchema(parquetMetadata(arrayBufferOf(bytes)));
    const child = (node: typeof schema, name: string) =>
      node.children.find((c) => c.element.name === name) ?? assert.fail(name);
    const tags = child(schema, 'tags');
    assert.equal(tags.element.converted_type, 'LIST');
    assert.equal(tags.element.repetition_type, 'OPTIONAL');
    const repeated = child(tags, 'list');
    assert.equal(repeated.element.repetition_type, 'REPEATED');
    assert.equal(child(repeated, 'element').element.converted_type, 'UTF8');
    const m = child(schema, 'm');
    assert.equal(m.element.converted_type, 'MAP');
    const kv = child(m, 'key_value');
    assert.equal(kv.element.converted_type, 'MAP_KEY_VALUE');
    assert.equal(child(kv, 'key').element.repetition_type, 'REQUIRED');
    assert.equal(child(schema, 'id').element.repetition_type, 'REQUIRED');
    assert.equal(child(child(schema, 's'), 'b').element.repetition_type, 'REQUIRED');
    assert.equal(child(schema, 'at').element.converted_type, 'TIMESTAMP_MILLIS');
  });

  it('reads back in DuckDB: struct fields, list elements, map lookups, types', async () => {
    const path = save(write(ROWS));
    const rows = await duck(
      `SELECT id, s.a AS a, s.b AS b, s.inner.c AS c, s.ips AS ips, len(tags) AS ntags, m['k2'] AS k2,
              objs[2].name AS o2, epoch_ms("at") AS ms FROM '${path}' ORDER BY id`,
    );
    assert.deepEqual(rows, [
      {
        id: '1',
        a: 7,
        b: 'x',
        c: 'deep',
        ips: ['10.0.0.1', '10.0.0.2'],
        ntags: '3',
        k2: 'v2',
        o2: 'o2',
        ms: '1580515200123',
      },
      { id: '2', a: null, b: null, c: null, ips: null, ntags: null, k2: null, o2: null, ms: null },
      { id: '3', a: null, b: 'y', c: null, ips: [], ntags: '0', k2: null, o2: null, ms: '0' },
      { id: '4', a: -5, b: 'ünï', c: null, ips: null, ntags: '2', k2: null, o2: null, ms: null },
    ]);
    const types = await duck(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '${path}')`);
    assert.deepEqual(types, [
      { column_name: 'id', column_type: 'BIGINT' },
      {
        column_name: 's',
        column_type: 'STRUCT(a INTEGER, b VARCHAR, "inner" STRUCT(c VARCHAR), ips VARCHAR[])',
      },
      { column_name: 'tags', column_type: 'VARCHAR[]' },
      { column_name: 'm', column_type: 'MAP(VARCHAR, VARCHAR)' },
      { column_name: 'objs', column_type: 'STRUCT("name" VARCHAR, n INTEGER)[]' },
      { column_name: 'at', column_type: 'TIMESTAMP WITH TIME ZONE' },
    ]);
  });

  it('many rows: pages cut on row boundaries, several row groups, every value in its row', async () => {
    const n = MAX_PAGE_ROWS * 2 + 1234;
    const rows: Row[] = [];
    for (let i = 0; i < n; i++) {
      rows.push({
        id: i,
        s:
          i % 7 === 0
            ? null
            : { a: i % 100, b: `b${i % 3}`, inner: { c: `c${i}` }, ips: i % 2 ? [`10.${i % 250}.0.1`] : null },
        tags: Array.from({ length: i % 4 }, (_, k) => `t${k}`),
        m: i % 5 === 0 ? { [`k${i % 9}`]: `v${i}` } : null,
        objs: null,
        at: 1580515200000 + i,
      });
    }
    const compression: CompressionName = zstdAvailable() ? 'zstd' : 'gzip';
    const bytes = write(rows, { rowGroupRows: 50_000, compression });
    const meta = parquetMetadata(arrayBufferOf(bytes));
    assert.equal(meta.row_groups.length, Math.ceil(n / 50_000));
    assert.equal(Number(meta.num_rows), n);
    const path = save(bytes);
    const [summary] = await duck(
      `SELECT count(*) AS rows, sum(len(tags)) AS tags, count(s) AS structs, sum(s.a) AS a,
              count(*) FILTER (WHERE s.inner.c = 'c' || id::VARCHAR) AS inner_ok,
              count(*) FILTER (WHERE m['k' || (id % 9)::VARCHAR] = 'v' || id::VARCHAR) AS maps,
              count(*) FILTER (WHERE s.ips[1] = '10.' || (id % 250)::VARCHAR || '.0.1') AS ips,
              count(*) FILTER (WHERE epoch_ms("at") = 1580515200000 + id) AS times FROM '${path}'`,
    );
    let tags = 0;
    let structs = 0;
    let a = 0;
    let maps = 0;
    let ips = 0;
    for (const r of rows) {
      tags += (r.tags as unknown[]).length;
      if (r.s) {
        structs++;
        a += (r.s as { a: number }).a;
        if ((r.s as { ips: unknown }).ips) ips++;
      }
      if (r.m) maps++;
    }
    assert.deepEqual(summary, {
      rows: String(n),
      tags: String(tags),
      structs: String(structs),
      a: String(a),
      inner_ok: String(structs),
      maps: String(maps),
      ips: String(ips),
      times: String(n),
    });
    const objects = await parquetReadObjects({
      file: arrayBufferOf(bytes),
      compressors: PAGE_DECOMPRESSORS,
      rowStart: MAX_PAGE_ROWS - 2,
      rowEnd: MAX_PAGE_ROWS + 2,
    });
    assert.deepEqual(
      objects.map((o) => o.tags),
      [MAX_PAGE_ROWS - 2, MAX_PAGE_ROWS - 1, MAX_PAGE_ROWS, MAX_PAGE_ROWS + 1].map((i) =>
        Array.from({ length: i % 4 }, (_, k) => `t${k}`),
      ),
    );
  });

  it('keeps every data page within 1 MiB uncompressed, levels included, however long the values', async () => {
    // 3,000 rows of ~1 KiB strings (plain: all distinct) in one leaf and a list: ~3 MiB a column.
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      const long = `${i}:`.padEnd(1000, 'x');
      rows.push({
        id: i,
        s: { a: i, b: long, inner: null, ips: [long, long.slice(0, 10)] },
        tags: null,
        m: null,
        objs: null,
      });
    }
    const bytes = write(rows, { compression: 'none' });
    const sizes = pageSizes(bytes);
    assert.ok(sizes.length > 6, `${sizes.length} pages`);
    assert.ok(Math.max(...sizes) <= MAX_PAGE_BYTES, `largest page ${Math.max(...sizes)} bytes`);
    const path = save(bytes);
    const [check] = await duck(
      `SELECT count(*) FILTER (WHERE s.b = rpad(id::VARCHAR || ':', 1000, 'x') AND len(s.ips) = 2) AS ok FROM '${path}'`,
    );
    assert.equal(check.ok, '3000');
  });

  it('refuses a row without a required value, naming the column', () => {
    const writer = new NestedParquetWriter({ rootName: 'test', fields: SCHEMA });
    assert.throws(() => writer.add({ id: null }), /id is required/);
    const other = new NestedParquetWriter({ rootName: 'test', fields: SCHEMA });
    assert.throws(() => other.add({ id: 1, s: { a: 1 } }), /s\.b is required/);
  });
});
