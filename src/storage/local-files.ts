import { closeSync, fstatSync, openSync, readSync, writeSync, writevSync } from 'node:fs';
import { Writable } from 'node:stream';

/**
 * Reads a whole file with synchronous calls (open, fstat, read, close): undefined when it is bigger than
 * `limit` (the caller streams it instead) or, with `missingIsUndefined`, when it does not exist.
 */
export function readWholeFile(
  path: string,
  limit: number,
  options: { missingIsUndefined?: boolean } = {},
): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (options.missingIsUndefined && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    if (size > limit) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(fd, bytes, filled, size - filled, filled);
      if (read === 0) break; // truncated since fstat: what is there now
      filled += read;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** Bytes [start, end) of a file, read with synchronous calls (shorter when the file ends first). */
export function readFileRange(path: string, start: number, end: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(Math.max(0, end - start));
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, start + filled);
      if (read === 0) break;
      filled += read;
    }
    return filled === bytes.length ? bytes : bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/**
 * A temp file written with synchronous calls. Writes to a local disk land in the page cache in microseconds;
 * fs.WriteStream would hand every chunk to the thread pool and back. The file is opened at the first write
 * (or at the end, empty), so an error opening it surfaces as the stream's error, as with fs.WriteStream.
 */
export class TempFile extends Writable {
  private fd: number | undefined;

  constructor(
    private readonly path: string,
    /** The file's name in errors (its final path: the temp name means nothing to a user). */
    private readonly name = path,
  ) {
    super({ highWaterMark: 1 << 20 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.writeAll(chunk);
      callback();
    } catch (err) {
      callback(this.named(err));
    }
  }

  /** Corked writes (a row group's pages) go to the file in one system call. */
  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    try {
      const buffers = chunks.map((c) => c.chunk);
      const total = buffers.reduce((sum, b) => sum + b.length, 0);
      const written = writevSync(this.open(), buffers);
      // A short write (rare on a local file) leaves the rest to the one-buffer path.
      if (written < total) this.writeAll(Buffer.concat(buffers).subarray(written));
      callback();
    } catch (err) {
      callback(this.named(err));
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    try {
      this.open();
      this.closeFile();
      callback();
    } catch (err) {
      callback(this.named(err));
    }
  }

  /** A failed write (disk full, file too large) names the file it was writing; its code stays. */
  private named(err: unknown): Error {
    const error = err instanceof Error ? err : new Error(String(err));
    error.message = `writing ${this.name}: ${error.message}`;
    return error;
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    try {
      this.closeFile();
    } catch {
      // the error that destroyed the stream is the one to report
    }
    callback(error);
  }

  private open(): number {
    this.fd ??= openSync(this.path, 'w');
    return this.fd;
  }

  private writeAll(chunk: Buffer): void {
    const fd = this.open();
    let written = 0;
    while (written < chunk.length) written += writeSync(fd, chunk, written, chunk.length - written);
  }

  private closeFile(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    closeSync(fd);
  }
}
