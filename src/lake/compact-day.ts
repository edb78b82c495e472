import type { CompressionName } from '../encode/parquet/codecs.js';
import { columnsFor } from '../encode/parquet/schema.js';
import type { FlowFormat } from '../formats/format.js';
import type { Storage } from '../storage/types.js';
import { type ColumnValues, concatColumns, type NumberValues } from './column-values.js';
import { CompactedFileWriter, type WrittenFile } from './compacted-file.js';
import { compactedKey, type LakeDay } from './lake-keys.js';
import { LakeFileReader, type RowGroupValues } from './parquet-file.js';

/** Files of one day that share a schema and a format group: they become that day's files of one kind. */
export interface DayGroup {
  readonly formatKey: string;
  readonly format: FlowFormat;
  /** Recent files with their UTC hour (0–23), and the live compacted files (hour undefined: the whole day). */
  readonly files: ReadonlyArray<{ readonly key: string; readonly size: number; readonly hour?: number }>;
  readonly rows: number;
}

export interface DayCompactionOptions {
  readonly generation: string;
  readonly targetBytes: number;
  readonly compression: CompressionName;
  /** Rows per row group; default: balancedRowGroupRows of the day (tests set a small one to cut small files). */
  readonly rowGroupRows?: number;
  /** Rows written so far (progress). */
  readonly onRows?: (rows: number) => void;
}

/** Row groups hold at least this many rows (when the file has them): Athena and DuckDB prune by row group. */
export const MIN_ROW_GROUP_ROWS = 100_000;
const HOUR_MS = 3_600_000;

/** Equal row groups of at least MIN_ROW_GROUP_ROWS rows (fewer only when the whole day has fewer). */
export function balancedRowGroupRows(rows: number): number {
  const groups = Math.max(1, Math.floor(rows / MIN_ROW_GROUP_ROWS));
  return Math.max(1, Math.ceil(rows / groups));
}

/**
 * Writes one day's rows, sorted by row time (`start`, else the event time), into files of about the target
 * size under the new generation's names (invisible until the state says the generation is live).
 *
 * Memory: the day is merged hour by hour. A recent file holds the rows of one hour (the hive layout partitions
 * by the hour of `start`), so an hour's rows are those files plus the rows of the day's earlier compacted
 * files (sorted already) up to the hour's end, read a row group at a time. At most one hour of one
 * account/region and one row group per compacted file are in memory, never the whole day.
 */
export async function compactDay(
  dest: Storage,
  day: LakeDay,
  groups: readonly DayGroup[],
  options: DayCompactionOptions,
): Promise<WrittenFile[]> {
  const written: WrittenFile[] = [];
  const serials = new Map<string, number>();
  let open: CompactedFileWriter | undefined;
  try {
    for (const group of groups) {
      const columns = columnsFor(group.format);
      const rowGroupRows = options.rowGroupRows ?? balancedRowGroupRows(group.rows);
      const rowKey = rowKeyReader(group.format);
      const nextFile = (): CompactedFileWriter => {
        const n = serials.get(group.formatKey) ?? 0;
        serials.set(group.formatKey, n + 1);
        const key = compactedKey(day, options.generation, group.formatKey, n);
        return new CompactedFileWriter(dest, key, columns, rowGroupRows, options.compression);
      };
      const cursors: SortedFileCursor[] = [];
      for (const file of group.files) {
        if (file.hour === undefined) cursors.push(new SortedFileCursor(dest, file.key, file.size, rowKey));
      }
      const dayStart = dayStartMs(day);
      for (let hour = 0; hour < 24; hour++) {
        const end = hour === 23 ? Number.POSITIVE_INFINITY : dayStart + (hour + 1) * HOUR_MS;
        const segments: Segment[] = [];
        for (const file of group.files) {
          if (file.hour === undefined || Math.min(23, file.hour) !== hour) continue;
          const reader = await LakeFileReader.open(dest, file.key, file.size);
          for (let g = 0; g < reader.groupCount; g++) segments.push(wholeSegment(await reader.readGroup(g), rowKey));
        }
        for (const cursor of cursors) segments.push(...(await cursor.takeBefore(end)));
        const merged = mergeByKey(segments, columns.length);
        for (let at = 0; at < merged.rows; ) {
          open ??= nextFile();
          const take = Math.min(merged.rows - at, rowGroupRows);
          await open.append(merged.columns, merged.order, at, at + take);
          at += take;
          options.onRows?.(take);
          if (open.bytes >= options.targetBytes) {
            written.push(await open.commit());
            open = undefined;
          }
        }
      }
      if (open) {
        written.push(await open.commit());
        open = undefined;
      }
    }
  } catch (err) {
    // Nothing of a failed day stays behind: its new files are invisible anyway, but they would be litter.
    await open?.abort();
    for (const file of written) await dest.remove(file.key).catch(() => {});
    throw err;
  }
  return written;
}

function dayStartMs(day: LakeDay): number {
  return Date.UTC(Number(day.day.slice(0, 4)), Number(day.day.slice(4, 6)) - 1, Number(day.day.slice(6, 8)));
}

/** Rows [from, to) of a row group read back, with each row's sort key. */
interface Segment {
  readonly columns: readonly ColumnValues[];
  readonly keys: Float64Array;
  readonly from: number;
  readonly to: number;
}

