import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIELD_CATALOG } from '../../src/formats/fields.js';
import { DEFAULT_FORMAT, FormatError, parseFormat, resolveFormat } from '../../src/formats/format.js';

describe('flow-log formats', () => {
  it('the default is the v2 format, in AWS order', () => {
    assert.equal(
      DEFAULT_FORMAT.fields.map((f) => f.name).join(' '),
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status',
    );
    assert.equal(DEFAULT_FORMAT.startIndex, 10);
  });

  it('parses AWS syntax and bare header names (with - or _) to the same fields', () => {
    const a = parseFormat('${version} ${vpc-id} ${pkt-srcaddr} ${traffic-path}');
    const b = parseFormat('version vpc_id pkt-srcaddr traffic_path');
    assert.equal(a.text, b.text);
    assert.deepEqual(
      a.fields.map((f) => [f.column, f.type]),
      [
        ['version', 'int32'],
        ['vpc_id', 'string'],
        ['pkt_srcaddr', 'string'],
        ['traffic_path', 'int32'],
      ],
    );
  });

  it('keeps unknown (newer) fields as strings and lists them', () => {
    const f = parseFormat('${version} ${some-future-field}');
    assert.deepEqual(f.unknownNames, ['some-future-field']);
    assert.equal(f.fields[1].type, 'string');
    assert.equal(f.fields[1].column, 'some_future_field');
  });

  it('rejects repeated fields, stray text and empty formats', () => {
    assert.throws(() => parseFormat('${version} ${version}'), FormatError);
    assert.throws(() => parseFormat('${version} srcaddr'), /unexpected text "srcaddr"/);
    assert.throws(() => parseFormat('  '), FormatError);
    assert.throws(() => resolveFormat('v12'), /v2 to v11/);
  });

  it('vN names every field of versions up to N (transit gateway fields aside)', () => {
    for (let v = 2; v <= 11; v++) {
      const names = resolveFormat(`v${v}`).fields.map((f) => f.name);
      const expected = [...FIELD_CATALOG.values()].filter((f) => f.version <= v && f.version !== 6).map((f) => f.name);
      assert.deepEqual(names, expected);
    }
    assert.equal(resolveFormat('v5').fields.length, 29);
  });

  it('types counters as int64 and small numbers as int32, as AWS Parquet delivery does', () => {
    const type = (n: string) => FIELD_CATALOG.get(n)?.type;
    for (const n of ['packets', 'bytes', 'start', 'end', 'packets-lost-no-route']) assert.equal(type(n), 'int64', n);
    for (const n of ['version', 'srcport', 'dstport', 'protocol', 'tcp-flags', 'traffic-path'])
      assert.equal(type(n), 'int32', n);
    for (const n of ['account-id', 'srcaddr', 'action', 'log-status', 'ecs-task-id', 'reject-reason'])
      assert.equal(type(n), 'string', n);
  });
});
