import {
  type AsyncBuffer,
  type ColumnChunk,
  type ColumnData,
  type FileMetaData,
  parquetMetadata,
  parquetRead,
} from 'hyparquet';
import { PAGE_DECOMPRESSORS } from '../decode/parquet-input.js';
import { type ColumnSpec, columnsFor } from '../encode/parquet/schema.js';
import { type FlowFormat, parseFormat } from '../formats/format.js';
import type { Storage } from '../storage/types.js';
import { type ChunkLayout, decodeColumnChunk, UnsupportedPageError } from './column-chunk.js';
import { type ColumnValues, columnFromValues } from './column-values.js';

/**
 * Reading the lake's own Parquet files back, for compaction: the footer first (one ranged read), then the
 * rows one row group at a time (one ranged read each), decoded column by column (column-chunk.ts). Only files
 * flowlake wrote, in the schema convert writes for their format, are taken: anything else is named and
 * refused rather than guessed at.
 */

/** A file that is not one of the lake's: another writer's, or another schema. Compaction changes nothing. */
export class ForeignFileError extends Error {
  override readonly name = 'ForeignFileError';
}

/** A file of the lake that cannot be read (truncated, corrupt): its day is left as it is. */
export class CorruptFileError extends Error {
  override readonly name = 'CorruptFileError';
}

/** What compaction needs to know about a file before reading its rows. */
export interface LakeFileSummary {
  readonly key: string;
  readonly size: number;
  readonly rows: number;
  /** The flow-log format its columns spell (every file of one signature shares one schema). */
  readonly format: FlowFormat;
  readonly signature: string;
}

/** Footers bigger than this are not a lake file's (ours are kilobytes: one entry per column per row group). */
const MAX_FOOTER_BYTES = 16 * 2 ** 20;
/** Read with the footer's length: most of our footers fit, so one request reads both. */
const FOOTER_PROBE_BYTES = 64 * 1024;
/** A row group's bytes are read at once; more than this is not a group flowlake writes. */
export const MAX_ROW_GROUP_BYTES = 512 * 2 ** 20;
/** Rows of a row group at most: flowlake writes ~100k–1M; its columns are allocated for the footer's count. */
export const MAX_ROW_GROUP_ROWS = 16 * 2 ** 20;
const CREATED_BY = 'flowlake';
const MAGIC = 0x31524150; // "PAR1" little-endian

export async function readFooter(dest: Storage, key: string, size: number): Promise<FileMetaData> {
  const where = `${dest.root}/${key}`;
  if (size < 12) throw new CorruptFileError(`${where}: ${size} bytes is too short for a Parquet file`);
  const probeStart = Math.max(0, size - FOOTER_PROBE_BYTES);
  let tail = await dest.readRange(key, probeStart, size);
  if (tail.length !== size - probeStart) throw new CorruptFileError(`${where}: shorter than listed (truncated?)`);
  if (tail.readUInt32LE(tail.length - 4) !== MAGIC) {
    throw new CorruptFileError(`${where}: no PAR1 magic at its end (truncated or not Parquet)`);
  }
  const footerLength = tail.readUInt32LE(tail.length - 8);
  if (footerLength > MAX_FOOTER_BYTES || footerLength + 12 > size) {
    throw new CorruptFileError(`${where}: a footer of ${footerLength} bytes does not fit the file`);
  }
  if (footerLength + 8 > tail.length) tail = await dest.readRange(key, size - footerLength - 8, size);
  try {
    return parquetMetadata(toArrayBuffer(tail));
  } catch (err) {
    throw new CorruptFileError(`${where}: unreadable Parquet footer: ${(err as Error).message}`);
  }
}

/**
 * The file's format and signature when it holds what convert writes: created by flowlake, flat optional
 * columns `timestamp` then the format's fields, with the physical types convert gives them.
 */
