/**
 * Input built to hurt: a line or record longer than 1 MiB fails its object, naming the byte where it starts,
 * in every shape, after reading only a bounded part of the object (one pass, no growing buffer); a JSON object
 * that never ends and a gzip bomb fail the same way.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import { FormatResolver } from '../../src/convert/format-resolver.js';
import type { DecodeContext } from '../../src/decode/context.js';
import { decodeObject } from '../../src/decode/index.js';
import { type JsonObjectAt, JsonObjectReader } from '../../src/decode/json-values.js';
import { MAX_OBJECT_BYTES, MAX_PARQUET_BYTES, MAX_RECORD_BYTES } from '../../src/decode/limits.js';
import { DecodeError } from '../../src/decode/types.js';
import { decodeAll } from '../support/decode-all.js';
import { dataEnvelope, LINE_OK } from '../support/flow-inputs.js';

const MiB = 1024 * 1024;
const T = 1580515178000;
const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status';

/** Chunks of `size` bytes of `head`, then of `filler` repeated without end, counting the bytes handed out. */
function endless(head: Buffer, filler: Buffer, size = 64 * 1024): { source: Readable; pulled: () => number } {
  let pulled = 0;
  const fill = Buffer.alloc(size);
  for (let i = 0; i < size; i += filler.length) filler.copy(fill, i);
  function* chunks(): Generator<Buffer> {
    for (let i = 0; i < head.length; i += size) {
      const chunk = head.subarray(i, i + size);
      pulled += chunk.length;
      yield chunk;
    }
    for (;;) {
      pulled += fill.length;
      yield fill;
    }
  }
  return { source: Readable.from(chunks(), { objectMode: true, highWaterMark: 1 }), pulled: () => pulled };
}

function context(): DecodeContext {
  const resolver = new FormatResolver({});
  return { formatFor: (g) => resolver.formatFor(g), reject: () => {}, controlMessage: () => {} };
}

/** Decodes until the error; returns it with how many bytes the decoder pulled from the source. */
async function failure(input: {
  source: Readable;
  pulled: () => number;
}): Promise<{ err: DecodeError; pulled: number }> {
  try {
    const decoded = await decodeObject(input.source, context());
    for await (const _ of decoded.batches) {
      // rows before the bad piece are fine
    }
  } catch (err) {
    assert.ok(err instanceof DecodeError, `expected a DecodeError, got ${err}`);
    return { err, pulled: input.pulled() };
  }
  assert.fail('expected the object to fail');
}

function offsetIn(message: string): number {
  const m = /at byte ([\d,]+)/.exec(message);
  assert.ok(m, `no byte offset in: ${message}`);
  return Number(m[1].replaceAll(',', ''));
}

