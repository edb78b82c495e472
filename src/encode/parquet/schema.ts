import type { FlowFormat } from '../../formats/format.js';
import type { ThriftStruct } from './thrift.js';

/** Parquet enum values used here (parquet.thrift). */
export const PhysicalType = { INT32: 1, INT64: 2, BYTE_ARRAY: 6 } as const;
export const Repetition = { REQUIRED: 0, OPTIONAL: 1 } as const;
export const ConvertedType = { UTF8: 0, TIMESTAMP_MILLIS: 9 } as const;
export const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;

/** What a column holds: the event timestamp, or a flow-log field typed as in AWS's own Parquet delivery. */
export type ColumnKind = 'timestamp' | 'int32' | 'int64' | 'string';

export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Index of the field in a flow-log line, or -1 for the timestamp column. */
  readonly fieldIndex: number;
}

/** The columns of a Parquet file for a format: `timestamp`, then every field under its `_` name. */
export function columnsFor(format: FlowFormat): ColumnSpec[] {
  return [
    { name: 'timestamp', kind: 'timestamp', fieldIndex: -1 },
    ...format.fields.map((f, i) => ({ name: f.column, kind: f.type, fieldIndex: i })),
  ];
}

export function physicalType(kind: ColumnKind): number {
  if (kind === 'int32') return PhysicalType.INT32;
  if (kind === 'string') return PhysicalType.BYTE_ARRAY;
  return PhysicalType.INT64;
}

/** Schema elements in depth-first order: the root, then one optional leaf per column. */
export function schemaElements(columns: readonly ColumnSpec[]): ThriftStruct[] {
  const root: ThriftStruct = [
    [4, { binary: 'schema' }],
    [5, { i32: columns.length }],
  ];
  return [root, ...columns.map(leafElement)];
}

function leafElement(column: ColumnSpec): ThriftStruct {
  const base: [number, { i32: number } | { binary: string }][] = [
    [1, { i32: physicalType(column.kind) }],
    [3, { i32: Repetition.OPTIONAL }],
    [4, { binary: column.name }],
  ];
  if (column.kind === 'string') {
    // converted_type UTF8 + logicalType STRING
    return [...base, [6, { i32: ConvertedType.UTF8 }], [10, { struct: [[1, { struct: [] }]] }]];
  }
  if (column.kind === 'timestamp') {
    // converted_type TIMESTAMP_MILLIS + logicalType TIMESTAMP(isAdjustedToUTC=true, unit=MILLIS)
    const millis: ThriftStruct = [[1, { struct: [] }]];
    const timestamp: ThriftStruct = [
      [1, { bool: true }],
      [2, { struct: millis }],
    ];
    return [...base, [6, { i32: ConvertedType.TIMESTAMP_MILLIS }], [10, { struct: [[8, { struct: timestamp }]] }]];
  }
  // Plain INT32 / INT64 without annotation, as AWS's own delivery and most writers do.
  return base;
}