export function summarize(where: string, key: string, size: number, metadata: FileMetaData): LakeFileSummary {
  const createdBy = metadata.created_by ?? '';
  if (!createdBy.startsWith(CREATED_BY)) {
    throw new ForeignFileError(`${where}: written by "${createdBy || 'an unnamed writer'}", not by flowlake`);
  }
  const [root, ...leaves] = metadata.schema;
  if (leaves.some((leaf) => leaf.num_children) || (root.num_children ?? 0) !== leaves.length) {
    throw new ForeignFileError(`${where}: nested columns, not a flow-log table`);
  }
  const names = leaves.map((leaf) => leaf.name);
  const signature = names.join(' ');
  const known = checkedSignatures.get(signature);
  if (known && sameTypes(known.leaves, leaves))
    return { key, size, rows: Number(metadata.num_rows), format: known.format, signature };
  if (names[0] !== 'timestamp' || names.length < 2) {
    throw new ForeignFileError(`${where}: columns (${names.join(', ')}) do not start with timestamp`);
  }
  let format: FlowFormat;
  try {
    format = parseFormat(names.slice(1).join(' '));
  } catch (err) {
    throw new ForeignFileError(`${where}: columns are not a flow-log format: ${(err as Error).message}`);
  }
  const expected = columnsFor(format);
  for (let i = 0; i < expected.length; i++) {
    const leaf = leaves[i];
    const want = expected[i];
    if (leaf.name !== want.name || !typeMatches(want, leaf.type, leaf.converted_type)) {
      throw new ForeignFileError(
        `${where}: column ${leaf.name} is ${leaf.type}${leaf.converted_type ? ` (${leaf.converted_type})` : ''}, not the ${want.kind} convert writes`,
      );
    }
  }
  // A lake holds thousands of files of one schema: they share one parsed format (and one check).
  if (checkedSignatures.size < MAX_CHECKED_SIGNATURES) checkedSignatures.set(signature, { format, leaves });
  return { key, size, rows: Number(metadata.num_rows), format, signature };
}

const MAX_CHECKED_SIGNATURES = 64;
const checkedSignatures = new Map<string, { format: FlowFormat; leaves: FileMetaData['schema'] }>();

function sameTypes(a: FileMetaData['schema'], b: FileMetaData['schema']): boolean {
  return (
    a.length === b.length &&
    a.every((leaf, i) => leaf.type === b[i].type && leaf.converted_type === b[i].converted_type && !b[i].num_children)
  );
}

function typeMatches(spec: ColumnSpec, type: string | undefined, converted: string | undefined): boolean {
  if (spec.kind === 'string') return type === 'BYTE_ARRAY' && converted === 'UTF8';
  if (spec.kind === 'timestamp') return type === 'INT64' && converted === 'TIMESTAMP_MILLIS';
  return type === (spec.kind === 'int32' ? 'INT32' : 'INT64') && converted === undefined;
}

/** The rows of one row group: one typed column per leaf. */
export interface RowGroupValues {
  readonly rows: number;
  readonly columns: ColumnValues[];
}

/** Files up to this size are read whole, in one request (a recent file of the lake is a few hundred KB). */
const WHOLE_FILE_BYTES = 8 * 2 ** 20;

/**
 * One lake file open for reading its rows, a row group at a time: small files are read whole at once (one
 * request), big ones (compacted days) by their footer and then one ranged read per row group, so memory holds
 * one row group of them at a time.
 */
export class LakeFileReader {
  private constructor(
    private readonly dest: Storage,
    readonly key: string,
    readonly size: number,
    readonly metadata: FileMetaData,
    private readonly whole: Buffer | undefined,
  ) {}

  static async open(dest: Storage, key: string, size: number): Promise<LakeFileReader> {
    const where = `${dest.root}/${key}`;
    if (size > WHOLE_FILE_BYTES)
      return new LakeFileReader(dest, key, size, await readFooter(dest, key, size), undefined);
    const bytes = await dest.readRange(key, 0, size);
    if (bytes.length !== size) throw new CorruptFileError(`${where}: shorter than listed (truncated?)`);
    if (size < 12 || bytes.readUInt32LE(size - 4) !== MAGIC || bytes.readUInt32LE(0) !== MAGIC) {
      throw new CorruptFileError(`${where}: no PAR1 magic at both ends (truncated or not Parquet)`);
    }
    let metadata: FileMetaData;
    try {
      metadata = parquetMetadata(toArrayBuffer(bytes));
    } catch (err) {
      throw new CorruptFileError(`${where}: unreadable Parquet footer: ${(err as Error).message}`);
    }
    return new LakeFileReader(dest, key, size, metadata, bytes);
  }

  get groupCount(): number {
    return this.metadata.row_groups.length;
  }

  /** Row group `index`: one typed column per leaf (column-values.ts). */
  async readGroup(index: number): Promise<RowGroupValues> {
    const where = `${this.dest.root}/${this.key}`;
    const metadata = this.metadata;
    const group = metadata.row_groups[index];
    const rows = Number(group.num_rows);
    if (!(Number.isSafeInteger(rows) && rows >= 0 && rows <= MAX_ROW_GROUP_ROWS)) {
      throw new CorruptFileError(`${where}: row group ${index} claims ${group.num_rows} rows`);
    }
    let bytes: Buffer;
    let offset: number;
    if (this.whole) {
      bytes = this.whole;
      offset = 0;
    } else {
      const [start, end] = groupBytes(metadata, index, where);
      bytes = await this.dest.readRange(this.key, start, end);
      if (bytes.length !== end - start) {
        throw new CorruptFileError(`${where}: shorter than its footer says (truncated?)`);
      }
      offset = start;
    }
    try {
      return {
        rows,
        columns: group.columns.map((chunk) => decodeColumnChunk(bytes, chunkLayout(chunk, rows, offset))),
      };
    } catch (err) {
      if (!(err instanceof UnsupportedPageError)) {
        throw new CorruptFileError(
          `${where}: unreadable Parquet data in row group ${index}: ${(err as Error).message}`,
        );
      }
    }
    // Pages of a shape the lake's own reader does not take (an older writer's): the general reader.
    return this.readGroupGenerally(index, bytes, offset, rows);
  }

