import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip, type Gzip, type ZlibOptions } from 'node:zlib';

/** Rows are assembled as bytes in blocks this big and handed to zlib whole: one small write per row is ~8× slower. */
const BLOCK_BYTES = 1 << 20;

/**
 * A byte block that text encoders fill in place (`block`, `pos`), handed to gzip whole when full. zlib works on
 * the thread pool, so compression overlaps with building the next block.
 */
export class GzipBlocks {
  block = Buffer.allocUnsafe(BLOCK_BYTES);
  pos = 0;
  private readonly gzip: Gzip;
  private readonly done: Promise<void>;

  constructor(out: Writable, options: ZlibOptions) {
    this.gzip = createGzip({ chunkSize: 256 * 1024, ...options });
    this.gzip.pipe(out);
    this.done = finished(out);
    this.done.catch(() => {}); // observed in finish(); avoids an unhandled rejection when an error comes first
  }

  /** Makes sure `bytes` more fit in the block, handing the full part to gzip (and waiting for it) if not. */
  async reserve(bytes: number): Promise<void> {
    if (this.pos + bytes <= this.block.length) return;
    await this.flush();
    if (bytes > this.block.length) this.block = Buffer.allocUnsafe(bytes);
  }

  private async flush(): Promise<void> {
    if (this.pos === 0) return;
    const full = this.block.subarray(0, this.pos);
    this.block = Buffer.allocUnsafe(BLOCK_BYTES);
    this.pos = 0;
    if (!this.gzip.write(full)) await once(this.gzip, 'drain');
  }

  /** Compresses what is left, ends the gzip stream and waits until the output has taken every byte. */
  async finish(): Promise<void> {
    await this.flush();
    this.gzip.end();
    await this.done;
  }
}
