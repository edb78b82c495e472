import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { convertObject } from '../convert/object.js';
import { failedResult } from '../convert/report.js';
import type { ObjectResult } from '../convert/types.js';
import { openStorage } from '../storage/index.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { concurrencyLimit, objectsAtOnce } from './concurrency.js';
import { asFolderPrefix, readWorkerConfig, s3Url, type WorkerConfig, withBatchInput } from './config.js';
import {
  isMapBatchEvent,
  isSourceKey,
  isSqsEvent,
  type MapBatchEvent,
  type ObjectRef,
  objectFromMapItem,
  objectsFromSqsBody,
} from './events.js';

/** What a Distributed Map child execution returns: one result per item, read back by the summary step. */
export interface MapBatchResult {
  readonly results: ObjectResult[];
}

export interface WorkerDependencies {
  readonly config: WorkerConfig;
  /** Objects converted at once by one invocation (default: from the function's memory, see concurrency.ts). */
  readonly objectsAtOnce?: number;
  readonly logger?: Logger;
  readonly metrics?: Metrics;
}

export type WorkerHandler = (event: unknown, context?: Context) => Promise<SQSBatchResponse | MapBatchResult>;

export interface Worker extends WorkerHandler {
  /** Releases the S3 clients' sockets (tests; a Lambda just freezes). */
  close(): Promise<void>;
}

/** Step Functions caps a state's output at 256 KiB: keep each item's result small. */
const MAX_WARNINGS_PER_RESULT = 20;
const MAX_ERROR_LENGTH = 2000;

