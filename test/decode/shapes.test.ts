import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeAll } from '../support/decode-all.js';
import { controlEnvelope, dataEnvelope, firehoseObject, gz, LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';

const T1 = 1580515178123;
const T2 = 1580515179000;

describe('input shapes are told from the bytes', () => {
  it('A: multi-member gzip of back-to-back envelopes, CONTROL_MESSAGE skipped and counted', async () => {
    const body = firehoseObject([
      dataEnvelope([{ timestamp: T1, message: LINE_OK }]),
      controlEnvelope(),
      dataEnvelope([
        { timestamp: T2, message: LINE_NODATA },
        { timestamp: T2, message: LINE_OK },
      ]),
    ]);
    const d = await decodeAll(body);
    assert.equal(d.shape, 'cwl-envelopes');
    assert.equal(d.gzipLayers, 1);
    assert.equal(d.controlMessages, 1);
    assert.deepEqual(
      d.rows.map((r) => [r.timestamp, r.line]),
      [
        [T1, LINE_OK],
        [T2, LINE_NODATA],
        [T2, LINE_OK],
      ],
    );
  });

  it('A: any key order, whitespace and newlines between envelopes, escapes and unknown keys', async () => {
    const envelope = `{ "logEvents" : [ { "message" : "${LINE_OK.replace('ACCEPT', 'ACC\\u0045PT')}", "timestamp" : ${T1}, "id" : "x" } ],
      "policyLevel": "ACCOUNT_LEVEL_POLICY", "nested": {"a": ["}", "{\\"" ]}, "messageType" : "DATA_MESSAGE", "logGroup": "g" }`;
    const d = await decodeAll(gz(`${envelope}\n\n${envelope}{"messageType":"CONTROL_MESSAGE","logEvents":[]}`), {
      chunk: 3,
    });
    assert.equal(d.rows.length, 2);
    assert.equal(d.rows[0].line, LINE_OK);
    assert.equal(d.rows[1].timestamp, T1);
    assert.equal(d.controlMessages, 1);
  });

  it('A: "}{" and "}\\n{" inside strings do not split an envelope; spaced-out envelopes still parse', async () => {
    const tricky = [
      dataEnvelope([{ timestamp: T1, message: 'a}{b' }]),
      dataEnvelope([{ timestamp: T1, message: 'c}\n{d' }]),
      { ...dataEnvelope([{ timestamp: T2, message: LINE_OK }]), note: '}{"x":1}' },
    ];
    const body = `${JSON.stringify(tricky[0])}${JSON.stringify(tricky[1])}\n${JSON.stringify(tricky[2])}  \r\n ${JSON.stringify(tricky[0])}`;
    for (const chunk of [5, 64, 100000]) {
      const d = await decodeAll(gz(body), { chunk });
      assert.deepEqual(
        d.rows.map((r) => r.line),
        ['a}{b', 'c}\n{d', LINE_OK, 'a}{b'],
      );
    }
  });

  it('A2: Firehose compression on top (gzip around the multi-member gzip)', async () => {
    const inner = firehoseObject([dataEnvelope([{ timestamp: T1, message: LINE_OK }]), controlEnvelope()]);
    const d = await decodeAll(gzipSync(inner));
    assert.equal(d.gzipLayers, 2);
    assert.deepEqual(
      d.rows.map((r) => r.line),
      [LINE_OK],
    );
    assert.equal(d.controlMessages, 1);
  });

  it('A3: Firehose decompression on: NDJSON envelopes, plain and gzipped', async () => {
    const ndjson = [
      dataEnvelope([{ timestamp: T1, message: LINE_OK }]),
      controlEnvelope(),
      dataEnvelope([{ timestamp: T2, message: LINE_NODATA }]),
    ]
      .map((e) => JSON.stringify(e))
      .join('\n');
    for (const body of [Buffer.from(`${ndjson}\n`), gz(ndjson)]) {
      const d = await decodeAll(body);
      assert.equal(d.shape, 'cwl-envelopes');
      assert.deepEqual(
        d.rows.map((r) => r.line),
        [LINE_OK, LINE_NODATA],
      );
      assert.equal(d.controlMessages, 1);
    }
  });

  it('A4/D: bare flow-log lines (message extraction, or straight to Firehose); no event time', async () => {
    const d = await decodeAll(gz(`${LINE_OK}\r\n${LINE_NODATA}\n`));
    assert.equal(d.shape, 'lines');
    assert.deepEqual(
      d.rows.map((r) => r.line),
      [LINE_OK, LINE_NODATA],
    );
    assert.ok(Number.isNaN(d.rows[0].timestamp));
  });

  it('D: lines wrapped as {"message":"…"}', async () => {
    const d = await decodeAll(Buffer.from(`{"message":"${LINE_OK}"}\n{"message":"${LINE_NODATA}"}\n`));
    assert.deepEqual(
      d.rows.map((r) => r.line),
      [LINE_OK, LINE_NODATA],
    );
    assert.ok(Number.isNaN(d.rows[1].timestamp));
  });

  it('B: direct-to-S3 text: the header line defines the schema', async () => {
    const header =
      'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id';
    const d = await decodeAll(gz(`${header}\n${LINE_OK} vpc-0abc\n`));
    assert.equal(d.shape, 's3-text');
    assert.equal(d.rows.length, 1);
    assert.equal(d.rows[0].fields, header);
    assert.equal(d.rows[0].line, `${LINE_OK} vpc-0abc`);
  });

  it('E: CloudWatch Logs export: the ISO prefix becomes the event time', async () => {
    const d = await decodeAll(gz(`2020-02-01T00:00:01.250Z ${LINE_OK}\n2020-02-01T00:00:02.000Z ${LINE_NODATA}\n`));
    assert.equal(d.shape, 'export');
    assert.deepEqual(
      d.rows.map((r) => [new Date(r.timestamp).toISOString(), r.line]),
      [
        ['2020-02-01T00:00:01.250Z', LINE_OK],
        ['2020-02-01T00:00:02.000Z', LINE_NODATA],
      ],
    );
  });

  it('an empty object, gzipped or not, decodes to nothing', async () => {
    for (const body of [Buffer.alloc(0), gz(''), Buffer.from('\n\n')]) {
      const d = await decodeAll(body);
      assert.equal(d.shape, 'empty');
      assert.equal(d.rows.length, 0);
    }
  });

  it('log groups with their own format get their own output group', async () => {
    const v5Line = `${LINE_OK} vpc-1 subnet-1 i-1 3 IPv4 10.0.1.23 52.94.1.10 us-east-1 use1-az1 - - - S3 egress 8`;
    const body = firehoseObject([
      dataEnvelope([{ timestamp: T1, message: LINE_OK }], 'plain'),
      dataEnvelope([{ timestamp: T1, message: v5Line }], '/aws/vpc/v5 flows'),
    ]);
    const d = await decodeAll(body, { logGroupFormats: { '/aws/vpc/v5 flows': 'v5' } });
    assert.deepEqual(
      d.rows.map((r) => r.formatKey),
      ['', 'aws_vpc_v5_flows'],
    );
    assert.equal(d.rows[1].fields.split(' ').length, 29);
  });
});
