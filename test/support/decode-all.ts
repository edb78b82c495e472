import { Readable } from 'node:stream';
import { FormatResolver } from '../../src/convert/format-resolver.js';
import type { DecodeContext } from '../../src/decode/context.js';
import { decodeObject } from '../../src/decode/index.js';
import type { InputShape } from '../../src/decode/types.js';

export interface Decoded {
  shape: InputShape;
  gzipLayers: number;
  rows: Array<{ timestamp: number; line: string; formatKey: string; fields: string }>;
  rejects: Array<{ reason: string; text: string }>;
  controlMessages: number;
}

/** Decodes bytes (fed in small chunks, so chunk boundaries get exercised) into plain rows. */
export async function decodeAll(
  bytes: Buffer,
  options: { fields?: string; logGroupFormats?: Record<string, string>; chunk?: number } = {},
): Promise<Decoded> {
  const resolver = new FormatResolver(options);
  const out: Decoded = { shape: 'empty', gzipLayers: 0, rows: [], rejects: [], controlMessages: 0 };
  const ctx: DecodeContext = {
    formatFor: (g) => resolver.formatFor(g),
    reject: (reason, text) => out.rejects.push({ reason, text }),
    controlMessage: () => {
      out.controlMessages++;
    },
  };
  const size = options.chunk ?? 7;
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  const decoded = await decodeObject(Readable.from(chunks), ctx);
  out.shape = decoded.shape;
  out.gzipLayers = decoded.gzipLayers;
  for await (const batch of decoded.batches) {
    const fields = batch.format.fields.map((f) => f.name).join(' ');
    for (let i = 0; i < batch.lines.length; i++) {
      out.rows.push({ timestamp: batch.timestamps[i], line: batch.lines[i], formatKey: batch.formatKey, fields });
    }
  }
  return out;
}