/** Builds the one handler for both event shapes; tests build it with their own configuration. */
export function createWorker(deps: WorkerDependencies): Worker {
  const logger = deps.logger ?? new Logger({ serviceName: 'flowlake-worker' });
  const metrics = deps.metrics ?? new Metrics({ namespace: 'flowlake', serviceName: 'flowlake-worker' });
  const storages = new Map<string, Promise<Storage>>();
  const storageAt = (url: string): Promise<Storage> => {
    let storage = storages.get(url);
    if (!storage) {
      storage = openStorage(url);
      storages.set(url, storage);
    }
    return storage;
  };

  // Shared by both event shapes: a Map batch's items and an SQS batch's records (which Powertools runs in
  // parallel) all wait for one of these slots.
  const slot = concurrencyLimit(deps.objectsAtOnce ?? objectsAtOnce());

  function convertRef(ref: ObjectRef, config: WorkerConfig): Promise<ObjectResult | undefined> {
    return slot(() => convertRefNow(ref, config));
  }

  async function convertRefNow(ref: ObjectRef, config: WorkerConfig): Promise<ObjectResult | undefined> {
    const started = Date.now();
    const sourcePrefix = asFolderPrefix(config.sourcePrefix);
    const destPrefix = asFolderPrefix(config.destPrefix);
    if (!isSourceKey(ref.key)) return undefined;
    // Outputs written next to the sources must never be fed back in as sources.
    if (ref.bucket === config.destBucket && destPrefix !== '' && ref.key.startsWith(destPrefix)) {
      logger.info('ignoring an object under the destination prefix', { key: ref.key });
      return undefined;
    }
    try {
      if (ref.bucket !== config.sourceBucket) {
        throw new Error(`bucket ${ref.bucket} is not the configured source bucket ${config.sourceBucket}`);
      }
      if (!ref.key.startsWith(sourcePrefix)) {
        throw new Error(`key is outside the source prefix "${sourcePrefix}"`);
      }
      const source = await storageAt(s3Url(config.sourceBucket, sourcePrefix));
      const dest = await storageAt(s3Url(config.destBucket, destPrefix));
      const object = await describeObject(source, ref, ref.key.slice(sourcePrefix.length));
      const result = await convertObject({ source, object, dest, options: config.options });
      return result;
    } catch (error) {
      // Keys in results are relative to the source root, as convertObject and the CLI report them.
      const key = ref.key.startsWith(sourcePrefix) ? ref.key.slice(sourcePrefix.length) : ref.key;
      return failedResult(key, errorText(error), (Date.now() - started) / 1000);
    }
  }

  let unpublished = false;
  function record(result: ObjectResult): void {
    unpublished = true;
    metrics.addMetric(`objects${capitalize(result.status)}`, MetricUnit.Count, 1);
    metrics.addMetric('rows', MetricUnit.Count, result.rows);
    metrics.addMetric('bytesIn', MetricUnit.Bytes, result.bytesIn);
    metrics.addMetric('bytesOut', MetricUnit.Bytes, result.bytesOut);
    if (result.status === 'failed') metrics.addMetric('failures', MetricUnit.Count, 1);
    const fields = {
      key: result.key,
      status: result.status,
      rows: result.rows,
      bytesIn: result.bytesIn,
      bytesOut: result.bytesOut,
      seconds: result.seconds,
      outputs: result.outputs,
    };
    if (result.status === 'failed') logger.error('object failed', { ...fields, error: result.error });
    else logger.info(`object ${result.status}`, fields);
  }

  async function handleMapBatch(event: MapBatchEvent): Promise<MapBatchResult> {
    const config = withBatchInput(deps.config, event.BatchInput);
    // Items convert concurrently (bounded by the slots); results keep the items' order.
    const settled = await Promise.all(
      event.Items.map(async (item) => {
        let result: ObjectResult | undefined;
        try {
          result = await convertRef(objectFromMapItem(item, config.sourceBucket), config);
        } catch (error) {
          result = failedResult(String(item?.Key), errorText(error));
        }
        if (result) record(result);
        return result;
      }),
    );
    const results: ObjectResult[] = [];
    for (const result of settled) if (result) results.push(compact(result));
    return { results };
  }

  async function handleSqs(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    const processor = new BatchProcessor(EventType.SQS);
    const handleRecord = async (sqsRecord: SQSRecord) => {
      const failures: string[] = [];
      for (const ref of objectsFromSqsBody(sqsRecord.body)) {
        const result = await convertRef(ref, deps.config);
        if (!result) continue;
        record(result);
        if (result.status === 'failed') failures.push(`${ref.key}: ${result.error}`);
      }
      // Throwing marks just this message as failed: SQS redelivers it, then moves it to the DLQ.
      if (failures.length > 0) throw new Error(failures.join('; '));
    };
    return processPartialResponse(event, handleRecord, processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  }

  const handle: WorkerHandler = async (event, context) => {
    if (context) logger.addContext(context);
    try {
      if (isMapBatchEvent(event)) return await handleMapBatch(event);
      if (isSqsEvent(event)) return await handleSqs(event as SQSEvent, context);
      throw new Error('unsupported event: expected an SQS event or a Distributed Map batch {Items, BatchInput}');
    } finally {
      // Powertools warns about publishing nothing (an s3:TestEvent, an empty batch).
      if (unpublished) metrics.publishStoredMetrics();
      unpublished = false;
    }
  };
  const close = async () => {
    for (const storage of storages.values()) await ((await storage) as { close?: () => Promise<void> }).close?.();
    storages.clear();
  };
  return Object.assign(handle, { close });
}

/** Size and ETag come with S3 notifications and map items; a hand-written {bucket,key} needs a listing. */
async function describeObject(source: Storage, ref: ObjectRef, key: string): Promise<ObjectInfo> {
  if (ref.size !== undefined && ref.etag !== undefined) return { key, size: ref.size, etag: ref.etag };
  for await (const info of source.list({ prefixes: [key] })) {
    if (info.key === key) return info;
  }
  throw new Error('object not found in the source bucket');
}

function compact(result: ObjectResult): ObjectResult {
  const warnings =
    result.warnings.length > MAX_WARNINGS_PER_RESULT
      ? [
          ...result.warnings.slice(0, MAX_WARNINGS_PER_RESULT),
          `… ${result.warnings.length - MAX_WARNINGS_PER_RESULT} more`,
        ]
      : result.warnings;
  const error =
    result.error && result.error.length > MAX_ERROR_LENGTH
      ? `${result.error.slice(0, MAX_ERROR_LENGTH)}…`
      : result.error;
  return { ...result, warnings, ...(error !== undefined ? { error } : {}) };
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

let defaultWorker: WorkerHandler | undefined;

/** The Lambda entry point: configuration from the environment, built on first use. */
export const handler: WorkerHandler = (event, context) => {
  defaultWorker ??= createWorker({ config: readWorkerConfig() });
  return defaultWorker(event, context);
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
