import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startAtomicUpload } from './s3/atomic-upload.js';
import { createS3Client, defaultTuning, type S3Tuning } from './s3/client.js';
import { classifyS3Error, toS3AccessError } from './s3/errors.js';
import { openResumableRead, type RangeResponse } from './s3/resumable-read.js';
import { normalizePrefix, parseS3Url } from './s3/url.js';
import {
  type AtomicWrite,
  type ListOptions,
  ObjectExistsError,
  type ObjectInfo,
  type Storage,
  type StorageOptions,
  type WriteOptions,
} from './types.js';

export { DEFAULT_S3_TUNING, defaultTuning, type S3Tuning } from './s3/client.js';
export { describeS3Error, S3AccessError, type S3ErrorKind, toS3AccessError } from './s3/errors.js';
export { isS3Url, parseS3Url } from './s3/url.js';

/** The flowlake's own bookkeeping folder (completion markers, reports) inside a destination. */
const OWN_FOLDER = '_flowlake';

export interface S3ReadOptions {
  /** Read this version only (the ETag seen when listing): a changed object fails instead of mixing versions. */
  readonly etag?: string;
}

/** Counters for tests, benchmarks and logs. */
export interface S3StorageStats {
  listPages: number;
  listedObjects: number;
  skippedKeys: number;
  resumes: number;
}

/**
 * Objects under `s3://bucket/prefix`. Keys are relative to the prefix. One S3Client (keep-alive, bounded
 * sockets and timeouts, adaptive retries) serves every call of this storage; close() releases its sockets.
 */
export class S3Storage implements Storage {
  readonly root: string;
  readonly bucket: string;
  /** '' or a folder ending with '/'. */
  readonly prefix: string;
  readonly client: S3Client;
  readonly tuning: S3Tuning;
  readonly stats: S3StorageStats = { listPages: 0, listedObjects: 0, skippedKeys: 0, resumes: 0 };

  /** Set when the storage stands for one object (`s3://bucket/path/file.gz`): list() yields only it. */
  readonly onlyKey: string | undefined;

  /**
   * @param prefix a folder: `logs`, `logs/` and `/logs/` are the same; '' is the whole bucket.
   * @param onlyKey restricts the storage to this one object of the folder (see openS3Storage).
   */
  constructor(
    bucket: string,
    prefix: string,
    options: StorageOptions = {},
    tuning: Partial<S3Tuning> = {},
    onlyKey?: string,
  ) {
    this.bucket = bucket;
    this.prefix = normalizePrefix(prefix);
    this.onlyKey = onlyKey;
    // Like a folder path: no trailing slash (`s3://bucket/logs`), the whole bucket is `s3://bucket`.
    this.root = `s3://${bucket}${this.prefix ? `/${this.prefix.slice(0, -1)}` : ''}${onlyKey ? `/${onlyKey}` : ''}`;
    this.tuning = { ...defaultTuning(), ...tuning };
    this.client = createS3Client(options, this.tuning);
  }

  /** A storage for `s3://bucket/prefix` taken as a folder (no request made; see openS3Storage for files). */
  static fromUrl(url: string, options: StorageOptions = {}, tuning: Partial<S3Tuning> = {}): S3Storage {
    const { bucket, prefix } = parseS3Url(url);
    return new S3Storage(bucket, prefix, options, tuning);
  }

  /**
   * Every object under the prefix (or under each of options.prefixes), paginated, keys relative to the prefix.
   * Skipped: folder markers (keys ending in '/') and anything inside a `_flowlake/` folder, so a destination
   * that lies inside the source does not feed its own markers back — unless the caller lists inside
   * `_flowlake/` on purpose (e.g. prefixes: ['_flowlake/done/']).
   */
  async *list(options: ListOptions = {}): AsyncIterable<ObjectInfo> {
    if (this.onlyKey !== undefined) {
      yield* this.#listOnly(this.onlyKey);
      return;
    }
    // No prefixes or an empty list: everything (as LocalStorage does).
    for (const sub of withoutNested(options.prefixes?.length ? options.prefixes : [''])) {
      let token: string | undefined;
      do {
        const page = await this.client
          .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + sub, ContinuationToken: token }))
          .catch((err: unknown) => {
            throw toS3AccessError(err, `s3://${this.bucket}/${this.prefix}${sub}`);
          });
        this.stats.listPages += 1;
        for (const item of page.Contents ?? []) {
          const key = item.Key?.slice(this.prefix.length);
          if (!key || key.endsWith('/') || insideOwnFolder(key.slice(sub.length))) {
            this.stats.skippedKeys += 1;
            continue;
          }
          this.stats.listedObjects += 1;
          yield { key, size: item.Size ?? 0, etag: item.ETag ?? '' };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  }

  /** Streams the object; broken or stalled bodies are resumed by Range GETs (see resumable-read.ts). */
  openRead(key: string, options: S3ReadOptions = {}): Promise<Readable> {
    const where = this.where(key);
    return openResumableRead(
      (start, etag, signal) => this.#get(key, start, etag, signal),
      {
        where,
        stallMs: this.tuning.stallMs,
        maxResumes: this.tuning.maxResumes,
        resumeBackoffMs: this.tuning.resumeBackoffMs,
        onResume: () => {
          this.stats.resumes += 1;
        },
      },
      options.etag,
    );
  }

