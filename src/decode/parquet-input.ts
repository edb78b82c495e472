import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as zlib from 'node:zlib';
import {
  type ColumnData,
  type Compressors,
  type FileMetaData,
  parquetMetadata,
  parquetRead,
  snappyUncompress,
} from 'hyparquet';
import { FIELD_CATALOG } from '../formats/fields.js';
import { FormatError, parseFormat } from '../formats/format.js';
import { BATCH_ROWS } from './context.js';
import { MAX_PARQUET_GROUP_BYTES, MAX_PARQUET_PAGE_BYTES } from './limits.js';
import { DecodeError, type EventBatch } from './types.js';

/**
 * Input shape C: flow logs delivered straight to S3 as Parquet (columns named with `_`), or a Parquet file
 * written by flowlake. Parquet needs random access (its footer is at the end), so the reader takes the whole
 * object as one Buffer: fine for these inputs, which AWS delivers as small files (a few MB per 5-minute file),
 * but the object is held in memory whole, unlike the streaming text shapes, plus the decoded columns of one
 * row group at a time.
 *
 * Each row becomes a flow-log line again (values space-separated, null → `-`) with the format taken from the
 * column names, so Parquet input goes through the same validation and encoders as every other shape.
 */

const MAGIC = 'PAR1';

/**
 * Decoding a row group leaves hundreds of MB of short-lived values (one JS value per cell, decompressed pages)
 * that V8, seeing gigabytes of room on a large machine, would keep until much later. Above this much heap a
 * full collection runs after each column read, which keeps one object under 300 MiB whatever the file's size
 * (measured at `--concurrency 1`: a 1M-row, 32 MB file peaked at 467 MiB without, 275 MiB with, for 20% more
 * time); below it, nothing is paid.
 */
const HEAP_TO_COLLECT_AT = 64 * 2 ** 20;

const fullCollection: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function collectGarbageAbove(bytes: number): void {
  if (getHeapStatistics().used_heap_size > bytes) fullCollection();
}

export function isParquet(head: Buffer): boolean {
  return head.length >= 4 && head.toString('latin1', 0, 4) === MAGIC;
}

/**
 * Page decompressors (AWS's own Parquet delivery uses GZIP; flowlake writes zstd where Node has it). Each page
 * says how big it is once decompressed; that size is bounded (a hostile page cannot ask for gigabytes) and no
 * codec may produce more than it.
 */
export const PAGE_DECOMPRESSORS: Compressors = {
  GZIP: (input, size) => zlib.gunzipSync(input, { maxOutputLength: pageSize(size) }),
  BROTLI: (input, size) => zlib.brotliDecompressSync(input, { maxOutputLength: pageSize(size) }),
  SNAPPY: (input, size) => {
    const output = new Uint8Array(pageSize(size));
    snappyUncompress(input, output);
    return output;
  },
  // zstd only where the running Node has it (22.15+); Node 20 has no zstd codec.
  ...(typeof (zlib as { zstdDecompressSync?: unknown }).zstdDecompressSync === 'function'
    ? {
        ZSTD: (input: Uint8Array, size: number) =>
          (zlib as unknown as ZstdZlib).zstdDecompressSync(input, { maxOutputLength: pageSize(size) }),
      }
    : {}),
};

function pageSize(size: number): number {
  if (!(size >= 0 && size <= MAX_PARQUET_PAGE_BYTES)) {
    throw new Error(
      `a page of ${size.toLocaleString('en-US')} bytes (more than ${MAX_PARQUET_PAGE_BYTES / 2 ** 20} MiB)`,
    );
  }
  return size;
}

interface ZstdZlib {
  zstdDecompressSync(input: Uint8Array, options: { maxOutputLength: number }): Buffer;
}

/** A column that is the row's event time rather than a flow-log field (flowlake's own Parquet output). */
const TIME_COLUMN = 'timestamp';

