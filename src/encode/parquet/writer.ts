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
    const parts: Uint8Array[] = [];
    const chunks: ThriftStruct[] = [];
    const groupStart = this.offset;
    let uncompressedTotal = 0;
    for (const column of this.columns) {
      const chunk = column.encode(rows, this.compression);
      const start = this.offset;
      let compressed = 0;
      let uncompressed = 0;
      for (const page of chunk.pages) {
        parts.push(...page.bytes);
        compressed += page.compressedSize;
        uncompressed += page.uncompressedSize;
      }
      this.offset += compressed;
      uncompressedTotal += uncompressed;
      const dataPageOffset = chunk.hasDictionary ? start + chunk.pages[0].compressedSize : start;
      chunks.push(
        columnChunk(physicalType(column.spec.kind), [column.spec.name], chunk, rows, this.compression, {
          start,
          dataPageOffset,
          compressed,
          uncompressed,
        }),
      );
      column.reset();
    }
    this.rowGroups.push([
      [1, { list: { struct: chunks } }],
      [2, { i64: uncompressedTotal }],
      [3, { i64: rows }],
      [5, { i64: groupStart }],
      [6, { i64: this.offset - groupStart }],
      [7, { i32: this.rowGroups.length }],
    ]);
    this.totalRows += rows;
    this.rows = 0;
    return parts;
  }

  /** Flushes what is buffered and returns the remaining bytes: last row group, footer, length, magic. */
  finish(): Uint8Array[] {
    const parts = this.flushRowGroup();
    const specs = this.columns.map((c) => c.spec);
    const meta = encodeThrift([
      [1, { i32: 1 }],
      [2, { list: { struct: schemaElements(specs) } }],
      [3, { i64: this.totalRows }],
      [4, { list: { struct: this.rowGroups } }],
      [6, { binary: CREATED_BY }],
      // column_orders: TypeDefinedOrder for every leaf, so readers trust min_value/max_value of strings.
      [7, { list: { struct: specs.map((): ThriftStruct => [[1, { struct: [] }]]) } }],
    ]);
    const tail = new ByteWriter(8);
    tail.int32(meta.length);
    tail.bytes(MAGIC);
    parts.push(meta.written(), tail.written());
    return parts;
  }
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

export interface ChunkPlacement {
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
