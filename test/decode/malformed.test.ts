import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DecodeError } from '../../src/decode/types.js';
import { decodeAll } from '../support/decode-all.js';
import { dataEnvelope, firehoseObject, LINE_OK } from '../support/flow-inputs.js';

const good = () => firehoseObject([dataEnvelope([{ timestamp: 1580515178000, message: LINE_OK }])]);

async function decodeError(body: Buffer): Promise<DecodeError> {
  try {
    await decodeAll(body, { chunk: 1024 });
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${err}`);
    return err;
  }
  assert.fail('expected the object to fail');
}

describe('malformed objects fail with what and where', () => {
  it('a truncated gzip stream names how many bytes arrived', async () => {
    const body = Buffer.concat([good(), good()]);
    const cut = body.subarray(0, body.length - 9);
    const err = await decodeError(cut);
    assert.match(err.message, new RegExp(`^truncated gzip stream after ${cut.length.toLocaleString('en-US')} bytes$`));
  });

  it('corrupt JSON after a good member names the envelope and the byte', async () => {
    const bad = '{"messageType":"DATA_MESSAGE","logEvents":[{"timestamp":1,"message":"x"},]}';
    const first = JSON.stringify(dataEnvelope([{ timestamp: 1580515178000, message: LINE_OK }]));
    const err = await decodeError(Buffer.concat([gzipSync(first), gzipSync(bad)]));
    assert.match(err.message, /^invalid JSON in envelope 2 at byte [\d,]+/);
    const at = Number(/at byte ([\d,]+)/.exec(err.message)![1].replaceAll(',', ''));
    assert.equal(at, first.length + bad.indexOf(',]') + 1);
  });

  it('text between envelopes that is not JSON', async () => {
    const first = JSON.stringify(dataEnvelope([{ timestamp: 1580515178000, message: LINE_OK }]));
    const err = await decodeError(gzipSync(`${first}garbage`));
    assert.equal(
      err.message,
      `invalid JSON in envelope 2 at byte ${first.length.toLocaleString('en-US')}: expected "{" but found "g"`,
    );
  });

  it('an envelope cut short at the end of the object', async () => {
    const err = await decodeError(gzipSync('{"messageType":"DATA_MESSAGE","logEvents":[{"message":"2 1'));
    assert.match(err.message, /^truncated JSON: envelope 1 starting at byte 0 is incomplete/);
  });

  it('garbage bytes', async () => {
    const err = await decodeError(Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x00, 0xff]));
    assert.match(err.message, /^unrecognised content: binary byte 0x00 at byte 8/);
  });

  it('gzip whose deflate data is corrupt', async () => {
    const body = good();
    body[20] ^= 0xff;
    body[21] ^= 0xff;
    const err = await decodeError(body);
    assert.match(err.message, /gzip/);
  });

  it('a JSON object that is not an envelope', async () => {
    const err = await decodeError(gzipSync('{"hello":"world"}'));
    assert.match(
      err.message,
      /JSON object 1 at byte 0 is not a CloudWatch Logs envelope: it has neither "logEvents" nor "message"/,
    );
  });
});
