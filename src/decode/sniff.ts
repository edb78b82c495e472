import { FIELD_CATALOG } from '../formats/fields.js';
import { EXPORT_PREFIX } from './lines.js';
import { DecodeError, type InputShape } from './types.js';

/** How many decompressed bytes are looked at to tell the shape. */
export const SNIFF_BYTES = 64 * 1024;

const PARQUET_MAGIC = Buffer.from('PAR1');

/** Tells the input shape from the first decompressed bytes (never from the object's name). */
export function sniffShape(head: Buffer): InputShape {
  if (head.length === 0) return 'empty';
  if (head.length >= 4 && head.subarray(0, 4).equals(PARQUET_MAGIC)) return 'parquet';
  const binaryAt = findBinaryByte(head);
  if (binaryAt >= 0) {
    throw new DecodeError(
      `unrecognised content: binary byte 0x${head[binaryAt].toString(16).padStart(2, '0')} at byte ${binaryAt.toLocaleString('en-US')} (expected gzip, JSON envelopes, flow-log text or Parquet)`,
    );
  }
  const text = head.toString('utf8');
  const firstChar = text.trimStart()[0];
  if (firstChar === undefined) return 'empty';
  if (firstChar === '{') return 'cwl-envelopes';
  const firstLine = text.trimStart().split('\n', 1)[0].replace(/\r$/, '');
  if (EXPORT_PREFIX.test(firstLine)) return 'export';
  if (looksLikeHeader(firstLine)) return 's3-text';
  return 'lines';
}

/** A header line is made of field names; a flow-log line starts with a version number. */
function looksLikeHeader(line: string): boolean {
  const tokens = line.trim().split(/\s+/);
  const known = tokens.filter((t) => FIELD_CATALOG.has(t) || FIELD_CATALOG.has(t.replaceAll('_', '-'))).length;
  return known > 0 && known >= tokens.length / 2 && !/^\d+$/.test(tokens[0]);
}

function findBinaryByte(head: Buffer): number {
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return i;
  }
  return -1;
}
