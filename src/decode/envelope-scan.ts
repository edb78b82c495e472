/**
 * A reader for the common case of one CloudWatch Logs envelope, faster than JSON.parse because it builds
 * neither the event objects nor the event ids: it walks the JSON structure of the text, checks it, and keeps
 * only what a row needs (each event's `timestamp` and `message`, the envelope's `messageType` and
 * `logGroup`). Messages are slices of the envelope's text, so they cost no copy.
 *
 * It handles plain ASCII envelopes without escapes, which is what CloudWatch Logs writes for flow logs.
 * Anything else (an escape, a duplicated key, an event that is not a message with an integer timestamp,
 * or JSON it cannot vouch for) makes it answer `undefined`, and the caller lets JSON.parse decide: the
 * result, and every error message, are then exactly JSON.parse's.
 *
 * One leniency: a raw control character inside a string (which strict JSON forbids, and CloudWatch Logs never
 * writes) is kept as it is rather than rejected; checking every character would cost more than the rest of
 * the scan.
 */

import { emptyNumbers, emptyStrings } from '../util/array-kinds.js';

export interface ScannedEnvelope {
  messageType: string | undefined;
  logGroup: string | undefined;
  /** The events, in order: `timestamps[i]` (epoch ms) goes with `messages[i]`. */
  readonly timestamps: number[];
  readonly messages: string[];
}

/**
 * The scanner as the object reader takes it, with its own result to fill. (An object with a method rather than
 * a closure per stream: the reader's compiled code then keeps calling the same function from one object to the
 * next.)
 */
export class EnvelopeScanner {
  readonly result: ScannedEnvelope = {
    messageType: undefined,
    logGroup: undefined,
    timestamps: emptyNumbers(),
    messages: emptyStrings(),
  };

  scan(text: string, bytes: Buffer): boolean {
    return scanEnvelope(text, bytes, this.result);
  }
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const PLUS = 0x2b;

/** Nesting allowed inside values we skip; deeper JSON is left to JSON.parse. */
const MAX_DEPTH = 64;
/** Up to 15 digits is exact in a double with room to spare: event times have 13. */
const MAX_TIMESTAMP_DIGITS = 15;

const FAIL = -1;

/**
 * Scans `text`, which must be exactly one JSON object, into `out` (whose arrays are cleared first).
 * Returns false when the fast path cannot decide; `out` is then meaningless.
 */
export function scanEnvelope(text: string, bytes: Buffer, out: ScannedEnvelope): boolean {
  out.messageType = undefined;
  out.logGroup = undefined;
  out.timestamps.length = 0;
  out.messages.length = 0;
  if (text.charCodeAt(0) !== OPEN_BRACE || text.indexOf('\\') !== -1) return false;
  let sawEvents = false;
  let i = skipSpace(text, 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return false; // `{}`: not an envelope, JSON.parse's path says why
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return false;
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd === -1) return false;
    const key = keyAt(text, i + 1, keyEnd);
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== COLON) return false;
    i = skipSpace(text, i + 1);
    if (key === 'messageType' || key === 'logGroup') {
      if (text.charCodeAt(i) !== QUOTE || out[key] !== undefined) return false;
      const end = text.indexOf('"', i + 1);
      if (end === -1) return false;
      out[key] = text.slice(i + 1, end);
      i = end + 1;
    } else if (key === 'logEvents') {
      if (sawEvents) return false;
      sawEvents = true;
      i = scanEvents(text, bytes, i, out);
    } else {
      i = skipValue(text, i, 0);
    }
    if (i === FAIL) return false;
    i = afterItem(text, i, CLOSE_BRACE);
    if (i === FAIL) return false;
    if (closed) break;
  }
  if (i !== text.length) return false;
  // Only the two envelope kinds with their events are decided here; the rest gets JSON.parse's messages.
  return sawEvents && (out.messageType === 'DATA_MESSAGE' || out.messageType === 'CONTROL_MESSAGE');
}

/** The envelope keys the scan acts on, or '' for any other key (compared in place: no string is built). */
function keyAt(text: string, start: number, end: number): string {
  const length = end - start;
  if (length === 11 && text.startsWith('messageType', start)) return 'messageType';
  if (length === 8 && text.startsWith('logGroup', start)) return 'logGroup';
  if (length === 9 && text.startsWith('logEvents', start)) return 'logEvents';
  return '';
}

/** Reads the `logEvents` array at `i`; returns the index after it, or FAIL. */
function scanEvents(text: string, bytes: Buffer, i: number, out: ScannedEnvelope): number {
  if (text.charCodeAt(i) !== OPEN_BRACKET) return FAIL;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = scanEvent(text, bytes, i, out);
    if (i === FAIL) return FAIL;
    i = afterItem(text, i, CLOSE_BRACKET);
    if (i === FAIL || closed) return i;
  }
}

