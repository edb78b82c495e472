import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_S3_TUNING, defaultTuning, resolveEndpoint } from '../../src/storage/s3/client.js';
import { describeS3Error, S3AccessError, S3Storage } from '../../src/storage/s3.js';
import { type S3TestServer, startS3Server, uniqueBucketName } from '../support/s3-server.js';

async function firstKey(storage: S3Storage): Promise<string | undefined> {
  for await (const object of storage.list()) return object.key;
  return undefined;
}

/** A port that refuses connections: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('S3 errors: one clear line each', () => {
  let server: S3TestServer;
  const bucket = uniqueBucketName('errors');

  before(async () => {
    server = await startS3Server();
    await server.createBucket(bucket);
  });

  after(async () => {
    await server.stop();
  });

  it('names a missing bucket', async () => {
    const storage = new S3Storage('no-such-bucket-here', 'logs', { endpointUrl: server.endpoint });
    try {
      await assert.rejects(firstKey(storage), (err: unknown) => {
        assert.ok(err instanceof S3AccessError);
        assert.equal(err.kind, 'no-such-bucket');
        assert.equal(err.fatal, true);
        assert.match(err.message, /^s3:\/\/no-such-bucket-here\/logs\/: no such bucket/);
        return true;
      });
    } finally {
      await storage.close();
    }
  });

  it('says access denied (403) for a bucket the server refuses', async () => {
    const locked = uniqueBucketName('locked');
    await server.createBucket(locked);
    server.denyAccess(locked);
    const storage = new S3Storage(locked, 'p', { endpointUrl: server.endpoint });
    try {
      await assert.rejects(firstKey(storage), {
        name: 'S3AccessError',
        kind: 'access-denied',
        message: `s3://${locked}/p/: access denied (403) — check the credentials' permissions`,
      });
      await assert.rejects(storage.openRead('k'), {
        message: `s3://${locked}/p/k: access denied (403) — check the credentials' permissions`,
      });
    } finally {
      await storage.close();
    }
  });

  it('says the endpoint cannot be reached when nothing listens there', async () => {
    const port = await closedPort();
    const storage = new S3Storage(bucket, '', { endpointUrl: `http://127.0.0.1:${port}` }, { maxAttempts: 1 });
    try {
      await assert.rejects(firstKey(storage), (err: unknown) => {
        assert.ok(err instanceof S3AccessError);
        assert.equal(err.kind, 'unreachable');
        assert.equal(
          err.message,
          `s3://${bucket}/: cannot reach the S3 endpoint (ECONNREFUSED) — check --endpoint-url and the network`,
        );
        return true;
      });
    } finally {
      await storage.close();
    }
  });

  it('maps SDK errors that need real AWS (credentials, signatures, regions)', () => {
    const sdkError = (name: string, status?: number, message = 'x') =>
      Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    const where = 's3://bucket/prefix';
    assert.equal(
      describeS3Error(
        sdkError('CredentialsProviderError', undefined, 'Could not load credentials from any providers'),
        where,
      ),
      's3://bucket/prefix: no AWS credentials found — set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role',
    );
    assert.equal(
      describeS3Error(sdkError('AccessDenied', 403), where),
      "s3://bucket/prefix: access denied (403) — check the credentials' permissions",
    );
    // HEAD answers have no body: the SDK only knows the status.
    assert.equal(
      describeS3Error(sdkError('403', 403), where),
      "s3://bucket/prefix: access denied (403) — check the credentials' permissions",
    );
    assert.match(
      describeS3Error(sdkError('InvalidAccessKeyId', 403), where),
      /credentials were rejected \(InvalidAccessKeyId\)/,
    );
    assert.match(describeS3Error(sdkError('SignatureDoesNotMatch', 403), where), /credentials were rejected/);
    assert.match(describeS3Error(sdkError('ExpiredToken', 400), where), /credentials have expired/);
    assert.match(describeS3Error(sdkError('PermanentRedirect', 301), where), /another region — set AWS_REGION/);
    assert.match(describeS3Error(sdkError('SlowDown', 503), where), /kept answering 503 SlowDown after all retries/);
    assert.equal(describeS3Error(sdkError('NoSuchKey', 404), where), 's3://bucket/prefix: no such object (404)');
    assert.equal(
      describeS3Error(sdkError('InternalError', 500, 'We encountered an internal error.'), where),
      's3://bucket/prefix: InternalError (500): We encountered an internal error.',
    );
    assert.equal(describeS3Error(new Error('plain'), where), 's3://bucket/prefix: plain');
  });

  it('reads the endpoint from --endpoint-url, then AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL', () => {
    const env = { AWS_ENDPOINT_URL: 'http://generic:1', AWS_ENDPOINT_URL_S3: 'http://s3only:2' };
    assert.equal(resolveEndpoint({ endpointUrl: 'http://flag:3' }, env), 'http://flag:3');
    assert.equal(resolveEndpoint({}, env), 'http://s3only:2');
    assert.equal(resolveEndpoint({}, { AWS_ENDPOINT_URL: 'http://generic:1' }), 'http://generic:1');
    assert.equal(resolveEndpoint({}, { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }), undefined);
    assert.equal(resolveEndpoint({}, {}), undefined);
  });

  /** Runs with a changed environment (no AWS config files, no region), restoring it afterwards. */
  async function withEnv(changes: Record<string, string | undefined>, run: () => Promise<void>): Promise<void> {
    const saved = { ...process.env };
    const isolated: Record<string, string | undefined> = {
      AWS_CONFIG_FILE: '/nonexistent/flowlake-test-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/flowlake-test-credentials',
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_PROFILE: undefined,
      ...changes,
    };
    for (const [key, value] of Object.entries(isolated)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    try {
      await run();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  it('takes part size, queue size and sockets from the environment, within S3 limits', () => {
    assert.deepEqual(defaultTuning({}), DEFAULT_S3_TUNING);
    const tuned = defaultTuning({
      FLOWLAKE_S3_PART_SIZE_MIB: '16',
      FLOWLAKE_S3_QUEUE_SIZE: '4',
      FLOWLAKE_S3_MAX_SOCKETS: '8',
    });
    assert.equal(tuned.partSize, 16 * 1024 * 1024);
    assert.equal(tuned.queueSize, 4);
    assert.equal(tuned.maxSockets, 8);
    assert.equal(defaultTuning({ FLOWLAKE_S3_PART_SIZE_MIB: '1' }).partSize, 5 * 1024 * 1024);
    assert.equal(defaultTuning({ FLOWLAKE_S3_QUEUE_SIZE: 'lots' }).queueSize, DEFAULT_S3_TUNING.queueSize);
  });

  it('uses AWS_ENDPOINT_URL_S3 with path-style addressing and us-east-1 when no region is configured', async () => {
    await withEnv({ AWS_ENDPOINT_URL_S3: server.endpoint }, async () => {
      const storage = new S3Storage(bucket, '', {});
      try {
        await storage.writeSmall('via-env.txt', 'hello');
        assert.equal((await storage.readSmall('via-env.txt'))?.toString(), 'hello');
        assert.equal(await storage.client.config.region(), 'us-east-1');
        assert.equal(storage.client.config.forcePathStyle, true);
      } finally {
        await storage.close();
      }
    });
  });

  it('says no credentials were found when the chain finds none', async () => {
    const noCredentials = {
      AWS_PROFILE: 'flowlake-test-no-such-profile',
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    };
    await withEnv(noCredentials, async () => {
      const storage = new S3Storage(bucket, 'p', { endpointUrl: server.endpoint });
      try {
        await assert.rejects(firstKey(storage), {
          name: 'S3AccessError',
          kind: 'no-credentials',
          message: `s3://${bucket}/p/: no AWS credentials found — set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run with an IAM role`,
        });
      } finally {
        await storage.close();
      }
    });
  });
});