type RowKeys = (values: RowGroupValues) => Float64Array;

/** Row time in ms: `start` (seconds), else the event `timestamp`; rows with neither sort last. */
function rowKeyReader(format: FlowFormat): RowKeys {
  const startColumn = format.startIndex >= 0 ? format.startIndex + 1 : -1; // column 0 is `timestamp`
  return ({ rows, columns }) => {
    const keys = new Float64Array(rows);
    const times = columns[0] as NumberValues;
    const starts = startColumn >= 0 ? (columns[startColumn] as NumberValues) : undefined;
    for (let i = 0; i < rows; i++) {
      keys[i] = times.defined[i] ? times.values[i] : Number.POSITIVE_INFINITY;
      if (starts?.defined[i]) keys[i] = starts.values[i] * 1000;
    }
    return keys;
  };
}

function wholeSegment(values: RowGroupValues, rowKey: RowKeys): Segment {
  return { columns: values.columns, keys: rowKey(values), from: 0, to: values.rows };
}

/** A compacted file of the day, read in order a row group at a time: its rows are sorted by key already. */
class SortedFileCursor {
  private reader: LakeFileReader | undefined;
  private nextGroup = 0;
  private current: { values: RowGroupValues; keys: Float64Array; pos: number } | undefined;

  constructor(
    private readonly dest: Storage,
    private readonly key: string,
    private readonly size: number,
    private readonly rowKey: RowKeys,
  ) {}

  /** The rows not taken yet whose key is below `end` (every row left, when `end` is infinite). */
  async takeBefore(end: number): Promise<Segment[]> {
    const taken: Segment[] = [];
    const all = end === Number.POSITIVE_INFINITY;
    for (;;) {
      if (!this.current || this.current.pos >= this.current.values.rows) {
        this.reader ??= await LakeFileReader.open(this.dest, this.key, this.size);
        if (this.nextGroup >= this.reader.groupCount) break;
        const values = await this.reader.readGroup(this.nextGroup++);
        this.current = { values, keys: this.rowKey(values), pos: 0 };
      }
      const c = this.current;
      let i = c.pos;
      const rows = c.values.rows;
      if (all) i = rows;
      else while (i < rows && c.keys[i] < end) i++;
      if (i > c.pos) taken.push({ columns: c.values.columns, keys: c.keys, from: c.pos, to: i });
      c.pos = i;
      if (i < rows) break;
    }
    return taken;
  }
}

/** The rows of the segments, side by side, and the order that sorts them by key (ties keep input order). */
interface MergedRows {
  readonly rows: number;
  /** One typed column per leaf: the segments' rows one after another. */
  readonly columns: readonly ColumnValues[];
  /** Positions in `columns`, in key order. */
  readonly order: Uint32Array;
}

function mergeByKey(segments: readonly Segment[], columnCount: number): MergedRows {
  let rows = 0;
  for (const s of segments) rows += s.to - s.from;
  const keys = new Float64Array(rows);
  let n = 0;
  for (const seg of segments) {
    keys.set(seg.keys.subarray(seg.from, seg.to), n);
    n += seg.to - seg.from;
  }
  let sorted = true;
  for (let i = 1; i < rows && sorted; i++) if (keys[i] < keys[i - 1]) sorted = false;
  const order = sorted ? identity(rows) : (countingOrder(keys) ?? comparisonOrder(keys));
  if (segments.length === 0) return { rows: 0, columns: [], order: new Uint32Array(0) };
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only && only.from === 0 && only.to === only.keys.length) return { rows, columns: only.columns, order };
  const columns: ColumnValues[] = [];
  for (let c = 0; c < columnCount; c++) {
    const kind = segments[0].columns[c].kind;
    columns.push(
      concatColumns(
        kind,
        segments.map((seg) => ({ column: seg.columns[c], from: seg.from, to: seg.to })),
      ),
    );
  }
  return { rows, columns, order };
}

function identity(rows: number): Uint32Array {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  return order;
}

/** Distinct key values a counting sort may bucket (an hour of seconds is 3,600; a day's 86,400). */
const MAX_BUCKETS = 1 << 20;

/**
 * The stable order of the keys by a counting sort, when they are finite whole seconds (row times from
 * `start`) within MAX_BUCKETS of each other: O(n), where a comparison sort of an hour's rows costs several
 * times more. Undefined otherwise (milliseconds, rows without a time).
 */
function countingOrder(keys: Float64Array): Uint32Array | undefined {
  const rows = keys.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows; i++) {
    const k = keys[i];
    if (!Number.isFinite(k) || k % 1000 !== 0) return undefined;
    if (k < min) min = k;
    if (k > max) max = k;
  }
  const buckets = (max - min) / 1000 + 1;
  if (!(buckets <= MAX_BUCKETS)) return undefined;
  const starts = new Uint32Array(buckets + 1);
  for (let i = 0; i < rows; i++) starts[(keys[i] - min) / 1000 + 1]++;
  for (let b = 1; b <= buckets; b++) starts[b] += starts[b - 1];
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[starts[(keys[i] - min) / 1000]++] = i;
  return order;
}

function comparisonOrder(keys: Float64Array): Uint32Array {
  const order = identity(keys.length);
  // Infinity - Infinity is NaN, which `||` turns into the input order.
  return order.sort((a, b) => keys[a] - keys[b] || a - b);
}
