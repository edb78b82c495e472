import { ByteSource } from './byte-source.js';
import type { DecodeContext } from './context.js';
import { decodeJsonObjects } from './envelopes.js';
import { unwrapGzipLayers } from './gzip.js';
import { MAX_PARQUET_BYTES } from './limits.js';
import { decodeLines } from './lines.js';
import { SNIFF_BYTES, sniffShape } from './sniff.js';
import { DecodeError, type EventBatch, type InputShape } from './types.js';

export type { DecodeContext, FormatChoice } from './context.js';
export { DecodeError, type EventBatch, type InputShape } from './types.js';

export interface DecodedObject {
  readonly shape: InputShape;
  readonly gzipLayers: number;
  readonly batches: AsyncGenerator<EventBatch>;
}

/**
 * Opens any supported input shape: peels gzip layers, sniffs the content and returns its batches.
 * The batches stream: memory does not grow with the object's size (Parquet input aside, which needs random access).
 */
export async function decodeObject(input: AsyncIterable<Buffer>, ctx: DecodeContext): Promise<DecodedObject> {
  const { inner, layers } = await unwrapGzipLayers(new ByteSource(input));
  const shape = sniffShape(await inner.peek(SNIFF_BYTES));
  return { shape, gzipLayers: layers, batches: batchesOf(shape, inner, ctx) };
}

async function* batchesOf(shape: InputShape, inner: ByteSource, ctx: DecodeContext): AsyncGenerator<EventBatch> {
  switch (shape) {
    case 'empty':
      for await (const chunk of inner.chunks()) {
        if (chunk.toString('utf8').trim() !== '') throw new DecodeError('content after leading blank space');
      }
      return;
    case 'cwl-envelopes':
      yield* decodeJsonObjects(inner.chunks(), ctx);
      return;
    case 'parquet': {
      // Read whole (Parquet needs random access), up to a bound: a gzip bomb dressed as Parquet fails early.
      const parts: Buffer[] = [];
      let size = 0;
      for await (const chunk of inner.chunks()) {
        size += chunk.length;
        if (size > MAX_PARQUET_BYTES) {
          throw new DecodeError(
            `Parquet input larger than ${MAX_PARQUET_BYTES / 2 ** 20} MiB (read whole, it needs random access): split it or convert it with another tool`,
          );
        }
        parts.push(chunk);
      }
      const { decodeParquet } = await import('./parquet-input.js');
      yield* decodeParquet(Buffer.concat(parts), 'object');
      return;
    }
    default:
      yield* decodeLines(inner.chunks(), shape, ctx);
  }
}
