import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { EventBatch } from '../decode/types.js';
import { fitsType, scanInt, scanned } from '../formats/values.js';
import { writeParts } from '../util/write-parts.js';
import type { CompressionName } from './parquet/codecs.js';
import type { NumberColumn } from './parquet/number-column.js';
import { columnsFor } from './parquet/schema.js';
import type { StringColumn } from './parquet/string-column.js';
import { ParquetWriter } from './parquet/writer.js';
import type { Encoder, EncoderFactory, EncoderOptions } from './types.js';

export interface ParquetEncoderOptions extends EncoderOptions {
  readonly rowGroupRows?: number;
  /** zstd where the runtime has it (Node ≥ 22.15), else Snappy (see codecs.ts). */
  readonly compression?: CompressionName;
}

/**
 * Parquet output (DESIGN §4): `timestamp` (ms, UTC) then every field under its `_` name, typed as AWS's own
 * Parquet delivery, `-` → null. Lines are parsed straight into column buffers; a row group is encoded and
 * written each time it fills, so memory stays flat whatever the object size.
 */
export const createParquetEncoder: EncoderFactory = (options) => new ParquetEncoder(options);

export class ParquetEncoder implements Encoder {
  private readonly writer: ParquetWriter;
  private readonly out: Writable;
  private readonly fieldCount: number;
  private readonly startIndex: number;
  private readonly stringColumns: (StringColumn | undefined)[];
  private readonly numberColumns: (NumberColumn | undefined)[];
  private readonly int32Field: boolean[];
  private readonly timestampColumn: NumberColumn;
  private started = false;

  constructor(options: ParquetEncoderOptions) {
    const columns = columnsFor(options.format);
    this.writer = new ParquetWriter({
      columns,
      rowGroupRows: options.rowGroupRows,
      compression: options.compression,
    });
    this.out = options.out;
    this.fieldCount = options.format.fields.length;
    this.startIndex = options.format.startIndex;
    const buffers = this.writer.columns;
    this.timestampColumn = buffers[0] as NumberColumn;
    this.stringColumns = buffers.slice(1).map((b) => (b.spec.kind === 'string' ? (b as StringColumn) : undefined));
    this.numberColumns = buffers.slice(1).map((b) => (b.spec.kind === 'string' ? undefined : (b as NumberColumn)));
    this.int32Field = options.format.fields.map((f) => f.type === 'int32');
  }

  async write(batch: EventBatch): Promise<void> {
    const { lines, timestamps } = batch;
    const writer = this.writer;
    let next = 0;
    while (next < lines.length) {
      const take = Math.min(lines.length - next, writer.capacity - writer.rows);
      writer.reserve(writer.rows + take);
      writer.rows = this.fill(lines, timestamps, next, next + take, writer.rows);
      next += take;
      for (const strings of this.stringColumns) strings?.considerPlain(writer.rows);
      if (writer.rows === writer.capacity) await this.emit(writer.flushRowGroup());
    }
  }

  async finish(): Promise<void> {
    await this.emit(this.writer.finish());
    this.out.end();
    await finished(this.out);
  }

  /**
   * Parses lines[from, to) into the column buffers from row `row` on; returns the next free row.
   *
   * Written for V8's optimiser, which compiles this loop while it runs: a `-` or an invalid number takes the
   * same steps as a value (with a flag) rather than a path of its own, and nothing but the return follows the
   * loop. Code that has not run yet when the loop is compiled has no type feedback, and reaching it later
   * throws the compiled code away: with separate paths that cost several recompiles per object.
   */
  private fill(lines: readonly string[], timestamps: readonly number[], from: number, to: number, row: number): number {
    const { fieldCount, startIndex, stringColumns, numberColumns, int32Field } = this;
    const ts = this.timestampColumn;
    for (let r = from; r < to; r++, row++) {
      const line = lines[r];
      let pos = 0;
      let start = Number.NaN;
      for (let c = 0; c < fieldCount; c++) {
        const strings = stringColumns[c];
        if (strings !== undefined) {
          const repeatEnd = strings.setIfRepeated(row, line, pos);
          if (repeatEnd !== -1) {
            pos = repeatEnd + 1;
            continue;
          }
          let end = line.indexOf(' ', pos);
          if (end === -1) end = line.length;
          strings.set(row, line, pos, end);
          pos = end + 1;
        } else {
          const numbers = numberColumns[c] as NumberColumn;
          const v = scanInt(line, pos);
          const ok = !Number.isNaN(v) && (!int32Field[c] || fitsType(v, 'int32'));
          numbers.defined[row] = ok ? 1 : 0;
          numbers.values[row] = ok ? v : 0;
          if (c === startIndex) start = v;
          pos = scanned.end + 1;
        }
      }
      const eventMs = timestamps[r];
      const ms = Number.isNaN(eventMs) ? start * 1000 : eventMs;
      const known = !Number.isNaN(ms);
      ts.defined[row] = known ? 1 : 0;
      ts.values[row] = known ? ms : 0;
    }
    return row;
  }

  /** Writes bytes to `out` as one chunk, waiting for `drain` when it is full. */
  private async emit(parts: Uint8Array[]): Promise<void> {
    if (!this.started) {
      parts.unshift(...this.writer.start());
      this.started = true;
    }
    await writeParts(this.out, parts);
  }
}
