import { constants } from 'node:zlib';
import type { EventBatch } from '../decode/types.js';
import type { FlowFormat } from '../formats/format.js';
import { GzipBlocks } from './gzip-blocks.js';
import { IsoTimeWriter } from './iso-time.js';
import { rowTimeMs } from './row-time.js';
import type { Encoder, EncoderOptions } from './types.js';

/**
 * gzip settings for CSV, chosen by measurement (README, "Choosing the gzip level"): level 5 with the
 * Z_FILTERED strategy (Huffman coding favoured over short matches, which suits columns of digits) is ~1.3× as
 * fast as level 6 and as small as `gzip -6` on flow logs; level 4 was 5–25% larger, outside the 10% budget.
 */
export const CSV_GZIP_LEVEL = 5;
export const CSV_GZIP_STRATEGY = constants.Z_FILTERED;

const SPACE = 0x20;
const COMMA = 0x2c;

/** Byte classes for the per-byte scan: one table lookup instead of several comparisons. */
const FORMULA_START = 1; // = + - @ tab CR: a spreadsheet may run a cell starting with these (OWASP CSV injection)
const NEEDS_QUOTING = 2; // , " LF CR tab: RFC 4180 quoting (tab too, as it is a formula starter)
const BYTE_CLASS = new Uint8Array(256);
for (const ch of '=+-@\t\r') BYTE_CLASS[ch.charCodeAt(0)] |= FORMULA_START;
for (const ch of ',"\n\r\t') BYTE_CLASS[ch.charCodeAt(0)] |= NEEDS_QUOTING;
const DASH = 0x2d;

export function csvHeader(format: FlowFormat): string {
  return ['timestamp', ...format.fields.map((f) => f.name)].join(',');
}

/** Writes `timestamp,<fields…>` rows as CSV.gz: the flow-log line's bytes with spaces turned into commas in place. */
export function createCsvEncoder({ format, out }: EncoderOptions): Encoder {
  const sink = new GzipBlocks(out, { level: CSV_GZIP_LEVEL, strategy: CSV_GZIP_STRATEGY });
  const times = new IsoTimeWriter();
  sink.pos += sink.block.write(`${csvHeader(format)}\n`, sink.pos, 'utf8');

  return {
    async write(batch: EventBatch): Promise<void> {
      const { lines, timestamps } = batch;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        // Worst case: 3 bytes per UTF-16 unit, the ISO time, the quotes and a formula guard per value.
        await sink.reserve(line.length * 4 + 64);
        const block = sink.block;
        const rowStart = sink.pos;
        const time = rowTime(format, timestamps[i], line);
        let pos = times.write(time, block, rowStart);
        block[pos++] = COMMA;
        const valueStart = pos;
        const end = valueStart + block.write(line, valueStart, 'utf8');
        if (spacesToCommas(block, valueStart, end)) {
          pos = end;
        } else {
          // Rare: a value needs quoting or formula neutralising; build that row as text instead.
          pos = times.write(time, block, rowStart);
          block[pos++] = COMMA;
          pos += block.write(line.split(' ').map(csvValue).join(','), pos, 'utf8');
        }
        block[pos++] = 0x0a;
        sink.pos = pos;
      }
    },
    finish: () => sink.finish(),
  };
}

function rowTime(format: FlowFormat, timestamp: number, line: string): number {
  return Number.isNaN(timestamp) ? rowTimeMs(format, line) : timestamp;
}

/**
 * Turns the spaces between values into commas, in place. Returns false (leaving the bytes half-done) when a
 * value needs quoting or neutralising, so the caller takes the slow path for this row.
 */
function spacesToCommas(block: Buffer, start: number, end: number): boolean {
  let valueStart = true;
  for (let p = start; p < end; p++) {
    const b = block[p];
    if (b === SPACE) {
      block[p] = COMMA;
      valueStart = true;
      continue;
    }
    const cls = BYTE_CLASS[b];
    if (cls === 0) {
      valueStart = false;
      continue;
    }
    if (cls & NEEDS_QUOTING) return false;
    // A lone "-" means "no value" and stays as it is.
    if (valueStart && !(b === DASH && (p + 1 === end || block[p + 1] === SPACE))) return false;
    valueStart = false;
  }
  return true;
}

/** One value as an RFC 4180 cell, with formula starters neutralised by a leading apostrophe (OWASP). */
export function csvValue(value: string): string {
  let v = value;
  const startsFormula = (BYTE_CLASS[v.charCodeAt(0)] & FORMULA_START) !== 0;
  if (startsFormula && v !== '-' && !/^-\d+(\.\d+)?$/.test(v)) v = `'${v}`;
  if (/[",\n\r\t]/.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}
