import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';
import type { EventBatch } from '../decode/types.js';
import type { FlowFormat } from '../formats/format.js';
import { rowTimeMs } from './row-time.js';
import type { Encoder, EncoderOptions } from './types.js';

/**
 * gzip level for CSV: chosen by measurement (see README, "gzip level") as the fastest level whose output
 * stays within 10% of `gzip -6`.
 */
export const CSV_GZIP_LEVEL = 5;

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
  const gzip: Gzip = createGzip({
    level: CSV_GZIP_LEVEL,
    chunkSize: 256 * 1024,
    strategy: constants.Z_DEFAULT_STRATEGY,
  });
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
 * Writes ISO-8601 UTC times with milliseconds as bytes. Consecutive events share their second, so the
 * `YYYY-MM-DDTHH:MM:SS.` part is formatted once per second and only the milliseconds are written per row.
 */
class IsoTimeWriter {
  private second = Number.NaN;
  private readonly prefix = Buffer.alloc(20);

  write(ms: number, block: Buffer, pos: number): number {
    if (Number.isNaN(ms)) return pos; // no time known: empty cell
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      if (!Number.isInteger(ms) || ms < 0 || ms >= 253402300800000) {
        // Fractions, and years outside 0000–9999 (the ISO form changes length): rare enough to format whole.
        return pos + block.write(new Date(ms).toISOString(), pos, 'latin1');
      }
      this.second = second;
      this.prefix.write(new Date(second * 1000).toISOString().slice(0, 20), 0, 'latin1');
    }
    this.prefix.copy(block, pos);
    const millis = ms - second * 1000;
    block[pos + 20] = 0x30 + Math.floor(millis / 100);
    block[pos + 21] = 0x30 + (Math.floor(millis / 10) % 10);
    block[pos + 22] = 0x30 + (millis % 10);
    block[pos + 23] = 0x5a; // Z
    return pos + 24;
  }
}
