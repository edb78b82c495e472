import { ByteWriter } from './bytes.js';
import { CODEC_IDS, type CompressionName, defaultCompression } from './codecs.js';
import type { ColumnBuffer, EncodedChunk } from './columns.js';
import { NumberColumn } from './number-column.js';
import { type ColumnSpec, Encoding, PageType, physicalType, schemaElements } from './schema.js';
import { StringColumn } from './string-column.js';
import { encodeThrift, type ThriftStruct } from './thrift.js';

export interface ParquetWriterOptions {
  readonly columns: readonly ColumnSpec[];
  /** Rows per row group: memory stays bounded by one group's typed arrays and its encoded pages. */
  readonly rowGroupRows?: number;
  readonly compression?: CompressionName;
}

export const DEFAULT_ROW_GROUP_ROWS = 131_072;
/** Rows the column arrays start with; they double as rows arrive, up to the row group's size. */
const INITIAL_ROWS = 1024;
const MAGIC = new TextEncoder().encode('PAR1');
const CREATED_BY = 'flowlake';

/**
 * Column-by-column Parquet writer (format version 1 pages, optional leaf columns). The caller fills the column
 * buffers row by row (`rows` counts them), calls `flushRowGroup()` when `rows === capacity` and `footer()` last;
 * each returns the bytes to append to the file, so the caller owns I/O and backpressure.
 */
export class ParquetWriter {
  readonly columns: ColumnBuffer[];
  readonly capacity: number;
  readonly compression: CompressionName;
  /** Rows buffered in the current row group. */
  rows = 0;
  /** Rows the column arrays have room for now (grows up to `capacity`). */
  private allocated: number;
  /** Bytes of the file so far, counting the leading magic that `start()` returns. */
  private offset = MAGIC.length;
  private totalRows = 0;
  private readonly rowGroups: ThriftStruct[] = [];

  constructor(options: ParquetWriterOptions) {
    this.capacity = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
    this.compression = options.compression ?? defaultCompression();
    this.allocated = Math.min(this.capacity, INITIAL_ROWS);
    this.columns = options.columns.map((spec) =>
      spec.kind === 'string' ? new StringColumn(spec, this.allocated) : new NumberColumn(spec, this.allocated),
    );
  }

  /** Makes room for rows [0, rows) of the current row group (at most `capacity`) in every column. */
  reserve(rows: number): void {
    if (rows <= this.allocated) return;
    let size = this.allocated * 2;
    while (size < rows) size *= 2;
    this.allocated = Math.min(this.capacity, size);
    for (const column of this.columns) column.grow(this.allocated);
  }

  /** The file's first bytes. */
  start(): Uint8Array[] {
    return [MAGIC];
  }

  /** Encodes the buffered rows as one row group and returns its bytes (nothing when no rows are buffered). */
  flushRowGroup(): Uint8Array[] {
    const rows = this.rows;
    if (rows === 0) return [];
    const group = new RowGroupBuilder(this.offset, this.compression);
    for (const column of this.columns) {
      group.add(column.encode(rows, this.compression), physicalType(column.spec.kind), [column.spec.name], rows);
      column.reset();
    }
    this.rowGroups.push(group.struct(rows, this.rowGroups.length));
    this.offset = group.end;
    this.totalRows += rows;
    this.rows = 0;
    return group.parts;
  }

  /** Flushes what is buffered and returns the remaining bytes: last row group, footer, length, magic. */
  finish(): Uint8Array[] {
    const parts = this.flushRowGroup();
    const specs = this.columns.map((c) => c.spec);
    parts.push(...fileFooter(schemaElements(specs), this.totalRows, this.rowGroups, specs.length));
    return parts;
  }
}

/** One row group in the making: its column chunks' bytes, appended from file offset `start` on, and their entries. */
export class RowGroupBuilder {
  readonly parts: Uint8Array[] = [];
  private readonly chunks: ThriftStruct[] = [];
  private uncompressedTotal = 0;
  /** The file offset after the chunks added so far. */
  end: number;

  constructor(
    private readonly start: number,
    private readonly compression: CompressionName,
  ) {
    this.end = start;
  }

