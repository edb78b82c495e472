import type { Readable, Writable } from 'node:stream';

/** One object under a storage root; `key` is relative to the root, with `/` separators. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Identity of this version of the object: the S3 ETag, or size+mtime for local files. */
  readonly etag: string;
}

export interface ListOptions {
  /** Only keys under these sub-prefixes (relative to the root); all when absent. */
  readonly prefixes?: readonly string[];
}

/** A write that becomes visible only on commit(): temp file + rename, or an S3 multipart upload. */
export interface AtomicWrite {
  readonly stream: Writable;
  /** Waits for the stream to finish and makes the object visible under its key. */
  commit(): Promise<void>;
  /** Discards everything written; safe to call more than once and after a failed commit. */
  abort(): Promise<void>;
}

export interface WriteOptions {
  readonly contentType?: string;
  /** Small string metadata stored with the object (S3 user metadata). */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * writeSmall only: create the object only if none exists (S3 `If-None-Match: *`, a file opened exclusively);
   * otherwise it fails with ObjectExistsError. Locks are made this way.
   */
  readonly ifNoneMatch?: '*';
}

/** writeSmall with `ifNoneMatch` found the object there already. */
export class ObjectExistsError extends Error {
  override readonly name = 'ObjectExistsError';
}

/** The one small interface the converter needs from a place that holds objects: a folder or an S3 prefix. */
export interface Storage {
  /** Human form of the root (`/data/in`, `s3://bucket/prefix`). */
  readonly root: string;
  list(options?: ListOptions): AsyncIterable<ObjectInfo>;
  /**
   * Streams the object's bytes; a remote store retries/resumes broken bodies itself without repeating bytes.
   * With `etag`, only that version is read (S3 If-Match): a source replaced mid-run fails instead of mixing.
   */
  openRead(key: string, options?: ReadOptions): Promise<Readable>;
  /**
   * Bytes [start, end) of an object (a Parquet footer, one row group): a short read means the object is
   * shorter. Throws when the object does not exist.
   */
  readRange(key: string, start: number, end: number): Promise<Buffer>;
  /** Reads a small object whole (markers, reports); undefined when it does not exist. */
  readSmall(key: string): Promise<Buffer | undefined>;
  exists(key: string): Promise<boolean>;
  /** Deletes an object if it exists (undoing the committed outputs of an object whose later outputs failed). */
  remove(key: string): Promise<void>;
  writeAtomic(key: string, options?: WriteOptions): AtomicWrite;
  /** Convenience for small objects (markers, reports). */
  writeSmall(key: string, body: string | Buffer, options?: WriteOptions): Promise<void>;
  /** Releases connections (S3 keep-alive sockets); the storage is not used afterwards. */
  close?(): Promise<void>;
}

export interface ReadOptions {
  /** The version listed (ObjectInfo.etag). */
  readonly etag?: string;
  /** The size listed (ObjectInfo.size): lets a small object be read with a small buffer. */
  readonly size?: number;
}

export interface StorageOptions {
  /** S3-compatible endpoint (path-style addressing); falls back to AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. */
  readonly endpointUrl?: string;
  readonly region?: string;
}
