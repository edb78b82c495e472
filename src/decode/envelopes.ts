import { BatchBuilder, type DecodeContext } from './context.js';
import { EnvelopeScanner, type ScannedEnvelope } from './envelope-scan.js';
import { type JsonObjectAt, JsonObjectReader, type JsonObjectSink } from './json-values.js';
import { at, isLongerThanRecord, MAX_RECORD_BYTES, recordTooLong } from './limits.js';
import { DecodeError, type EventBatch } from './types.js';

interface LogEvent {
  timestamp?: unknown;
  message?: unknown;
}

/**
 * Decodes back-to-back JSON objects: CloudWatch Logs subscription envelopes (DATA_MESSAGE with logEvents,
 * CONTROL_MESSAGE health checks), in any key order, with unknown keys, concatenated or one per line; and
 * flow-log lines that Firehose wrapped as `{"message":"…"}`.
 */
export async function* decodeJsonObjects(
  chunks: AsyncIterable<Buffer>,
  ctx: DecodeContext,
): AsyncGenerator<EventBatch> {
  const builder = new BatchBuilder();
  const scanner = new EnvelopeScanner();
  const reader = new JsonObjectReader(new EnvelopeSink(scanner.result, ctx, builder), scanner);
  for await (const chunk of chunks) {
    reader.push(chunk);
    const full = builder.takeFull();
    for (let i = 0; i < full.length; i++) yield full[i];
  }
  reader.finish();
  yield* builder.drain();
}

/**
 * Turns each object into events for the builder. Each kind of object is handled by a function of its own, so
 * the rare kinds (health checks, wrapped lines) do not make V8 recompile the common path when they turn up;
 * and a class, so the reader calls the same function from one object to the next.
 */
class EnvelopeSink implements JsonObjectSink {
  constructor(
    private readonly scanned: ScannedEnvelope,
    private readonly ctx: DecodeContext,
    private readonly builder: BatchBuilder,
  ) {}

  take(value: JsonObjectAt): void {
    if (value.scanned) {
      // Only an object longer than a record can hold a message longer than one.
      if (value.length > MAX_RECORD_BYTES) checkMessages(this.scanned.messages, value);
      takeScanned(this.scanned, this.ctx, this.builder);
    } else takeParsed(value, this.ctx, this.builder);
  }
}

function checkMessages(messages: readonly unknown[], value: JsonObjectAt): void {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (typeof message === 'string' && isLongerThanRecord(message)) {
      throw recordTooLong(
        `the message of log event ${i + 1} in envelope ${value.index} ${at(value.offset)}`,
        Buffer.byteLength(message),
      );
    }
  }
}

function takeScanned(scanned: ScannedEnvelope, ctx: DecodeContext, builder: BatchBuilder): void {
  if (scanned.messageType === 'CONTROL_MESSAGE') ctx.controlMessage();
  else builder.addAll(ctx.formatFor(scanned.logGroup), scanned.timestamps, scanned.messages);
}

function takeParsed(value: JsonObjectAt, ctx: DecodeContext, builder: BatchBuilder): void {
  const doc = value.value;
  if (!isObject(doc)) throw notAnEnvelope(value, 'it is not an object');
  if ('logEvents' in doc || 'messageType' in doc) {
    takeEnvelope(doc, value, ctx, builder);
  } else if (typeof doc.message === 'string') {
    if (value.length > MAX_RECORD_BYTES && isLongerThanRecord(doc.message)) {
      throw recordTooLong(
        `the "message" of JSON object ${value.index} ${at(value.offset)}`,
        Buffer.byteLength(doc.message),
      );
    }
    // Flow logs delivered straight to Firehose and wrapped: no event timestamp, the row time is `start`.
    builder.add(ctx.formatFor(undefined), Number.NaN, doc.message);
  } else {
    throw notAnEnvelope(value, 'it has neither "logEvents" nor "message"');
  }
}

function takeEnvelope(
  doc: Record<string, unknown>,
  value: JsonObjectAt,
  ctx: DecodeContext,
  builder: BatchBuilder,
): void {
  if (doc.messageType === 'CONTROL_MESSAGE') {
    ctx.controlMessage();
    return;
  }
  if (doc.messageType !== undefined && doc.messageType !== 'DATA_MESSAGE') {
    throw notAnEnvelope(value, `unknown messageType ${JSON.stringify(doc.messageType)}`);
  }
  const events = doc.logEvents;
  if (!Array.isArray(events)) throw notAnEnvelope(value, '"logEvents" is not an array');
  if (value.length > MAX_RECORD_BYTES)
    checkMessages(
      events.map((event: LogEvent) => event?.message),
      value,
    );
  const choice = ctx.formatFor(typeof doc.logGroup === 'string' ? doc.logGroup : undefined);
  for (const event of events as LogEvent[]) {
    const message = event?.message;
    const timestamp = event?.timestamp;
    if (typeof message !== 'string') {
      ctx.reject('log event without a string message', JSON.stringify(event));
      continue;
    }
    if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
      ctx.reject('log event without a numeric timestamp', JSON.stringify(event));
      continue;
    }
    builder.add(choice, timestamp, message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function notAnEnvelope(value: JsonObjectAt, why: string): DecodeError {
  return new DecodeError(
    `JSON object ${value.index} at byte ${value.offset.toLocaleString('en-US')} is not a CloudWatch Logs envelope: ${why}`,
  );
}
