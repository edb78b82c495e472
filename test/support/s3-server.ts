/**
 * A real S3-compatible server on 127.0.0.1 (ephemeral port) for tests: fauxqs's S3 (in memory), which pages
 * ListObjectsV2, honours Range and If-Match, and does multipart uploads including AbortMultipartUpload.
 *
 * Why not s3rver: its ListObjectsV2 continuation tokens use DES, which OpenSSL 3 (Node ≥ 17) only has with
 * `--openssl-legacy-provider` (without it, the second page is an InternalError); it also answers
 * ListMultipartUploads and AbortMultipartUpload with NotImplemented and ignores If-Match.
 *
 * fauxqs has no ListMultipartUploads either (and its listing pages can skip keys, see listInKeyOrder); this server answers it from fauxqs's own store of open uploads,
 * so tests can check that nothing is left behind. It can also refuse a bucket with 403 AccessDenied, the way
 * S3 does for credentials without permission (fauxqs does not check signatures), and it creates an object
 * exclusively for `If-None-Match: *` as S3 does (412 PreconditionFailed when it exists; fauxqs ignores it).
 * The same endpoint serves fauxqs's SQS and SNS for tests that need them.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateBucketCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { buildApp } from 'fauxqs';

export interface OpenUpload {
  readonly key: string;
  readonly uploadId: string;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>`, for `--endpoint-url` / StorageOptions.endpointUrl. */
  readonly endpoint: string;
  /** A client on this endpoint (path-style, test credentials). */
  readonly client: S3Client;
  createBucket(name: string): Promise<void>;
  putObject(bucket: string, key: string, body: string | Buffer, metadata?: Record<string, string>): Promise<void>;
  /** Multipart uploads still open in the bucket, through the ListMultipartUploads API. */
  listMultipartUploads(bucket: string): Promise<OpenUpload[]>;
  /**
   * From now on, every request on this bucket is answered 403 AccessDenied — or only the requests `refusal`
   * picks (methods, keys), with another error code (e.g. InvalidAccessKeyId for rejected credentials).
   */
  denyAccess(bucket: string, refusal?: Refusal): void;
  stop(): Promise<void>;
}

export interface Refusal {
  /** Only these HTTP methods (e.g. PUT and POST: writes refused, reads and deletes allowed). */
  readonly methods?: readonly string[];
  /** Only keys matching this. */
  readonly keys?: RegExp;
  /** The S3 error code answered (default AccessDenied, status 403). */
  readonly code?: string;
}

interface StoredUpload {
  readonly uploadId: string;
  readonly bucket: string;
  readonly key: string;
  readonly initiated: Date;
}

interface StoredObject {
  readonly key: string;
}

interface ListRequest {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly maxKeys?: number;
  readonly startAfter?: string;
  readonly marker?: string;
}

interface ListAnswer {
  objects: StoredObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/** The parts of fauxqs's S3Store this server reads or replaces. */
interface FauxqsS3Store {
  hasBucket(name: string): boolean;
  listObjects(bucket: string, request?: ListRequest): ListAnswer;
  readonly buckets: Map<string, Map<string, StoredObject>>;
  readonly multipartUploads: Map<string, StoredUpload>;
}

/**
 * Listing in S3's order. fauxqs 1.9.2 sorts keys with localeCompare but resumes after the continuation key by
 * plain comparison, so a page boundary skips keys when the two orders differ (`_flowlake/…` next to `2020/…`).
 */
function listInKeyOrder(store: FauxqsS3Store): FauxqsS3Store['listObjects'] {
  const original = store.listObjects.bind(store);
  return (bucket, request = {}) => {
    const objects = store.buckets.get(bucket);
    if (!objects) return original(bucket, request); // answers NoSuchBucket
    const prefix = request.prefix ?? '';
    const after = request.startAfter || request.marker || '';
    const maxKeys = request.maxKeys ?? 1000;
    const keys = [...objects.keys()].filter((key) => key.startsWith(prefix) && key > after).sort();
    const answer: ListAnswer = { objects: [], commonPrefixes: [], isTruncated: false };
    for (const key of keys) {
      const rest = key.slice(prefix.length);
      const cut = request.delimiter ? rest.indexOf(request.delimiter) : -1;
      const common = cut >= 0 ? prefix + rest.slice(0, cut + (request.delimiter?.length ?? 0)) : undefined;
      if (common !== undefined && (common <= after || answer.commonPrefixes.at(-1) === common)) continue;
      if (answer.objects.length + answer.commonPrefixes.length >= maxKeys) {
        answer.isTruncated = true;
        break;
      }
      if (common !== undefined) answer.commonPrefixes.push(common);
      else answer.objects.push(objects.get(key)!);
    }
    return answer;
  };
}

const SINGLE_PUT_LIMIT = 8 * 1024 * 1024;

/** Region and credentials for tests: the SDK signs every request, the server does not check. */
export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'flowlake-test', secretAccessKey: 'flowlake-test-secret' };

/** Puts test credentials in the environment (for code that builds its own clients), keeping real ones if set. */
export function useTestCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID ??= TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= TEST_CREDENTIALS.secretAccessKey;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/**
 * The environment of a `flowlake` child process talking to the test server: test credentials, and the
 * smallest parts S3 allows (5 MiB), so a big output goes multipart.
 */
