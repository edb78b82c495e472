import { Readable } from 'node:stream';
import { classifyS3Error, S3AccessError, toS3AccessError } from './errors.js';

/** What a GET answered: the body and enough headers to know where it starts and how long the object is. */
export interface RangeResponse {
  readonly body: Readable;
  readonly etag?: string;
  /** Content-Range header when the server honoured the Range. */
  readonly contentRange?: string;
  readonly contentLength?: number;
}

/** GETs the object from byte `start` (0: the whole object), with If-Match when an ETag is known. */
export type RangeFetcher = (start: number, etag: string | undefined, signal: AbortSignal) => Promise<RangeResponse>;

export interface ResumeSettings {
  /** Names the object in errors (`s3://bucket/key`). */
  readonly where: string;
  readonly stallMs: number;
  readonly maxResumes: number;
  readonly resumeBackoffMs: number;
  /** Called each time a broken body is resumed (counts for tests and logs). */
  readonly onResume?: (info: { readonly at: number; readonly size: number; readonly reason: string }) => void;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Opens the object and returns a stream of its bytes that survives broken bodies: it counts the bytes it has
 * passed on and, when a body errors, ends early or stalls, GETs `bytes=<count>-` with If-Match of the first
 * ETag, so no byte is emitted twice or lost and a changed object fails clearly.
 */
export async function openResumableRead(
  fetch: RangeFetcher,
  settings: ResumeSettings,
  expectedEtag?: string,
): Promise<Readable> {
  const controller = new AbortController();
  const first = await fetch(0, expectedEtag, controller.signal).catch((err: unknown) => {
    throw toS3AccessError(err, settings.where);
  });
  const etag = expectedEtag ?? first.etag;
  const size = totalSize(first);
  if (size === undefined) {
    first.body.destroy();
    throw new S3AccessError(settings.where, 'other', `${settings.where}: the server sent no object length`);
  }
  return new ResumableObjectStream(fetch, settings, first.body, etag, size);
}

function totalSize(response: RangeResponse): number | undefined {
  const match = response.contentRange ? /\/(\d+)\s*$/.exec(response.contentRange) : null;
  if (match) return Number(match[1]);
  return response.contentLength;
}

function rangeStart(response: RangeResponse): number | undefined {
  const match = response.contentRange ? /^bytes\s+(\d+)-/.exec(response.contentRange) : null;
  return match ? Number(match[1]) : undefined;
}

/** Errors that another GET cannot fix. */
function isPermanent(err: unknown): boolean {
  const kind = classifyS3Error(err);
  return (
    kind === 'changed' ||
    kind === 'not-found' ||
    kind === 'access-denied' ||
    kind === 'no-such-bucket' ||
    kind === 'no-credentials' ||
    kind === 'bad-credentials' ||
    kind === 'expired-credentials'
  );
}

class ResumableObjectStream extends Readable {
  readonly #fetch: RangeFetcher;
  readonly #settings: ResumeSettings;
  readonly #etag: string | undefined;
  readonly #size: number;
  #delivered = 0;
  #body: Readable | undefined;
  /** Bytes to drop from the start of the current body (a server that ignored the Range sent the whole object). */
  #skip = 0;
  #failuresInARow = 0;
  #stallTimer: NodeJS.Timeout | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #pending: AbortController | undefined;
  #ended = false;

  constructor(fetch: RangeFetcher, settings: ResumeSettings, body: Readable, etag: string | undefined, size: number) {
    super({ highWaterMark: 256 * 1024 }); // like a local file read: fewer, bigger hand-offs to the decoder
    this.#fetch = fetch;
    this.#settings = settings;
    this.#etag = etag;
    this.#size = size;
    this.#attach(body, 0);
  }

