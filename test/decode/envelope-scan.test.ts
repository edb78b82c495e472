import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ScannedEnvelope, scanEnvelope } from '../../src/decode/envelope-scan.js';
import { Random } from '../../src/sample/random.js';
import { decodeAll } from '../support/decode-all.js';
import { LINE_NODATA, LINE_OK } from '../support/flow-inputs.js';

function scan(text: string): ScannedEnvelope | undefined {
  const out: ScannedEnvelope = { messageType: undefined, logGroup: undefined, timestamps: [], messages: [] };
  return scanEnvelope(text, Buffer.from(text, 'latin1'), out) ? out : undefined;
}

/** What JSON.parse makes of the same text, in the scanner's terms. */
function parsed(text: string): ScannedEnvelope {
  const doc = JSON.parse(text);
  return {
    messageType: doc.messageType,
    logGroup: doc.logGroup,
    timestamps: doc.logEvents.map((e: { timestamp: number }) => e.timestamp),
    messages: doc.logEvents.map((e: { message: string }) => e.message),
  };
}

const CANONICAL = JSON.stringify({
  messageType: 'DATA_MESSAGE',
  owner: '123456789012',
  logGroup: 'vpc-flow-logs',
  logStream: 'eni-0123456789abcdef0-all',
  subscriptionFilters: ['to-firehose'],
  logEvents: [
    { id: '3571', timestamp: 1580515178123, message: LINE_OK },
    { id: '3572', timestamp: 1580515179000, message: LINE_NODATA },
  ],
});

describe('the fast envelope scanner', () => {
  it('reads what JSON.parse reads: any key order, spacing, unknown keys of every JSON type', () => {
    const texts = [
      CANONICAL,
      JSON.stringify(JSON.parse(CANONICAL), null, 2),
      `{ "logEvents" : [ { "message" : "${LINE_OK}" , "extra" : [1, -2.5e+3, true, false, null, {"a": {}}, []], "timestamp" : 7 } ] ,\n "messageType":"DATA_MESSAGE" }`,
      '{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1580517463000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}',
      '{"messageType":"DATA_MESSAGE","logEvents":[]}',
      '{"messageType":"DATA_MESSAGE","n":0,"m":-0.5E-7,"logEvents":[{"timestamp":0,"message":""}]}',
    ];
    for (const text of texts) {
      const fast = scan(text);
      assert.ok(fast, `scanned: ${text.slice(0, 60)}`);
      assert.deepEqual({ ...fast }, parsed(text));
    }
  });

  it('leaves to JSON.parse what it cannot vouch for', () => {
    const refused = [
      CANONICAL.replace('"message":"2', '"message":"\\u0032'), // an escape
      CANONICAL.replace('"logGroup"', '"logGroup":"again","logGroup"'), // a duplicated key
      CANONICAL.replace('1580515178123', '1580515178123.5'), // a fraction
      CANONICAL.replace('1580515178123', '1.58e12'), // an exponent
      CANONICAL.replace('1580515178123', '-1'), // negative
      CANONICAL.replace('1580515178123', '01580515178123'), // a leading zero (invalid JSON)
      CANONICAL.replace('1580515178123', '"1580515178123"'), // a string timestamp: a reject, not a row
      CANONICAL.replace(`"message":"${LINE_OK}"`, '"message":42'), // a message that is not a string
      CANONICAL.replace(',"timestamp":1580515178123', ''), // no timestamp
      CANONICAL.replace('DATA_MESSAGE', 'OTHER_MESSAGE'), // an unknown kind: JSON.parse's path names it
      '{"message":"2 123456789012 eni-1 - - - - - - - 1 2 - NODATA"}', // a wrapped line: another shape
      '{}',
      `${CANONICAL.slice(0, -1)},}`, // a trailing comma
      `${CANONICAL.slice(0, -2)}`, // cut short
      CANONICAL.replace('"owner":', '"owner"'), // a missing colon
      '{"messageType":"DATA_MESSAGE","x":ture,"logEvents":[]}', // a misspelt literal
    ];
    for (const text of refused) assert.equal(scan(text), undefined, text.slice(0, 100));
  });

  it('never accepts a mutated envelope that JSON.parse rejects, and agrees with it on the rest', () => {
    const random = new Random(7);
    const alphabet = '{}[]",:0123456789.-+eEtrufalsn _x';
    // Every kind of JSON value appears, so mutations reach every branch of the grammar.
    const base = CANONICAL.replace('"owner"', '"x":[0,-1.5e+3,10,true,null,{"y":false}],"owner"');
    let accepted = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = base;
      for (let k = random.int(1, 3); k > 0; k--) {
        const at = random.int(0, text.length - 1);
        const kind = random.int(0, 2);
        const c = random.pick([...alphabet]);
        text =
          kind === 0
            ? text.slice(0, at) + text.slice(at + 1)
            : kind === 1
              ? text.slice(0, at) + c + text.slice(at)
              : text.slice(0, at) + c + text.slice(at + 1);
      }
      const fast = scan(text);
      if (fast === undefined) continue;
      accepted++;
      let reference: ScannedEnvelope;
      try {
        reference = parsed(text);
      } catch (err) {
        assert.fail(`scanner accepted what JSON.parse rejects (${(err as Error).message}): ${text}`);
      }
      assert.deepEqual({ ...fast }, reference, text);
    }
    assert.ok(accepted > 1000, `only ${accepted} mutations were accepted: the check proves little`);
  });

  it('a stream decodes the same whichever path each envelope takes and wherever chunks split it', async () => {
    const escaped = CANONICAL.replace('"message":"2', '"message":"\\u0032'); // JSON.parse's path
    const body = Buffer.from(`${CANONICAL}${escaped}\n${CANONICAL}${CANONICAL.replace('"id":"3571",', '')}`);
    const expected = await decodeAll(body, { chunk: body.length });
    assert.equal(expected.rows.length, 8);
    assert.deepEqual(
      expected.rows.map((r) => r.line),
      [LINE_OK, LINE_NODATA, LINE_OK, LINE_NODATA, LINE_OK, LINE_NODATA, LINE_OK, LINE_NODATA],
    );
    for (const chunk of [1, 2, 3, 17, 64, 255, 256, 257, 500]) {
      assert.deepEqual(await decodeAll(body, { chunk }), expected, `chunks of ${chunk} bytes`);
    }
  });
});