  async readRange(key: string, start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    try {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key), Range: `bytes=${start}-${end - 1}` }),
      );
      return response.Body ? Buffer.from(await response.Body.transformToByteArray()) : Buffer.alloc(0);
    } catch (err) {
      throw toS3AccessError(err, this.where(key));
    }
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      if (!response.Body) return Buffer.alloc(0);
      return Buffer.from(await response.Body.transformToByteArray());
    } catch (err) {
      if (classifyS3Error(err) === 'not-found') return undefined;
      throw toS3AccessError(err, this.where(key));
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return true;
    } catch (err) {
      if (classifyS3Error(err) === 'not-found') return false;
      throw toS3AccessError(err, this.where(key));
    }
  }

  /** User metadata keys are stored lower-case (S3 does so); values must be ASCII (they travel as headers). */
  writeAtomic(key: string, options: WriteOptions = {}): AtomicWrite {
    return startAtomicUpload(
      {
        client: this.client,
        bucket: this.bucket,
        key: this.fullKey(key),
        where: this.where(key),
        partSize: this.tuning.partSize,
        queueSize: this.tuning.queueSize,
      },
      options,
    );
  }

  async writeSmall(key: string, body: string | Buffer, options: WriteOptions = {}): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.fullKey(key),
          Body: body,
          ContentLength: Buffer.byteLength(body),
          ContentType: options.contentType,
          Metadata: options.metadata ? { ...options.metadata } : undefined,
          IfNoneMatch: options.ifNoneMatch,
        }),
      );
    } catch (err) {
      if (options.ifNoneMatch && classifyS3Error(err) === 'changed') throw new ObjectExistsError(`${key} exists`);
      throw toS3AccessError(err, this.where(key));
    }
  }

  /** Deletes one object (tests and cleanup of markers); a missing object is not an error. */
  async remove(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
    } catch (err) {
      if (classifyS3Error(err) !== 'not-found') throw toS3AccessError(err, this.where(key));
    }
  }

  /** User metadata of one object (lower-case keys), undefined when the object does not exist. */
  async metadata(key: string): Promise<Record<string, string> | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.fullKey(key) }));
      return head.Metadata ?? {};
    } catch (err) {
      if (classifyS3Error(err) === 'not-found') return undefined;
      throw toS3AccessError(err, this.where(key));
    }
  }

  /** Releases the client's keep-alive sockets; the storage must not be used afterwards. */
  async close(): Promise<void> {
    this.client.destroy();
  }

  /** Keys are names: a relative key is appended as it is (`/x` under `logs/` is `logs//x`, as listed). */
  fullKey(key: string): string {
    return this.prefix + key;
  }

  where(key: string): string {
    return `s3://${this.bucket}/${this.fullKey(key)}`;
  }

  async *#listOnly(key: string): AsyncIterable<ObjectInfo> {
    const page = await this.client
      .send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.fullKey(key), MaxKeys: 1 }))
      .catch((err: unknown) => {
        throw toS3AccessError(err, this.where(key));
      });
    this.stats.listPages += 1;
    const item = page.Contents?.find((candidate) => candidate.Key === this.fullKey(key));
    if (item) yield { key, size: item.Size ?? 0, etag: item.ETag ?? '' };
  }

  async #get(key: string, start: number, etag: string | undefined, signal: AbortSignal): Promise<RangeResponse> {
    const response = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.fullKey(key),
        Range: start > 0 ? `bytes=${start}-` : undefined,
        IfMatch: etag,
      }),
      { abortSignal: signal },
    );
    return {
      body: response.Body as Readable,
      etag: response.ETag,
      contentRange: response.ContentRange,
      contentLength: response.ContentLength,
    };
  }
}

/**
 * Opens `s3://bucket/prefix` as Storage. A URL that does not end in '/' and names an existing object is that one
 * object (like a local file argument); anything else is a folder. Costs one HEAD request for such URLs.
 * A source URL that is meant as a folder but also names an object (`s3://b/logs` and a key `logs`) is taken
 * as the object: write `s3://b/logs/` for the folder.
 */
export async function openS3Storage(
  url: string,
  options: StorageOptions = {},
  tuning: Partial<S3Tuning> = {},
): Promise<S3Storage> {
  const folder = S3Storage.fromUrl(url, options, tuning);
  const path = url.replace(/^s3:\/\/[^/]+\/?/i, '');
  if (path === '' || path.endsWith('/')) return folder;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const parent = path.slice(0, path.length - name.length);
  const isObject = await folder.client
    .send(new HeadObjectCommand({ Bucket: folder.bucket, Key: path }))
    // Any failure means "not a readable object here": a write-only destination answers 403 to HEAD.
    .then(
      () => true,
      () => false,
    );
  if (!isObject) return folder;
  await folder.close();
  return new S3Storage(folder.bucket, parent, options, tuning, name);
}

function insideOwnFolder(relativeKey: string): boolean {
  return relativeKey.split('/').slice(0, -1).includes(OWN_FOLDER);
}

/** Sorted sub-prefixes without those covered by a shorter one, so no key is listed twice. */
function withoutNested(prefixes: readonly string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  const kept: string[] = [];
  for (const prefix of sorted) {
    if (!kept.some((outer) => prefix.startsWith(outer))) kept.push(prefix);
  }
  return kept;
}
