import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip, gzipSync, type ZlibOptions } from 'node:zlib';

/** Rows are assembled as bytes in blocks this big and handed to zlib whole: one small write per row is ~8× slower. */
const BLOCK_BYTES = 1 << 20;
/**
 * The first block is small and each next one twice as big, up to BLOCK_BYTES: a small object then allocates
 * 64 KiB instead of 2 MiB, whose churn made garbage collection a third of a small object's time.
 */
const FIRST_BLOCK_BYTES = 64 * 1024;
/** zlib's output chunk: small objects never fill 256 KiB, big ones are not slowed by 64 KiB (measured). */
const GZIP_CHUNK_BYTES = 64 * 1024;

/**
 * A byte block that text encoders fill in place (`block`, `pos`), handed to gzip whole when full. zlib works on
 * the thread pool, so compression overlaps with building the next block. An output that never fills its first
 * block is compressed in one synchronous call instead: no zlib stream, no pipe and no thread-pool round trips,
 * which cost a small object more than compressing it.
 */
export class GzipBlocks {
  block = Buffer.allocUnsafe(FIRST_BLOCK_BYTES);
  pos = 0;
  /** Made at the first full block. */
  private gzip: Gzip | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly out: Writable,
    private readonly options: ZlibOptions,
  ) {
    this.done = finished(out);
    this.done.catch(() => {}); // observed in finish(); avoids an unhandled rejection when an error comes first
  }

  /** Makes sure `bytes` more fit in the block, handing the full part to gzip (and waiting for it) if not. */
  async reserve(bytes: number): Promise<void> {
    if (this.pos + bytes <= this.block.length) return;
    await this.flush();
    if (bytes > this.block.length) this.block = Buffer.allocUnsafe(bytes);
  }

  private async flush(last = false): Promise<void> {
    if (this.pos === 0) return;
    const full = this.block.subarray(0, this.pos);
    this.block = last ? Buffer.alloc(0) : Buffer.allocUnsafe(Math.min(this.block.length * 2, BLOCK_BYTES));
    this.pos = 0;
    const gzip = this.stream();
    if (!gzip.write(full)) await once(gzip, 'drain');
  }

  private stream(): Gzip {
    if (!this.gzip) {
      this.gzip = createGzip({ chunkSize: GZIP_CHUNK_BYTES, ...this.options });
      this.gzip.pipe(this.out);
    }
    return this.gzip;
  }

  /** Compresses what is left, ends the gzip stream and waits until the output has taken every byte. */
  async finish(): Promise<void> {
    if (this.gzip) {
      await this.flush(true);
      this.gzip.end();
    } else {
      this.out.end(gzipSync(this.block.subarray(0, this.pos), this.options));
      this.block = Buffer.alloc(0);
      this.pos = 0;
    }
    await this.done;
  }
}