  /** Appends a column chunk; `values` counts its level entries (rows, for a flat column). */
  add(chunk: EncodedChunk, physical: number, path: readonly string[], values: number): void {
    const start = this.end;
    let compressed = 0;
    let uncompressed = 0;
    for (const page of chunk.pages) {
      this.parts.push(...page.bytes);
      compressed += page.compressedSize;
      uncompressed += page.uncompressedSize;
    }
    this.end += compressed;
    this.uncompressedTotal += uncompressed;
    const dataPageOffset = chunk.hasDictionary ? start + chunk.pages[0].compressedSize : start;
    this.chunks.push(
      columnChunk(physical, path, chunk, values, this.compression, { start, dataPageOffset, compressed, uncompressed }),
    );
  }

  /** The footer's RowGroup entry. */
  struct(rows: number, ordinal: number): ThriftStruct {
    return [
      [1, { list: { struct: this.chunks } }],
      [2, { i64: this.uncompressedTotal }],
      [3, { i64: rows }],
      [5, { i64: this.start }],
      [6, { i64: this.end - this.start }],
      [7, { i32: ordinal }],
    ];
  }
}

/** The end of a file: its FileMetaData, the metadata's length and the closing magic. */
export function fileFooter(
  schema: readonly ThriftStruct[],
  rows: number,
  rowGroups: readonly ThriftStruct[],
  leaves: number,
): Uint8Array[] {
  const meta = encodeThrift([
    [1, { i32: 1 }],
    [2, { list: { struct: schema } }],
    [3, { i64: rows }],
    [4, { list: { struct: rowGroups } }],
    [6, { binary: CREATED_BY }],
    // column_orders: TypeDefinedOrder for every leaf, so readers trust min_value/max_value of strings.
    [7, { list: { struct: Array.from({ length: leaves }, (): ThriftStruct => [[1, { struct: [] }]]) } }],
  ]);
  const tail = new ByteWriter(8);
  tail.int32(meta.length);
  tail.bytes(MAGIC);
  return [meta.written(), tail.written()];
}

function encodingStats(chunk: EncodedChunk): ThriftStruct[] {
  const dataPages = chunk.pages.length - (chunk.hasDictionary ? 1 : 0);
  const stats: ThriftStruct[] = [];
  if (chunk.hasDictionary) stats.push(pageStats(PageType.DICTIONARY_PAGE, Encoding.PLAIN, 1));
  stats.push(pageStats(PageType.DATA_PAGE, chunk.dataEncoding, dataPages));
  return stats;
}

function pageStats(type: number, encoding: number, count: number): ThriftStruct {
  return [
    [1, { i32: type }],
    [2, { i32: encoding }],
    [3, { i32: count }],
  ];
}

interface ChunkPlacement {
  readonly start: number;
  readonly dataPageOffset: number;
  readonly compressed: number;
  readonly uncompressed: number;
}

/** The footer's ColumnChunk of one leaf: `values` counts its level entries (rows, for a flat column). */
export function columnChunk(
  physical: number,
  path: readonly string[],
  chunk: EncodedChunk,
  values: number,
  compression: CompressionName,
  at: ChunkPlacement,
): ThriftStruct {
  const statistics: ThriftStruct = [
    [3, { i64: chunk.nullCount }],
    [5, chunk.max && { binary: chunk.max }],
    [6, chunk.min && { binary: chunk.min }],
  ];
  const metaData: ThriftStruct = [
    [1, { i32: physical }],
    [2, { list: { i32: chunk.encodings } }],
    [3, { list: { binary: [...path] } }],
    [4, { i32: CODEC_IDS[compression] }],
    [5, { i64: values }],
    [6, { i64: at.uncompressed }],
    [7, { i64: at.compressed }],
    [9, { i64: at.dataPageOffset }],
    [11, chunk.hasDictionary ? { i64: at.start } : undefined],
    [12, { struct: statistics }],
    // encoding_stats: with them Trino knows every data page is dictionary-encoded and prunes row groups by
    // the dictionary (ParquetReaderUtils.isOnlyDictionaryEncodingPages); without them it never does.
    [13, { list: { struct: encodingStats(chunk) } }],
  ];
  return [
    [2, { i64: at.start }],
    [3, { struct: metaData }],
  ];
}
