/**
 * A row group's columns as compaction holds them: typed arrays, never one JS value per cell. Numbers are
 * float64 with a defined flag (what the writer's number buffers hold); strings are indices into a dictionary
 * of the distinct values (what the lake's files hold), so merging and re-encoding a day touch each distinct
 * string once, not once per row.
 */
export interface NumberValues {
  readonly kind: 'number';
  readonly defined: Uint8Array;
  readonly values: Float64Array;
}

export interface StringValues {
  readonly kind: 'string';
  readonly defined: Uint8Array;
  /** For defined rows, the value's place in `dictionary`. */
  readonly indices: Int32Array;
  readonly dictionary: readonly string[];
}

export type ColumnValues = NumberValues | StringValues;

export function emptyColumn(kind: ColumnValues['kind'], rows: number): ColumnValues {
  return kind === 'number'
    ? { kind, defined: new Uint8Array(rows), values: new Float64Array(rows) }
    : { kind, defined: new Uint8Array(rows), indices: new Int32Array(rows), dictionary: [] };
}

/** Rows [from, to) of a column. */
export interface ColumnSlice {
  readonly column: ColumnValues;
  readonly from: number;
  readonly to: number;
}

/** The slices' rows one after another, as one column (string dictionaries are laid end to end). */
export function concatColumns(kind: ColumnValues['kind'], slices: readonly ColumnSlice[]): ColumnValues {
  let rows = 0;
  for (const s of slices) rows += s.to - s.from;
  const defined = new Uint8Array(rows);
  if (kind === 'number') {
    const values = new Float64Array(rows);
    let at = 0;
    for (const { column, from, to } of slices) {
      const c = column as NumberValues;
      defined.set(c.defined.subarray(from, to), at);
      values.set(c.values.subarray(from, to), at);
      at += to - from;
    }
    return { kind, defined, values };
  }
  const indices = new Int32Array(rows);
  const dictionary: string[] = [];
  let at = 0;
  for (const { column, from, to } of slices) {
    const c = column as StringValues;
    const base = dictionary.length;
    for (const entry of c.dictionary) dictionary.push(entry);
    defined.set(c.defined.subarray(from, to), at);
    for (let r = from; r < to; r++) indices[at++] = c.indices[r] + base;
  }
  return { kind, defined, indices, dictionary };
}

/** A column of decoded values (null for nulls), as a generic Parquet reader returns them, made typed. */
export function columnFromValues(kind: ColumnValues['kind'], data: ArrayLike<unknown>, rows: number): ColumnValues {
  if (kind === 'number') {
    const column = emptyColumn('number', rows) as NumberValues;
    for (let i = 0; i < rows; i++) {
      const v = data[i];
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n === 'number' && Number.isFinite(n)) {
        column.defined[i] = 1;
        column.values[i] = n;
      }
    }
    return column;
  }
  const defined = new Uint8Array(rows);
  const indices = new Int32Array(rows);
  const dictionary: string[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < rows; i++) {
    const v = data[i];
    if (typeof v !== 'string') continue;
    let k = seen.get(v);
    if (k === undefined) {
      k = dictionary.length;
      seen.set(v, k);
      dictionary.push(v);
    }
    defined[i] = 1;
    indices[i] = k;
  }
  return { kind, defined, indices, dictionary };
}
