/**
 * Turns AWS SDK errors into one line a person can act on, so the CLI can print them without a stack trace.
 */

/** What kind of trouble an S3 call ran into. */
export type S3ErrorKind =
  | 'no-credentials'
  | 'bad-credentials'
  | 'expired-credentials'
  | 'access-denied'
  | 'no-such-bucket'
  | 'not-found'
  | 'changed'
  | 'wrong-region'
  | 'unreachable'
  | 'timeout'
  | 'throttled'
  | 'aborted'
  | 'other';

/** Kinds that will fail every object the same way: a run should stop instead of failing them one by one. */
const FATAL_KINDS: ReadonlySet<S3ErrorKind> = new Set([
  'no-credentials',
  'bad-credentials',
  'expired-credentials',
  'no-such-bucket',
  'wrong-region',
  'unreachable',
]);

/** An S3 failure with a one-line message naming the place (`s3://bucket/key: …`) and the likely fix. */
export class S3AccessError extends Error {
  override readonly name = 'S3AccessError';
  readonly kind: S3ErrorKind;
  readonly where: string;
  /** True when retrying other objects is pointless (no credentials, no bucket, endpoint unreachable…). */
  readonly fatal: boolean;

  constructor(where: string, kind: S3ErrorKind, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.where = where;
    this.fatal = FATAL_KINDS.has(kind);
  }
}

interface SdkErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  BucketName?: string;
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Classifies an SDK (or network) error. */
export function classifyS3Error(err: unknown): S3ErrorKind {
  if (err instanceof S3AccessError) return err.kind;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? e.Code ?? '';
  const status = e.$metadata?.httpStatusCode;
  const message = e.message ?? '';
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) return 'no-credentials';
  if (name === 'AbortError') return 'aborted';
  if (name === 'NoSuchBucket') return 'no-such-bucket';
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'InvalidToken') {
    return 'bad-credentials';
  }
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'TokenRefreshRequired') {
    return 'expired-credentials';
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) return 'wrong-region';
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || name === 'Forbidden' || status === 403) {
    return 'access-denied';
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return 'not-found';
  if (name === 'PreconditionFailed' || status === 412) return 'changed';
  if (name === 'SlowDown' || name === 'ServiceUnavailable' || status === 503) return 'throttled';
  if (name === 'TimeoutError' || e.code === 'ETIMEDOUT') return 'timeout';
  if ((e.code && NETWORK_CODES.has(e.code)) || NETWORK_CODES.has(name)) return 'unreachable';
  return 'other';
}

/** One line for a person: where it happened, what is wrong and what to check. */
export function describeS3Error(err: unknown, where: string): string {
  if (err instanceof S3AccessError) return err.message;
  const e = (err ?? {}) as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  switch (classifyS3Error(err)) {
    case 'no-credentials':
      return `${where}: no AWS credentials found — set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role`;
    case 'bad-credentials':
      return `${where}: the credentials were rejected (${e.name ?? e.Code}) — check the access key id and secret`;
    case 'expired-credentials':
      return `${where}: the credentials have expired — refresh them (e.g. aws sso login) and run again`;
    case 'no-such-bucket':
      return `${where}: no such bucket${e.BucketName ? ` "${e.BucketName}"` : ''} — check the bucket name${process.env.AWS_ENDPOINT_URL || process.env.AWS_ENDPOINT_URL_S3 ? ' and the endpoint' : ''}`;
    case 'access-denied':
      return `${where}: access denied (403) — check the credentials' permissions`;
    case 'wrong-region':
      return `${where}: the bucket is in another region — set AWS_REGION to the bucket's region`;
    case 'not-found':
      return `${where}: no such object (404)`;
    case 'changed':
      return `${where}: the object changed while it was being read (its ETag no longer matches) — run again`;
    case 'throttled':
      return `${where}: S3 kept answering ${status ?? 503} ${e.name ?? 'SlowDown'} after all retries — lower --concurrency or try later`;
    case 'timeout':
      return `${where}: S3 did not answer in time (${e.message ?? 'timeout'})`;
    case 'unreachable':
      return `${where}: cannot reach the S3 endpoint (${e.code ?? e.name}) — check --endpoint-url and the network`;
    case 'aborted':
      return `${where}: aborted`;
    default: {
      const label = e.name && e.name !== 'Error' ? `${e.name}${status ? ` (${status})` : ''}: ` : '';
      return `${where}: ${label}${e.message ?? String(err)}`;
    }
  }
}

/** Wraps any error from an S3 call into an S3AccessError (kept as is when it already is one). */
export function toS3AccessError(err: unknown, where: string): S3AccessError {
  if (err instanceof S3AccessError) return err;
  return new S3AccessError(where, classifyS3Error(err), describeS3Error(err, where), err);
}

/**
 * True when an error will fail every other object of the run the same way, so the run should stop at once.
 * Access denied is per object when reading a source (one key may be refused, e.g. its KMS key), but writing
 * (or checking markers) on the destination is the same prefix for every object: refused once, refused always.
 */
export function doomsEveryObject(err: unknown, side: 'source' | 'destination'): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const kind = classifyS3Error(err);
  return FATAL_KINDS.has(kind) || (kind === 'access-denied' && side === 'destination');
}
