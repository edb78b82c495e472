/**
 * A growable little-endian byte buffer. Parquet pages and thrift headers are built in one of these and handed
 * out as a view, so encoding a column chunk allocates a few big buffers instead of many small ones.
 */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  length = 0;

  constructor(initialCapacity = 1024) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  reset(): void {
    this.length = 0;
  }

  u8(value: number): void {
    this.ensure(1);
    this.buf[this.length++] = value;
  }

  /** Unsigned LEB128 for values up to 2^53. */
  varint(value: number): void {
    this.ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  int32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  /** A safe-integer number as a two's complement int64, without BigInt. */
  int64(value: number): void {
    this.ensure(8);
    this.view.setUint32(this.length, value >>> 0, true);
    this.view.setInt32(this.length + 4, Math.floor(value / 4294967296), true);
    this.length += 8;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** Writes a string as UTF-8 and returns the number of bytes written. */
  utf8(text: string): number {
    // Worst case is 3 bytes per UTF-16 code unit.
    this.ensure(text.length * 3);
    const written = utf8Encoder.encodeInto(text, this.buf.subarray(this.length)).written;
    this.length += written;
    return written;
  }

  /** The bytes written so far (a view, valid until the next write). */
  written(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8Encoder = new TextEncoder();
