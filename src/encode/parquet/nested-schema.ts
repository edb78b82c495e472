import { ConvertedType, PhysicalType } from './schema.js';
import type { ThriftStruct } from './thrift.js';

/**
 * A Parquet schema with nested columns described as data: structs, lists and maps of leaves. The writer
 * (nested-writer.ts) shreds values of this shape into leaf columns with definition and repetition levels;
 * DDL and readers can walk the same tree.
 *
 * Values: a struct is a plain object (null or undefined = null), a list a JavaScript array, a map a plain object
 * of string keys; leaves are numbers (int32, int64, timestamp in epoch ms) or strings.
 */
export type LeafType = 'int32' | 'int64' | 'timestamp' | 'string';

export type Nullability = 'required' | 'optional';

export interface LeafNode {
  readonly kind: 'leaf';
  readonly name: string;
  readonly type: LeafType;
  readonly nullability: Nullability;
}

export interface StructNode {
  readonly kind: 'struct';
  readonly name: string;
  readonly nullability: Nullability;
  readonly fields: readonly SchemaNode[];
}

/** A standard three-level list: `<name> (LIST) { repeated group list { <element> } }`. */
export interface ListNode {
  readonly kind: 'list';
  readonly name: string;
  readonly nullability: Nullability;
  /** Named `element` in the file. */
  readonly element: SchemaNode;
}

/** A map of strings: `<name> (MAP) { repeated group key_value { required binary key; <value> } }`. */
export interface MapNode {
  readonly kind: 'map';
  readonly name: string;
  readonly nullability: Nullability;
  /** Named `value` in the file. */
  readonly value: SchemaNode;
}

export type SchemaNode = LeafNode | StructNode | ListNode | MapNode;

export function leaf(name: string, type: LeafType, nullability: Nullability = 'optional'): LeafNode {
  return { kind: 'leaf', name, type, nullability };
}

export function struct(name: string, fields: readonly SchemaNode[], nullability: Nullability = 'optional'): StructNode {
  return { kind: 'struct', name, nullability, fields };
}

export function list(name: string, element: SchemaNode, nullability: Nullability = 'optional'): ListNode {
  return { kind: 'list', name, nullability, element };
}

export function map(name: string, value: SchemaNode, nullability: Nullability = 'optional'): MapNode {
  return { kind: 'map', name, nullability, value };
}

/** One leaf column of the file: where it sits and its levels. */
export interface LeafColumn {
  /** path_in_schema, including the `list`/`element` and `key_value`/`key`/`value` levels. */
  readonly path: readonly string[];
  readonly type: LeafType;
  readonly maxDefinition: number;
  readonly maxRepetition: number;
}

/** The leaf columns of a schema in file order (depth first). */
export function leafColumns(fields: readonly SchemaNode[]): LeafColumn[] {
  const out: LeafColumn[] = [];
  const visit = (node: SchemaNode, path: string[], def: number, rep: number): void => {
    const d = def + (node.nullability === 'optional' ? 1 : 0);
    const here = [...path, node.name];
    switch (node.kind) {
      case 'leaf':
        out.push({ path: here, type: node.type, maxDefinition: d, maxRepetition: rep });
        return;
      case 'struct':
        for (const f of node.fields) visit(f, here, d, rep);
        return;
      case 'list':
        visit({ ...node.element, name: 'element' }, [...here, 'list'], d + 1, rep + 1);
        return;
      case 'map':
        out.push({ path: [...here, 'key_value', 'key'], type: 'string', maxDefinition: d + 1, maxRepetition: rep + 1 });
        visit({ ...node.value, name: 'value' }, [...here, 'key_value'], d + 1, rep + 1);
        return;
    }
  };
  for (const f of fields) visit(f, [], 0, 0);
  return out;
}

export function leafPhysicalType(type: LeafType): number {
  if (type === 'int32') return PhysicalType.INT32;
  if (type === 'string') return PhysicalType.BYTE_ARRAY;
  return PhysicalType.INT64;
}

const REPETITION = { required: 0, optional: 1, repeated: 2 } as const;
/** parquet.thrift ConvertedType values for groups. */
const GROUP_CONVERTED = { MAP: 1, MAP_KEY_VALUE: 2, LIST: 3 } as const;

/** The footer's schema elements, depth first: the root, then every group and leaf. */
export function nestedSchemaElements(rootName: string, fields: readonly SchemaNode[]): ThriftStruct[] {
  const out: ThriftStruct[] = [
    [
      [4, { binary: rootName }],
      [5, { i32: fields.length }],
    ],
  ];
  const group = (name: string, repetition: number, children: number, logical?: 'list' | 'map' | 'kv'): void => {
    const element: [number, { i32: number } | { binary: string } | { struct: ThriftStruct }][] = [
      [3, { i32: repetition }],
      [4, { binary: name }],
      [5, { i32: children }],
    ];
    if (logical === 'list') element.push([6, { i32: GROUP_CONVERTED.LIST }], [10, { struct: [[3, { struct: [] }]] }]);
    if (logical === 'map') element.push([6, { i32: GROUP_CONVERTED.MAP }], [10, { struct: [[2, { struct: [] }]] }]);
    if (logical === 'kv') element.push([6, { i32: GROUP_CONVERTED.MAP_KEY_VALUE }]);
    out.push(element);
  };
  const visit = (node: SchemaNode, name: string, repetition: number): void => {
    switch (node.kind) {
      case 'leaf':
        out.push(leafElement(node.type, name, repetition));
        return;
      case 'struct':
        group(name, repetition, node.fields.length);
        for (const f of node.fields) visit(f, f.name, REPETITION[f.nullability]);
        return;
      case 'list':
        group(name, repetition, 1, 'list');
        group('list', REPETITION.repeated, 1);
        visit(node.element, 'element', REPETITION[node.element.nullability]);
        return;
      case 'map':
        group(name, repetition, 1, 'map');
        group('key_value', REPETITION.repeated, 2, 'kv');
        out.push(leafElement('string', 'key', REPETITION.required));
        visit(node.value, 'value', REPETITION[node.value.nullability]);
        return;
    }
  };
  for (const f of fields) visit(f, f.name, REPETITION[f.nullability]);
  return out;
}

function leafElement(type: LeafType, name: string, repetition: number): ThriftStruct {
  const base: [number, { i32: number } | { binary: string } | { struct: ThriftStruct }][] = [
    [1, { i32: leafPhysicalType(type) }],
    [3, { i32: repetition }],
    [4, { binary: name }],
  ];
  if (type === 'string') base.push([6, { i32: ConvertedType.UTF8 }], [10, { struct: [[1, { struct: [] }]] }]);
  if (type === 'timestamp') {
    const timestamp: ThriftStruct = [
      [1, { bool: true }],
      [2, { struct: [[1, { struct: [] }]] }],
    ];
    base.push([6, { i32: ConvertedType.TIMESTAMP_MILLIS }], [10, { struct: [[8, { struct: timestamp }]] }]);
  }
  return base;
}
