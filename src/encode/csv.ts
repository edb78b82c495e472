import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';
import type { EventBatch } from '../decode/types.js';
import type { FlowFormat } from '../formats/format.js';
import { rowTimeMs } from './row-time.js';
import type { Encoder, EncoderOptions } from './types.js';

/**
 * gzip settings for CSV, chosen by measurement (README, "Choosing the gzip level"): level 5 with the
 * Z_FILTERED strategy (Huffman coding favoured over short matches, which suits columns of digits) is ~1.3× as
 * fast as level 6 and as small as `gzip -6` on flow logs; level 4 was 5–25% larger, outside the 10% budget.
 */
export const CSV_GZIP_LEVEL = 5;
export const CSV_GZIP_STRATEGY = constants.Z_FILTERED;

/** Rows are assembled as bytes in blocks this big and handed to zlib whole: one small write per row is ~8× slower. */
const BLOCK_BYTES = 1 << 20;

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
  const gzip: Gzip = createGzip({ level: CSV_GZIP_LEVEL, strategy: CSV_GZIP_STRATEGY, chunkSize: 256 * 1024 });
  gzip.pipe(out);
  const done = finished(out);
  done.catch(() => {}); // observed in finish(); avoids an unhandled rejection when an error comes first
  let block = Buffer.allocUnsafe(BLOCK_BYTES);
  let pos = 0;
  const times = new IsoTimeWriter();

  pos += block.write(`${csvHeader(format)}\n`, pos, 'utf8');

  async function flush(): Promise<void> {
    if (pos === 0) return;
    const full = block.subarray(0, pos);
    block = Buffer.allocUnsafe(BLOCK_BYTES);
    pos = 0;
    if (!gzip.write(full)) await once(gzip, 'drain');
  }

  function writeTime(ms: number): void {
    pos = times.write(ms, block, pos);
  }

  return {
    async write(batch: EventBatch): Promise<void> {
      const { lines, timestamps } = batch;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i];
        // Worst case: 3 bytes per UTF-16 unit, the ISO time, the quotes and a formula guard per value.
        if (pos + line.length * 4 + 64 > block.length) {
          await flush();
          if (line.length * 4 + 64 > block.length) block = Buffer.allocUnsafe(line.length * 4 + 64);
        }
        const rowStart = pos;
        writeTime(rowTime(batch.format, timestamps[i], line));
        block[pos++] = COMMA;
        const valueStart = pos;
        const end = valueStart + block.write(line, valueStart, 'utf8');
        if (spacesToCommas(block, valueStart, end)) {
          pos = end;
        } else {
          // Rare: a value needs quoting or formula neutralising; build that row as text instead.
          pos = rowStart;
          writeTime(rowTime(batch.format, timestamps[i], line));
          block[pos++] = COMMA;
          pos += block.write(line.split(' ').map(csvValue).join(','), pos, 'utf8');
        }
        block[pos++] = 0x0a;
      }
    },
    async finish(): Promise<void> {
      await flush();
      gzip.end();
      await done;
    },
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

/**
 * Writes ISO-8601 UTC times with milliseconds as bytes. The `YYYY-MM-DDT` part is formatted once per day; the
 * time of day is written digit by digit, so no Date or string is made per row.
 */
class IsoTimeWriter {
  private day = Number.NaN;
  private readonly dayPrefix = Buffer.alloc(11);

  write(ms: number, block: Buffer, pos: number): number {
    if (Number.isNaN(ms)) return pos; // no time known: empty cell
    if (!Number.isInteger(ms) || ms < 0 || ms >= MAX_FOUR_DIGIT_YEAR_MS) {
      // Fractions, and years outside 0000–9999 (the ISO form changes length): rare enough to format whole.
      return pos + block.write(new Date(ms).toISOString(), pos, 'latin1');
    }
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayPrefix.write(new Date(day * DAY_MS).toISOString().slice(0, 11), 0, 'latin1');
    }
    this.dayPrefix.copy(block, pos);
    let rest = ms - day * DAY_MS;
    const millis = rest % 1000;
    rest = (rest - millis) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    const minutes = rest % 60;
    const hours = (rest - minutes) / 60;
    pos = twoDigits(block, pos + 11, hours);
    block[pos++] = 0x3a; // :
    pos = twoDigits(block, pos, minutes);
    block[pos++] = 0x3a;
    pos = twoDigits(block, pos, seconds);
    block[pos++] = 0x2e; // .
    block[pos++] = 0x30 + Math.floor(millis / 100);
    block[pos++] = 0x30 + (Math.floor(millis / 10) % 10);
    block[pos++] = 0x30 + (millis % 10);
    block[pos++] = 0x5a; // Z
    return pos;
  }
}

const DAY_MS = 86_400_000;
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000; // 10000-01-01T00:00:00Z

function twoDigits(block: Buffer, pos: number, value: number): number {
  block[pos] = 0x30 + Math.floor(value / 10);
  block[pos + 1] = 0x30 + (value % 10);
  return pos + 2;
}