describe('a line or record longer than 1 MiB fails its object, naming where it starts', () => {
  it('bare lines: a line that never ends', async () => {
    const head = Buffer.from(`${LINE_OK}\n${LINE_OK}\n`);
    const { err, pulled } = await failure(endless(head, Buffer.from('2 1234 ')));
    assert.match(err.message, /^the line at byte [\d,]+ is longer than 1 MiB/);
    assert.equal(offsetIn(err.message), head.length);
    // One pass over a bounded window: the decoder stopped within a chunk or two past the bound.
    assert.ok(pulled <= head.length + MAX_RECORD_BYTES + 4 * 64 * 1024, `read ${pulled} bytes`);
  });

  it('bare lines: a long line that ends, inside one big chunk and across small ones', async () => {
    const long = `2 ${'9'.repeat(MAX_RECORD_BYTES)}`;
    const body = Buffer.from(`${LINE_OK}\n${long}\n${LINE_OK}\n`);
    for (const chunk of [4 * MiB, 1000]) {
      await assert.rejects(decodeAll(body, { chunk }), (err: Error) => {
        assert.ok(err instanceof DecodeError);
        assert.match(err.message, /^the line at byte [\d,]+ is longer than 1 MiB/);
        assert.equal(offsetIn(err.message), LINE_OK.length + 1);
        return true;
      });
    }
    // Exactly 1 MiB is still a line (and rejected as a row, not failing the object).
    const fits = `${LINE_OK}\n2 ${'9'.repeat(MAX_RECORD_BYTES - 2)}\n`;
    const decoded = await decodeAll(Buffer.from(fits), { chunk: 64 * 1024 });
    assert.equal(decoded.rows.length, 2);
  });

  it('header text (direct to S3): a header line that never ends', async () => {
    const { err, pulled } = await failure(endless(Buffer.from(HEADER), Buffer.from(' srcaddr dstaddr')));
    assert.match(err.message, /^the line at byte 0 is longer than 1 MiB/);
    assert.ok(pulled <= MAX_RECORD_BYTES + 4 * 64 * 1024, `read ${pulled} bytes`);
  });

  it('header text: a data line that never ends after good rows', async () => {
    const head = Buffer.from(`${HEADER}\n${LINE_OK}\n`);
    const { err } = await failure(endless(head, Buffer.from('1234567890')));
    assert.equal(offsetIn(err.message), head.length);
  });

  it('CloudWatch Logs export: a line that never ends', async () => {
    const head = Buffer.from(`2020-02-01T00:00:00.000Z ${LINE_OK}\n2020-02-01T00:00:01.000Z ${LINE_OK} `);
    const { err, pulled } = await failure(endless(head, Buffer.from('ACCEPT ')));
    assert.match(err.message, /^the line at byte [\d,]+ is longer than 1 MiB/);
    assert.equal(offsetIn(err.message), head.indexOf('\n') + 1);
    assert.ok(pulled <= head.length + MAX_RECORD_BYTES + 4 * 64 * 1024, `read ${pulled} bytes`);
  });

  it('a log event message longer than 1 MiB inside an envelope (scanner and JSON.parse paths)', async () => {
    const first = JSON.stringify(dataEnvelope([{ timestamp: T, message: LINE_OK }]));
    for (const tail of ['', ' é\\"']) {
      const long = `2 ${'7'.repeat(MAX_RECORD_BYTES)}${tail}`;
      const second = JSON.stringify(
        dataEnvelope([
          { timestamp: T, message: LINE_OK },
          { timestamp: T, message: long },
        ]),
      );
      const body = Buffer.concat([gzipSync(first), gzipSync(second)]);
      await assert.rejects(decodeAll(body, { chunk: 64 * 1024 }), (err: Error) => {
        assert.ok(err instanceof DecodeError, String(err));
        assert.match(
          err.message,
          /^the message of log event 2 in envelope 2 at byte [\d,]+ is longer than 1 MiB \([\d,]+ bytes\)/,
        );
        assert.equal(offsetIn(err.message), first.length);
        return true;
      });
    }
  });

  it('a {"message":…} line longer than 1 MiB', async () => {
    const first = JSON.stringify({ message: LINE_OK });
    const body = Buffer.from(`${first}\n${JSON.stringify({ message: `2 ${'5'.repeat(MAX_RECORD_BYTES)}` })}\n`);
    await assert.rejects(decodeAll(body, { chunk: 100_000 }), (err: Error) => {
      assert.ok(err instanceof DecodeError);
      assert.match(err.message, /^the "message" of JSON object 2 at byte [\d,]+ is longer than 1 MiB/);
      assert.equal(offsetIn(err.message), first.length + 1);
      return true;
    });
  });

  it('a JSON object that never ends fails at the envelope bound, after one pass', async () => {
    const first = JSON.stringify(dataEnvelope([{ timestamp: T, message: LINE_OK }]));
    const head = Buffer.from(`${first}{"messageType":"DATA_MESSAGE","logEvents":[`);
    const event = Buffer.from(`{"id":"1","timestamp":${T},"message":"${LINE_OK}"},`);
    const { err, pulled } = await failure(endless(head, event, event.length * 500));
    assert.match(err.message, /^JSON object 2 at byte [\d,]+ is larger than 8 MiB/);
    assert.equal(offsetIn(err.message), first.length);
    assert.ok(pulled <= head.length + MAX_OBJECT_BYTES + 2 * event.length * 500, `read ${pulled} bytes`);
  });

  it('a string that never ends, in chunks of 1 KiB', async () => {
    const { err, pulled } = await failure(endless(Buffer.from('{"message":"'), Buffer.from('a'), 1024));
    assert.match(err.message, /^JSON object 1 at byte 0 is larger than 8 MiB/);
    assert.ok(pulled <= MAX_OBJECT_BYTES + 2048, `read ${pulled} bytes`);
  });

  it('a gzip bomb of one endless line fails after reading a small part of it', async () => {
    // 512 MiB of one line, about 500 KiB of gzip.
    const gzip = createGzip({ level: 9 });
    const block = Buffer.alloc(MiB, 'a');
    const parts: Buffer[] = [];
    gzip.on('data', (d: Buffer) => parts.push(d));
    for (let i = 0; i < 512; i++) gzip.write(block);
    gzip.end();
    await new Promise((resolve) => gzip.on('end', resolve));
    const bomb = Buffer.concat(parts);
    let pulled = 0;
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < bomb.length; i += 1024) {
          pulled += Math.min(1024, bomb.length - i);
          yield bomb.subarray(i, i + 1024);
        }
      })(),
      { objectMode: true, highWaterMark: 1 },
    );
    const { err } = await failure({ source, pulled: () => pulled });
    assert.match(err.message, /^the line at byte 0 is longer than 1 MiB/);
    // The line fails after ~1.3 MiB of output, ~1.3 KiB of gzip; what else is read is the streams' read-ahead
    // (64 KiB buffers on Node 22), not the object.
    assert.ok(pulled <= 256 * 1024 && pulled < bomb.length / 2, `read ${pulled} of ${bomb.length} compressed bytes`);
  });

  it('a gzip bomb that looks like Parquet fails at the Parquet bound', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(MAX_PARQUET_BYTES + MiB)]), { level: 9 });
    await assert.rejects(decodeAll(bomb, { chunk: 4096 }), /^DecodeError: Parquet input larger than 64 MiB/);
  });
});

describe('the JSON object reader resumes its scan across chunks', () => {
  it('reads the same objects wherever the chunks are cut, escapes included', () => {
    const text = '{"a":"x\\\\","b":"}{\\"q\\"}","c":[1,{"d":"\\\\\\""}]}\n{"message":"m"}{"e":"é"}';
    const expected = [JSON.parse(text.split('\n')[0]), { message: 'm' }, { e: 'é' }];
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [cut + 1, cut + 5]) {
        const values: unknown[] = [];
        const offsets: number[] = [];
        const reader = new JsonObjectReader({
          take: (o: JsonObjectAt) => {
            values.push(o.value);
            offsets.push(o.offset);
          },
        });
        reader.push(bytes.subarray(0, cut));
        reader.push(bytes.subarray(cut, Math.min(second, bytes.length)));
        if (second < bytes.length) reader.push(bytes.subarray(second));
        reader.finish();
        assert.deepEqual(values, expected, `cut at ${cut}/${second}`);
        assert.deepEqual(offsets, [0, text.indexOf('\n') + 1, bytes.indexOf('{"e"')], `cut at ${cut}/${second}`);
      }
    }
  });
});
