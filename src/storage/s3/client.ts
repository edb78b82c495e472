import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import type { StorageOptions } from '../types.js';

/** Knobs of one S3Storage; the defaults suit a CLI run on a laptop or a Lambda worker. */
export interface S3Tuning {
  /** Sockets per client (one client per S3Storage; the worker pool shares it). */
  readonly maxSockets: number;
  readonly connectionTimeoutMs: number;
  /** Whole request until the response headers (uploads of a part included). */
  readonly requestTimeoutMs: number;
  /** A socket with no traffic for this long is destroyed (a read resumes from where it was). */
  readonly socketTimeoutMs: number;
  /** SDK attempts per request (5xx, SlowDown, network errors). */
  readonly maxAttempts: number;
  /**
   * 'adaptive' (default) also slows the client down after SlowDown answers, which protects a busy bucket but
   * can pace a run at a few requests a second for a while; AWS_RETRY_MODE=standard (or this) only backs off.
   */
  readonly retryMode?: 'standard' | 'adaptive';
  /** A body that delivers no byte for this long while the reader wants data is dropped and resumed. */
  readonly stallMs: number;
  /** Resumes in a row without a new byte before a read gives up. */
  readonly maxResumes: number;
  /** First pause before a resume; doubles each time without progress (capped at 5 s). */
  readonly resumeBackoffMs: number;
  /** Multipart upload part size (≥ 5 MiB) and parts in flight per upload: memory per write ≈ partSize × (queueSize + 1). */
  readonly partSize: number;
  readonly queueSize: number;
}

export const DEFAULT_S3_TUNING: S3Tuning = {
  maxSockets: 64,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 300_000,
  socketTimeoutMs: 30_000,
  maxAttempts: 8,
  stallMs: 20_000,
  maxResumes: 5,
  resumeBackoffMs: 200,
  partSize: 8 * 1024 * 1024,
  queueSize: 2,
};

/**
 * Defaults with the memory-related knobs overridable from the environment (worker threads and Lambda inherit
 * it): FLOWLAKE_S3_PART_SIZE_MIB (≥ 5), FLOWLAKE_S3_QUEUE_SIZE, FLOWLAKE_S3_MAX_SOCKETS.
 */
export function defaultTuning(env: NodeJS.ProcessEnv = process.env): S3Tuning {
  const positive = (name: string): number | undefined => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > 0 ? value : undefined;
  };
  const partMiB = positive('FLOWLAKE_S3_PART_SIZE_MIB');
  return {
    ...DEFAULT_S3_TUNING,
    partSize: partMiB ? Math.max(5, partMiB) * 1024 * 1024 : DEFAULT_S3_TUNING.partSize,
    queueSize: positive('FLOWLAKE_S3_QUEUE_SIZE') ?? DEFAULT_S3_TUNING.queueSize,
    maxSockets: positive('FLOWLAKE_S3_MAX_SOCKETS') ?? DEFAULT_S3_TUNING.maxSockets,
  };
}

/** Region S3-compatible servers accept when nothing is configured anywhere. */
export const FALLBACK_REGION = 'us-east-1';

/**
 * The endpoint to use: `--endpoint-url`, else the SDK's own AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
 * (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS). Read here, not left to the SDK, because a custom endpoint
 * also needs path-style addressing.
 */
export function resolveEndpoint(options: StorageOptions, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (options.endpointUrl) return options.endpointUrl;
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS === 'true') return undefined;
  return env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
}

function retryModeFromEnv(): 'standard' | 'adaptive' | undefined {
  const mode = process.env.AWS_RETRY_MODE;
  return mode === 'standard' || mode === 'adaptive' ? mode : undefined;
}

let defaultRegion: Promise<string> | undefined;

/** The SDK's region chain (env, profile, IMDS…), falling back to us-east-1 instead of failing. */
function regionFromChain(): Promise<string> {
  defaultRegion ??= (async () => {
    const probe = new S3Client({});
    try {
      return await probe.config.region();
    } catch {
      return FALLBACK_REGION;
    } finally {
      probe.destroy();
    }
  })();
  return defaultRegion;
}

/** One client per storage: keep-alive sockets, bounded timeouts, adaptive retries. */
export function createS3Client(options: StorageOptions, tuning: S3Tuning = DEFAULT_S3_TUNING): S3Client {
  const endpoint = resolveEndpoint(options);
  const agentOptions = { keepAlive: true, maxSockets: tuning.maxSockets };
  return new S3Client({
    region: options.region ?? regionFromChain,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    // S3-compatible servers often lack the newer flexible checksums; AWS itself gets them on uploads.
    requestChecksumCalculation: endpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED',
    // Reads are resumed with Range requests and checked by length and If-Match; a whole-object checksum
    // stream around the body would hide the socket from destroy() and cannot cover a resumed read anyway.
    responseChecksumValidation: 'WHEN_REQUIRED',
    followRegionRedirects: true,
    retryMode: tuning.retryMode ?? retryModeFromEnv() ?? 'adaptive',
    maxAttempts: tuning.maxAttempts,
    requestHandler: {
      connectionTimeout: tuning.connectionTimeoutMs,
      requestTimeout: tuning.requestTimeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: tuning.socketTimeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
    },
  });
}