export function cliEnvForTestS3(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    FLOWLAKE_S3_PART_SIZE_MIB: '5',
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_REGION: TEST_REGION,
  };
}

export function testS3Client(endpoint: string, config: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({
    endpoint,
    forcePathStyle: true,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...config,
  });
}

async function loadFauxqsS3Store(): Promise<new () => FauxqsS3Store> {
  // Not exported by the package; loaded by file URL so the server can share the store it answers from.
  const url = new URL('./s3/s3Store.js', import.meta.resolve('fauxqs'));
  const module = (await import(url.href)) as { S3Store: new () => FauxqsS3Store };
  return module.S3Store;
}

export async function startS3Server(): Promise<S3TestServer> {
  useTestCredentials();
  const S3Store = await loadFauxqsS3Store();
  const s3Store = new S3Store();
  Object.assign(s3Store, { listObjects: listInKeyOrder(s3Store) });
  const denied = new Map<string, Refusal>();
  const app = buildApp({ logger: false, stores: { s3Store } as never });

  app.addHook('onRequest', async (request, reply) => {
    const url = new URL(request.url, 'http://localhost');
    const bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    const refusal = denied.get(bucket);
    const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
    if (
      refusal &&
      (!refusal.methods || refusal.methods.includes(request.method)) &&
      (!refusal.keys || refusal.keys.test(key))
    ) {
      const code = refusal.code ?? 'AccessDenied';
      return reply
        .status(403)
        .header('content-type', 'application/xml')
        .send(errorXml(code, code === 'AccessDenied' ? 'Access Denied' : code, bucket));
    }
    const isBucketPath = /^\/[^/]+\/?$/.test(url.pathname);
    // S3 creates an object exclusively for `If-None-Match: *` (locks, claims); fauxqs ignores the header.
    if (
      request.method === 'PUT' &&
      !isBucketPath &&
      request.headers['if-none-match'] === '*' &&
      s3Store.buckets.get(bucket)?.has(key)
    ) {
      return reply
        .status(412)
        .header('content-type', 'application/xml')
        .send(errorXml('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', bucket));
    }
    if (request.method === 'GET' && isBucketPath && url.searchParams.has('uploads')) {
      if (!s3Store.hasBucket(bucket)) {
        return reply
          .status(404)
          .header('content-type', 'application/xml')
          .send(errorXml('NoSuchBucket', 'The specified bucket does not exist', bucket));
      }
      const uploads = [...s3Store.multipartUploads.values()].filter((upload) => upload.bucket === bucket);
      return reply.status(200).header('content-type', 'application/xml').send(listUploadsXml(bucket, uploads));
    }
  });

  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  const client = testS3Client(endpoint);
  return {
    endpoint,
    client,
    async createBucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
    },
    async putObject(bucket, key, body, metadata) {
      if (Buffer.byteLength(body) > SINGLE_PUT_LIMIT) {
        // fauxqs takes request bodies up to 11 MiB: bigger objects go up in parts, as S3 clients do.
        await new Upload({ client, params: { Bucket: bucket, Key: key, Body: body, Metadata: metadata } }).done();
        return;
      }
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: Buffer.byteLength(body),
          Metadata: metadata,
        }),
      );
    },
    async listMultipartUploads(bucket) {
      const response = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return (response.Uploads ?? []).map((upload) => ({ key: upload.Key ?? '', uploadId: upload.UploadId ?? '' }));
    },
    denyAccess(bucket, refusal = {}) {
      denied.set(bucket, refusal);
    },
    async stop() {
      client.destroy();
      await app.close();
    },
  };
}

/** A bucket name no other test uses. */
/**
 * The test server for code that builds its own S3 clients from the environment (the Lambda functions): the
 * environment points at it, Powertools metrics are off, and the buckets exist.
 */
export async function startS3ServerForFunctions(...buckets: string[]): Promise<S3TestServer> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const server = await startS3Server();
  process.env.AWS_ENDPOINT_URL_S3 = server.endpoint;
  process.env.AWS_REGION = TEST_REGION;
  for (const bucket of buckets) await server.createBucket(bucket);
  return server;
}

export function uniqueBucketName(label = 'bucket'): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorXml(code: string, message: string, bucket: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>` +
    `<BucketName>${escapeXml(bucket)}</BucketName><RequestId>flowlake-test</RequestId></Error>`
  );
}

function listUploadsXml(bucket: string, uploads: readonly StoredUpload[]): string {
  const items = uploads
    .map(
      (upload) =>
        `<Upload><Key>${escapeXml(upload.key)}</Key><UploadId>${escapeXml(upload.uploadId)}</UploadId>` +
        `<Initiated>${upload.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
    )
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${escapeXml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
    `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`
  );
}

/** Keys (relative to the prefix) and ETags of everything under a prefix, over every listing page. */
export async function objectsUnder(server: S3TestServer, bucket: string, prefix = ''): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await server.client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) objects.set((item.Key ?? '').slice(prefix.length), item.ETag ?? '');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

/** The keys under a prefix, relative to it, sorted. */
export async function keysUnder(server: S3TestServer, bucket: string, prefix = ''): Promise<string[]> {
  return [...(await objectsUnder(server, bucket, prefix)).keys()].sort();
}