/** Reads one event object at `i` that has a string `message` and an integer `timestamp`; FAIL otherwise. */
function scanEvent(text: string, bytes: Buffer, i: number, out: ScannedEnvelope): number {
  if (text.charCodeAt(i) !== OPEN_BRACE) return FAIL;
  let message: string | undefined;
  let timestamp = -1;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return FAIL;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return FAIL;
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd === -1) return FAIL;
    const keyLength = keyEnd - i - 1;
    const isMessage = keyLength === 7 && text.startsWith('message', i + 1);
    const isTimestamp = !isMessage && keyLength === 9 && text.startsWith('timestamp', i + 1);
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== COLON) return FAIL;
    i = skipSpace(text, i + 1);
    if (isMessage) {
      if (message !== undefined || text.charCodeAt(i) !== QUOTE) return FAIL;
      const end = text.indexOf('"', i + 1);
      if (end === -1) return FAIL;
      message = bytes.toString('latin1', i + 1, end);
      i = end + 1;
    } else if (isTimestamp) {
      if (timestamp !== -1) return FAIL;
      const end = scanTimestamp(text, i);
      if (end === FAIL) return FAIL;
      timestamp = scannedTimestamp;
      i = end;
    } else {
      i = skipValue(text, i, 1);
      if (i === FAIL) return FAIL;
    }
    i = afterItem(text, i, CLOSE_BRACE);
    if (i === FAIL) return FAIL;
    if (!closed) continue;
    if (message === undefined || timestamp === -1) return FAIL;
    out.timestamps.push(timestamp);
    out.messages.push(message);
    return i;
  }
}

let scannedTimestamp = 0;

/** A non-negative JSON integer of at most 15 digits at `i` (into `scannedTimestamp`); FAIL for anything else. */
function scanTimestamp(text: string, i: number): number {
  const start = i;
  let value = 0;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
    i++;
  }
  const digits = i - start;
  if (digits === 0 || digits > MAX_TIMESTAMP_DIGITS || (digits > 1 && text.charCodeAt(start) === ZERO)) return FAIL;
  const next = text.charCodeAt(i);
  if (next === DOT || next === LOWER_E || next === UPPER_E) return FAIL; // a fraction or exponent: JSON.parse decides
  scannedTimestamp = value;
  return i;
}

/** Skips one JSON value at `i`, checking its grammar; returns the index after it, or FAIL. */
function skipValue(text: string, i: number, depth: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) {
    const end = text.indexOf('"', i + 1);
    return end === -1 ? FAIL : end + 1;
  }
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    if (depth >= MAX_DEPTH) return FAIL;
    return c === OPEN_BRACE ? skipObject(text, i, depth + 1) : skipArray(text, i, depth + 1);
  }
  if (c === MINUS || (c >= ZERO && c <= NINE)) return skipNumber(text, i);
  if (text.startsWith('true', i) || text.startsWith('null', i)) return i + 4;
  if (text.startsWith('false', i)) return i + 5;
  return FAIL;
}

function skipObject(text: string, i: number, depth: number): number {
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return FAIL;
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd === -1) return FAIL;
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== COLON) return FAIL;
    i = skipValue(text, skipSpace(text, i + 1), depth);
    if (i === FAIL) return FAIL;
    i = afterItem(text, i, CLOSE_BRACE);
    if (i === FAIL || closed) return i;
  }
}

function skipArray(text: string, i: number, depth: number): number {
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return i + 1;
  for (;;) {
    i = skipValue(text, i, depth);
    if (i === FAIL) return FAIL;
    i = afterItem(text, i, CLOSE_BRACKET);
    if (i === FAIL || closed) return i;
  }
}

/** Whether the last `afterItem` found the container's end (rather than a comma). */
let closed = false;

/**
 * After a member or element ending at `i`: past a comma, returns where the next one starts; at `close`,
 * returns the index after it and sets `closed`; FAIL when neither follows.
 */
function afterItem(text: string, i: number, close: number): number {
  i = skipSpace(text, i);
  const c = text.charCodeAt(i);
  closed = c === close;
  if (closed) return i + 1;
  return c === COMMA ? skipSpace(text, i + 1) : FAIL;
}

/** JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function skipNumber(text: string, i: number): number {
  if (text.charCodeAt(i) === MINUS) i++;
  const first = text.charCodeAt(i);
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) i = skipDigits(text, i);
  else return FAIL;
  if (text.charCodeAt(i) === DOT) {
    const end = skipDigits(text, i + 1);
    if (end === i + 1) return FAIL;
    i = end;
  }
  const e = text.charCodeAt(i);
  if (e === LOWER_E || e === UPPER_E) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === PLUS || sign === MINUS) i++;
    const end = skipDigits(text, i);
    if (end === i) return FAIL;
    i = end;
  }
  return i;
}

function skipDigits(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return i;
    i++;
  }
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}
