import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ByteSource } from './byte-source.js';
import { DecodeError } from './types.js';

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Bigger output chunks mean fewer boundaries for the parsers to stitch. */
const GUNZIP_CHUNK = 256 * 1024;

/**
 * Gunzips every member of a (possibly multi-member) gzip stream. Errors name how far into the compressed
 * bytes they happened, so a truncated upload reads "truncated gzip stream after 41,312 bytes".
 */
export async function* gunzip(source: AsyncIterable<Buffer>, layerName: string): AsyncGenerator<Buffer> {
  let consumed = 0;
  const counted = Readable.from(
    (async function* () {
      for await (const chunk of source) {
        consumed += chunk.length;
        yield chunk;
      }
    })(),
    { objectMode: false },
  );
  const gunzipStream = createGunzip({ chunkSize: GUNZIP_CHUNK });
  counted.on('error', (err) => gunzipStream.destroy(err));
  counted.pipe(gunzipStream);
  try {
    for await (const chunk of gunzipStream) yield chunk as Buffer;
  } catch (err) {
    throw describeZlibError(err, consumed, layerName);
  } finally {
    counted.destroy();
    gunzipStream.destroy();
  }
}

function describeZlibError(err: unknown, consumed: number, layerName: string): Error {
  const e = err as NodeJS.ErrnoException;
  if (e instanceof DecodeError) return e;
  const at = consumed.toLocaleString('en-US');
  if (e?.code === 'Z_BUF_ERROR') return new DecodeError(`truncated ${layerName} stream after ${at} bytes`);
  if (e?.code === 'Z_DATA_ERROR')
    return new DecodeError(`corrupt ${layerName} data within the first ${at} bytes (${e.message})`);
  return e instanceof Error ? e : new Error(String(e));
}

/** Peels gzip layers (a Firehose-compressed object is gzip around gzip) and returns the inner bytes. */
export async function unwrapGzipLayers(source: ByteSource): Promise<{ inner: ByteSource; layers: number }> {
  let current = source;
  let layers = 0;
  while (isGzip(await current.peek(2))) {
    layers++;
    const name = layers === 1 ? 'gzip' : `inner gzip (layer ${layers})`;
    current = new ByteSource(gunzip(current.chunks(), name));
    if (layers > 4) throw new DecodeError('more than 4 nested gzip layers');
  }
  return { inner: current, layers };
}
