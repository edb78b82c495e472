import { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
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

/**
 * A small compressed object is gunzipped in one synchronous call when what it holds is small too: a zlib stream
 * costs a small object more than inflating it (a 256 KiB output buffer, pipes, thread-pool round trips).
 * Anything else — bigger, a bomb, corrupt or truncated — takes the streaming path, which says what is wrong.
 */
const WHOLE_GZIP_BYTES = 64 * 1024;
const WHOLE_GUNZIPPED_BYTES = 2 * 1024 * 1024;

/** Peels gzip layers (a Firehose-compressed object is gzip around gzip) and returns the inner bytes. */
export async function unwrapGzipLayers(source: ByteSource): Promise<{ inner: ByteSource; layers: number }> {
  let current = source;
  let layers = 0;
  while (isGzip(await current.peek(2))) {
    layers++;
    if (layers > 4) throw new DecodeError('more than 4 nested gzip layers');
    const whole = await current.peekWhole(WHOLE_GZIP_BYTES);
    const inflated = whole && gunzipWhole(whole);
    if (inflated) {
      current = ByteSource.of(inflated);
      continue;
    }
    const name = layers === 1 ? 'gzip' : `inner gzip (layer ${layers})`;
    current = new ByteSource(gunzip(current.chunks(), name));
  }
  return { inner: current, layers };
}

function gunzipWhole(compressed: Buffer): Buffer | undefined {
  try {
    return gunzipSync(compressed, { maxOutputLength: WHOLE_GUNZIPPED_BYTES });
  } catch {
    return undefined; // the streaming path meets the same bytes and names the problem
  }
}
