import { parquetMetadata } from 'hyparquet';

/**
 * The uncompressed size of every data page in the file, read from the page headers themselves: walks each
 * column chunk's pages (thrift compact: field 2 is uncompressed_page_size, field 3 compressed_page_size).
 */
export function pageSizes(bytes: Buffer): number[] {
  const meta = parquetMetadata(arrayBufferOf(bytes));
  const sizes: number[] = [];
  for (const group of meta.row_groups) {
    for (const column of group.columns) {
      const m = column.meta_data;
      if (!m) continue;
      let at = Number(m.dictionary_page_offset ?? m.data_page_offset);
      const end = Number(m.dictionary_page_offset ?? m.data_page_offset) + Number(m.total_compressed_size);
      while (at < end) {
        const header = readPageHeader(bytes, at);
        if (header.type === 0) sizes.push(header.uncompressed);
        at = header.bodyStart + header.compressed;
      }
    }
  }
  return sizes;
}

/** The first fields of a PageHeader (type, sizes) and where its body starts; skips the rest of the struct. */
function readPageHeader(
  bytes: Buffer,
  start: number,
): { type: number; uncompressed: number; compressed: number; bodyStart: number } {
  let at = start;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  const zigzag = () => {
    const v = varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  };
  const skip = (type: number): void => {
    if (type === 1 || type === 2) return;
    if (type === 3) at++;
    else if (type === 4 || type === 5 || type === 6) varint();
    else if (type === 7) at += 8;
    else if (type === 8) at += varint();
    else if (type === 9 || type === 10) {
      const head = bytes[at++];
      const size = head >> 4 === 15 ? varint() : head >> 4;
      for (let i = 0; i < size; i++) skip(head & 15);
    } else if (type === 12) skipStruct();
  };
  const skipStruct = (): void => {
    for (;;) {
      const head = bytes[at++];
      if (head === 0) return;
      if (head >> 4 === 0) zigzag();
      skip(head & 15);
    }
  };
  const fields: number[] = [];
  let id = 0;
  for (;;) {
    const head = bytes[at++];
    if (head === 0) break;
    id = head >> 4 === 0 ? zigzag() : id + (head >> 4);
    const type = head & 15;
    if (id <= 3 && type === 5) fields[id] = zigzag();
    else skip(type);
  }
  return { type: fields[1], uncompressed: fields[2], compressed: fields[3], bodyStart: at };
}

export function arrayBufferOf(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer;
}
