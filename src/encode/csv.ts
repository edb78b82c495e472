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
export const CSV_GZIP_LEVEL = 4;

/** Rows are assembled as bytes in blocks this big and handed to zlib whole: one small write per row is ~8× slower. */
const BLOCK_BYTES = 1 << 20;

const SPACE = 0x20;
const COMMA = 0x2c;

/** First bytes that make a spreadsheet run a cell as a formula (OWASP CSV injection). */
const FORMULA_START = new Set([0x3d /* = */, 0x2b /* + */, 0x2d /* - */, 0x40 /* @ */, 0x09, 0x0d]);
/** Bytes that need RFC 4180 quoting anywhere in a value (tab too, as it is a formula starter). */
const NEEDS_QUOTING = new Set([COMMA, 0x22 /* " */, 0x0a, 0x0d, 0x09]);

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
  let lastTime = Number.NaN;
  let lastIso = Buffer.alloc(0);

  pos += block.write(`${csvHeader(format)}\n`, pos, 'utf8');

  async function flush(): Promise<void> {
    if (pos === 0) return;
    const full = block.subarray(0, pos);
    block = Buffer.allocUnsafe(BLOCK_BYTES);
    pos = 0;
    if (!gzip.write(full)) await once(gzip, 'drain');
  }

  function writeTime(ms: number): void {
    if (Number.isNaN(ms)) return; // no time known: empty cell
    if (ms !== lastTime) {
      lastTime = ms;
      lastIso = Buffer.from(new Date(ms).toISOString(), 'latin1');
    }
    lastIso.copy(block, pos);
    pos += lastIso.length;
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
    if (valueStart) {
      valueStart = false;
      // A lone "-" means "no value" and stays as it is.
      if (FORMULA_START.has(b) && !(b === 0x2d && (p + 1 === end || block[p + 1] === SPACE))) return false;
    }
    if (NEEDS_QUOTING.has(b)) return false;
  }
  return true;
}

/** One value as an RFC 4180 cell, with formula starters neutralised by a leading apostrophe (OWASP). */
export function csvValue(value: string): string {
  let v = value;
  if (v.length > 1 && FORMULA_START.has(v.charCodeAt(0)) && !/^-\d+(\.\d+)?$/.test(v)) v = `'${v}`;
  else if (v.length === 1 && v !== '-' && FORMULA_START.has(v.charCodeAt(0))) v = `'${v}`;
  if (/[",\n\r\t]/.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}
