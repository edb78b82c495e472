import { once } from 'node:events';
import type { CompressionName } from '../encode/parquet/codecs.js';
import type { NumberColumn } from '../encode/parquet/number-column.js';
import type { ColumnSpec } from '../encode/parquet/schema.js';
import type { StringColumn } from '../encode/parquet/string-column.js';
import { ParquetWriter } from '../encode/parquet/writer.js';
import type { AtomicWrite, Storage } from '../storage/types.js';
import type { ColumnValues, NumberValues } from './column-values.js';

export interface WrittenFile {
  readonly key: string;
  readonly bytes: number;
  readonly rows: number;
}

/**
 * One compacted Parquet file being written: rows arrive as typed columns (what the lake's files read back
 * as), in the order they go into the file. It is written through an atomic write, so nothing
 * of it is visible until commit — and even then only its name, which no reader counts before the lake's state
 * says its generation is live.
 */
export class CompactedFileWriter {
  private readonly writer: ParquetWriter;
  private readonly write: AtomicWrite;
  private started = false;
  /** Bytes handed to the file so far (row groups flushed; the current one is not counted until it is). */
  bytes = 0;
  rows = 0;

  constructor(
    dest: Storage,
    readonly key: string,
    columns: readonly ColumnSpec[],
    rowGroupRows: number,
    compression: CompressionName,
  ) {
    this.writer = new ParquetWriter({ columns, rowGroupRows, compression });
    this.write = dest.writeAtomic(key, { contentType: 'application/vnd.apache.parquet' });
  }

  /** Appends rows `order[from..to)` of `columns` (one typed column per leaf, in the writer's order). */
  async append(columns: readonly ColumnValues[], order: Uint32Array, from: number, to: number): Promise<void> {
    const writer = this.writer;
    let next = from;
    while (next < to) {
      const take = Math.min(to - next, writer.capacity - writer.rows);
      const row0 = writer.rows;
      writer.reserve(row0 + take);
      for (let c = 0; c < writer.columns.length; c++) {
        const buffer = writer.columns[c];
        const values = columns[c];
        if (buffer.spec.kind === 'string') {
          if (values.kind !== 'string') throw new Error(`column ${buffer.spec.name} holds numbers, not strings`);
          (buffer as StringColumn).setFromDictionary(row0, values, order, next, take);
        } else {
          if (values.kind !== 'number') throw new Error(`column ${buffer.spec.name} holds strings, not numbers`);
          fillNumbers(buffer as NumberColumn, values, order, next, take, row0);
        }
      }
      writer.rows = row0 + take;
      this.rows += take;
      next += take;
      for (const buffer of writer.columns) {
        if (buffer.spec.kind === 'string') (buffer as StringColumn).considerPlain(writer.rows);
      }
      if (writer.rows === writer.capacity) await this.emit(writer.flushRowGroup());
    }
  }

  /** Finishes the file and makes it exist under its key. */
  async commit(): Promise<WrittenFile> {
    await this.emit(this.writer.finish());
    this.write.stream.end();
    await this.write.commit();
    return { key: this.key, bytes: this.bytes, rows: this.rows };
  }

  async abort(): Promise<void> {
    await this.write.abort();
  }

  private async emit(parts: Uint8Array[]): Promise<void> {
    if (!this.started) {
      parts.unshift(...this.writer.start());
      this.started = true;
    }
    if (parts.length === 0) return;
    const chunk = Buffer.concat(parts);
    this.bytes += chunk.length;
    if (!this.write.stream.write(chunk)) await once(this.write.stream, 'drain');
  }
}

function fillNumbers(
  column: NumberColumn,
  source: NumberValues,
  order: Uint32Array,
  from: number,
  n: number,
  row0: number,
): void {
  const { defined, values } = column;
  const { defined: sourceDefined, values: sourceValues } = source;
  for (let i = 0; i < n; i++) {
    const o = order[from + i];
    defined[row0 + i] = sourceDefined[o];
    values[row0 + i] = sourceValues[o];
  }
}