  private async readGroupGenerally(
    index: number,
    bytes: Buffer,
    offset: number,
    rows: number,
  ): Promise<RowGroupValues> {
    const where = `${this.dest.root}/${this.key}`;
    const metadata = this.metadata;
    let rowStart = 0;
    for (let g = 0; g < index; g++) rowStart += Number(metadata.row_groups[g].num_rows);
    const file = rangeBuffer(bytes, offset, this.size);
    const values = metadata.schema.slice(1).map(() => new Array<unknown>(rows).fill(null));
    try {
      await parquetRead({
        file,
        metadata,
        rowStart,
        rowEnd: rowStart + rows,
        compressors: PAGE_DECOMPRESSORS,
        parsers: { timestampFromMilliseconds: Number },
        onChunk: (chunk: ColumnData) => place(values, metadata, chunk, rowStart, rows),
      });
    } catch (err) {
      throw new CorruptFileError(`${where}: unreadable Parquet data in row group ${index}: ${(err as Error).message}`);
    }
    const leaves = metadata.schema.slice(1);
    return {
      rows,
      columns: values.map((data, c) =>
        columnFromValues(leaves[c].type === 'BYTE_ARRAY' ? 'string' : 'number', data, rows),
      ),
    };
  }
}

function chunkLayout(chunk: ColumnChunk, rows: number, offset: number): ChunkLayout {
  const meta = chunk.meta_data;
  if (!meta) throw new Error('a column chunk without metadata');
  return {
    offset: Number(meta.dictionary_page_offset || meta.data_page_offset) - offset,
    length: Number(meta.total_compressed_size),
    rows,
    physicalType: meta.type,
    codec: meta.codec,
  };
}

/** The bytes hyparquet reads for a row group: from each chunk's first page, total_compressed_size long. */
function groupBytes(metadata: FileMetaData, index: number, where: string): [number, number] {
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const chunk of metadata.row_groups[index].columns) {
    const meta = chunk.meta_data;
    if (!meta) throw new CorruptFileError(`${where}: a column chunk without metadata`);
    const first = Number(meta.dictionary_page_offset || meta.data_page_offset);
    start = Math.min(start, first);
    end = Math.max(end, first + Number(meta.total_compressed_size));
  }
  if (!(end > start) || end - start > MAX_ROW_GROUP_BYTES) {
    throw new CorruptFileError(`${where}: row group ${index} spans bytes ${start}–${end}`);
  }
  return [start, end];
}

const columnIndexCache = new WeakMap<FileMetaData, Map<string, number>>();

function place(columns: unknown[][], metadata: FileMetaData, chunk: ColumnData, rowStart: number, rows: number): void {
  let indexes = columnIndexCache.get(metadata);
  if (!indexes) {
    indexes = new Map(metadata.schema.slice(1).map((leaf, i) => [leaf.name, i]));
    columnIndexCache.set(metadata, indexes);
  }
  const c = indexes.get(chunk.columnName);
  if (c === undefined) return;
  const target = columns[c];
  const data = chunk.columnData;
  const from = Math.max(0, rowStart - chunk.rowStart);
  const to = Math.min(data.length, rowStart + rows - chunk.rowStart);
  for (let i = from; i < to; i++) {
    const v = data[i];
    target[chunk.rowStart + i - rowStart] = typeof v === 'bigint' ? Number(v) : (v ?? null);
  }
}

/** An AsyncBuffer over bytes read from `offset` on: hyparquet slices the column chunks out of it. */
function rangeBuffer(bytes: Buffer, offset: number, byteLength: number): AsyncBuffer {
  return {
    byteLength,
    slice(start: number, end?: number): ArrayBuffer {
      const from = start - offset;
      const to = (end ?? byteLength) - offset;
      if (from < 0 || to > bytes.length) throw new Error(`bytes ${start}–${end} are outside the row group read`);
      return toArrayBuffer(bytes.subarray(from, to));
    },
  };
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}