export async function* decodeParquet(bytes: Buffer, objectName: string): AsyncGenerator<EventBatch> {
  if (bytes.length < 12 || !isParquet(bytes) || bytes.toString('latin1', bytes.length - 4) !== MAGIC) {
    throw new DecodeError(`${objectName}: not a Parquet file (no PAR1 magic at both ends)`);
  }
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
  let metadata: FileMetaData;
  try {
    metadata = parquetMetadata(file);
  } catch (error) {
    throw new DecodeError(`${objectName}: unreadable Parquet footer: ${(error as Error).message}`);
  }
  const columns = topLevelColumns(metadata, objectName);
  const timeIndex = columns.findIndex((c) => c === TIME_COLUMN && !FIELD_CATALOG.has(c));
  const fieldColumns = columns.filter((_, i) => i !== timeIndex);
  if (fieldColumns.length === 0) throw new DecodeError(`${objectName}: Parquet file has no flow-log columns`);
  let format: ReturnType<typeof parseFormat>;
  try {
    format = parseFormat(fieldColumns.join(' '));
  } catch (error) {
    if (error instanceof FormatError) throw new DecodeError(`${objectName}: ${error.message}`);
    throw error;
  }

  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (Number(group.total_byte_size) > MAX_PARQUET_GROUP_BYTES) {
      throw new DecodeError(
        `${objectName}: Parquet row group at row ${groupStart.toLocaleString('en-US')} holds ${Number(group.total_byte_size).toLocaleString('en-US')} bytes (more than ${MAX_PARQUET_GROUP_BYTES / 2 ** 20} MiB)`,
      );
    }
    // One row group at a time, read column by column (no row objects), handed out in batch-sized slices.
    const data = await readRowGroup(file, columns, groupStart, groupEnd, objectName);
    for (let from = groupStart; from < groupEnd; from += BATCH_ROWS) {
      const to = Math.min(groupEnd, from + BATCH_ROWS);
      const lines: string[] = new Array(to - from);
      const timestamps: number[] = new Array(to - from);
      const tokens: string[] = new Array(fieldColumns.length);
      for (let row = from; row < to; row++) {
        let t = 0;
        for (let c = 0; c < columns.length; c++) if (c !== timeIndex) tokens[t++] = token(data[c].at(row));
        lines[row - from] = tokens.join(' ');
        timestamps[row - from] = timeIndex < 0 ? Number.NaN : epochMs(data[timeIndex].at(row));
      }
      yield { format, formatKey: '', timestamps, lines };
    }
    groupStart = groupEnd;
    collectGarbageAbove(HEAP_TO_COLLECT_AT);
  }
}

/** The values of one column of a row group, as hyparquet hands them out in chunks. */
class ColumnValues {
  private readonly chunks: ColumnData[] = [];
  private current: ColumnData | undefined;

  add(chunk: ColumnData): void {
    this.chunks.push(chunk);
  }

  at(row: number): unknown {
    let chunk = this.current;
    if (chunk === undefined || row < chunk.rowStart || row >= chunk.rowEnd) {
      chunk = this.chunks.find((c) => row >= c.rowStart && row < c.rowEnd);
      this.current = chunk;
    }
    return chunk === undefined ? undefined : chunk.columnData[row - chunk.rowStart];
  }
}

async function readRowGroup(
  file: ArrayBuffer,
  columns: string[],
  rowStart: number,
  rowEnd: number,
  objectName: string,
): Promise<ColumnValues[]> {
  const values = columns.map(() => new ColumnValues());
  try {
    // Column by column, collecting between them: a column's pages are garbage once its values are out.
    for (let c = 0; c < columns.length; c++) {
      await parquetRead({
        file,
        columns: [columns[c]],
        rowStart,
        rowEnd,
        compressors: PAGE_DECOMPRESSORS,
        onChunk: (chunk) => values[c].add(chunk),
      });
      collectGarbageAbove(HEAP_TO_COLLECT_AT);
    }
  } catch (error) {
    throw new DecodeError(`${objectName}: unreadable Parquet data: ${(error as Error).message}`);
  }
  return values;
}

function topLevelColumns(metadata: FileMetaData, objectName: string): string[] {
  const [root, ...elements] = metadata.schema;
  const names: string[] = [];
  let i = 0;
  while (i < elements.length && names.length < (root.num_children ?? 0)) {
    const element = elements[i];
    if (element.num_children)
      throw new DecodeError(`${objectName}: nested Parquet column "${element.name}" is not a flow-log field`);
    names.push(element.name);
    i++;
  }
  return names;
}

/** A value as a flow-log token: null → `-`; values are never empty or spaced in flow logs, `-` stands in. */
function token(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return String(Math.floor(value.getTime() / 1000));
  return String(value);
}

function epochMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  return Number.NaN;
}