  override _read(): void {
    const body = this.#body;
    if (body?.isPaused()) {
      body.resume();
      this.#armStall(body);
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#clearTimers();
    this.#pending?.abort();
    this.#body?.destroy();
    this.#body = undefined;
    callback(err);
  }

  #attach(body: Readable, skip: number): void {
    this.#body = body;
    this.#skip = skip;
    body.on('data', (chunk: Buffer) => {
      if (this.#body !== body) return;
      if (this.#skip > 0) {
        const dropped = Math.min(this.#skip, chunk.length);
        this.#skip -= dropped;
        chunk = chunk.subarray(dropped);
        if (chunk.length === 0) return;
      }
      if (this.#delivered + chunk.length > this.#size) {
        this.#giveUp(new Error(`the server sent more than the object's ${this.#size} bytes`));
        return;
      }
      this.#delivered += chunk.length;
      this.#failuresInARow = 0;
      if (this.push(chunk)) {
        this.#armStall(body);
      } else {
        body.pause();
        this.#clearStall();
      }
    });
    body.once('end', () => {
      if (this.#body !== body) return;
      if (this.#delivered === this.#size) this.#finish();
      else this.#broken(body, `the body ended after ${this.#delivered} of ${this.#size} bytes`);
    });
    body.once('error', (err: Error) => {
      if (this.#body === body) this.#broken(body, err.message || String(err));
    });
    body.once('close', () => {
      if (this.#body === body) this.#broken(body, 'the connection closed early');
    });
    this.#armStall(body);
  }

  #finish(): void {
    this.#clearTimers();
    this.#body = undefined;
    if (this.#ended) return;
    this.#ended = true;
    this.push(null);
  }

  /** The current body failed: drop it and GET the rest, or give up after too many tries without progress. */
  #broken(body: Readable | undefined, reason: string): void {
    this.#clearStall();
    this.#body = undefined;
    body?.destroy();
    if (this.destroyed) return;
    if (this.#delivered === this.#size) {
      this.#finish();
      return;
    }
    this.#failuresInARow += 1;
    if (this.#failuresInARow > this.#settings.maxResumes) {
      this.#giveUp(
        new Error(
          `read failed at byte ${this.#delivered} of ${this.#size} after ${this.#settings.maxResumes} resumes: ${reason}`,
        ),
      );
      return;
    }
    this.#settings.onResume?.({ at: this.#delivered, size: this.#size, reason });
    const backoff = Math.min(this.#settings.resumeBackoffMs * 2 ** (this.#failuresInARow - 1), MAX_BACKOFF_MS);
    this.#backoffTimer = setTimeout(() => this.#resume(), backoff);
  }

  #resume(): void {
    this.#backoffTimer = undefined;
    const controller = new AbortController();
    this.#pending = controller;
    const start = this.#delivered;
    this.#fetch(start, this.#etag, controller.signal).then(
      (response) => {
        if (this.#pending === controller) this.#pending = undefined;
        if (this.destroyed) {
          response.body.destroy();
          return;
        }
        const from = rangeStart(response);
        if (from !== undefined && from !== start) {
          response.body.destroy();
          this.#giveUp(new Error(`asked for bytes from ${start}, the server sent from ${from}`));
          return;
        }
        // No Content-Range: the server ignored the Range and sent the object from its first byte.
        this.#attach(response.body, from === undefined ? start : 0);
        // A reader with a full buffer gets the rest when it calls _read again; otherwise _read is already
        // pending (it asked while there was no body) and the new body must flow.
        if (this.readableLength >= this.readableHighWaterMark) {
          response.body.pause();
          this.#clearStall();
        }
      },
      (err: unknown) => {
        if (this.#pending === controller) this.#pending = undefined;
        if (this.destroyed) return;
        if (isPermanent(err)) this.destroy(toS3AccessError(err, this.#settings.where));
        else this.#broken(undefined, describe(err));
      },
    );
  }

  #giveUp(cause: Error): void {
    const where = this.#settings.where;
    this.destroy(new S3AccessError(where, 'other', `${where}: ${cause.message}`, cause));
  }

  #armStall(body: Readable): void {
    this.#clearStall();
    this.#stallTimer = setTimeout(() => {
      if (this.#body === body) this.#broken(body, `no data for ${this.#settings.stallMs} ms`);
    }, this.#settings.stallMs);
  }

  #clearStall(): void {
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  #clearTimers(): void {
    this.#clearStall();
    if (this.#backoffTimer) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = undefined;
  }
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return e?.message ? `${e.name ?? 'Error'}: ${e.message}` : String(err);
}
