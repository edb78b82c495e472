import { ByteWriter } from './bytes.js';

/**
 * Just enough of the Thrift compact protocol to write Parquet's page headers and file footer.
 * Structs are described as plain data (field id → value) so the Parquet layer reads like the format spec.
 */
export type ThriftValue =
  | { readonly i32: number }
  | { readonly i64: number }
  | { readonly bool: boolean }
  | { readonly binary: string | Uint8Array }
  | { readonly struct: ThriftStruct }
  | { readonly list: ThriftList };

/** Field id → value; undefined fields are left out (Thrift optional fields). */
export type ThriftStruct = ReadonlyArray<readonly [number, ThriftValue | undefined]>;

export type ThriftList =
  | { readonly i32: readonly number[] }
  | { readonly i64: readonly number[] }
  | { readonly binary: ReadonlyArray<string | Uint8Array> }
  | { readonly struct: readonly ThriftStruct[] };

// Compact protocol type ids.
const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const I32 = 5;
const I64 = 6;
const BINARY = 8;
const LIST = 9;
const STRUCT = 12;

const textEncoder = new TextEncoder();

/** Encodes a struct with the compact protocol. */
export function encodeThrift(struct: ThriftStruct, out = new ByteWriter(256)): ByteWriter {
  writeStruct(out, struct);
  return out;
}

function writeStruct(out: ByteWriter, struct: ThriftStruct): void {
  let lastId = 0;
  for (const [id, value] of struct) {
    if (value === undefined) continue;
    const type = 'bool' in value ? (value.bool ? BOOL_TRUE : BOOL_FALSE) : typeOf(value);
    const delta = id - lastId;
    if (delta > 0 && delta <= 15) out.u8((delta << 4) | type);
    else {
      out.u8(type);
      out.varint(zigzag32(id));
    }
    lastId = id;
    if (!('bool' in value)) writeValue(out, value);
  }
  out.u8(0); // stop
}

function typeOf(value: ThriftValue): number {
  if ('i32' in value) return I32;
  if ('i64' in value) return I64;
  if ('binary' in value) return BINARY;
  if ('struct' in value) return STRUCT;
  return LIST;
}

function writeValue(out: ByteWriter, value: ThriftValue): void {
  if ('i32' in value) out.varint(zigzag32(value.i32));
  else if ('i64' in value) writeZigzag64(out, value.i64);
  else if ('binary' in value) writeBinary(out, value.binary);
  else if ('struct' in value) writeStruct(out, value.struct);
  else if ('list' in value) writeList(out, value.list);
}

function writeList(out: ByteWriter, list: ThriftList): void {
  const [type, items] =
    'i32' in list
      ? [I32, list.i32]
      : 'i64' in list
        ? [I64, list.i64]
        : 'binary' in list
          ? [BINARY, list.binary]
          : [STRUCT, list.struct];
  if (items.length < 15) out.u8((items.length << 4) | type);
  else {
    out.u8(0xf0 | type);
    out.varint(items.length);
  }
  for (const item of items) {
    if (type === I32) out.varint(zigzag32(item as number));
    else if (type === I64) writeZigzag64(out, item as number);
    else if (type === BINARY) writeBinary(out, item as string | Uint8Array);
    else writeStruct(out, item as ThriftStruct);
  }
}

function writeBinary(out: ByteWriter, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? textEncoder.encode(data) : data;
  out.varint(bytes.length);
  out.bytes(bytes);
}

function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

/** Zigzag of a safe integer, done in float arithmetic (no BigInt on the hot path). */
function writeZigzag64(out: ByteWriter, n: number): void {
  out.varint(n >= 0 ? n * 2 : -n * 2 - 1);
}
