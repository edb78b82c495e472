import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ObjectResult } from '../convert/types.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { objectsAtOnce } from './concurrency.js';
import { readWorkerConfig, type WorkerConfig, withBatchInput } from './config.js';
import { isMapBatchEvent, isSqsEvent, type MapBatchEvent, objectFromMapItem, objectsFromSqsBody } from './events.js';
import { type BatchObject, InvocationObjects, type InvocationServices } from './invocation.js';

/** What a Distributed Map child execution returns: one result per item, read back by the summary step. */
export interface MapBatchResult {
  readonly results: ObjectResult[];
}

export interface WorkerDependencies {
  readonly config: WorkerConfig;
  /** Objects converted at once by one invocation (default: from the function's memory, see concurrency.ts). */
  readonly objectsAtOnce?: number;
  /** Lake layouts: staged rows that make a checkpoint mid-batch (default: the CLI's bound, CHECKPOINT_ROWS). */
  readonly checkpointRows?: number;
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
  const services: InvocationServices = {
    storageAt,
    logger,
    inFlight: deps.objectsAtOnce ?? objectsAtOnce(),
    checkpointRows: deps.checkpointRows,
  };

  /** Converts the invocation's objects together, then logs and counts each one's result once. */
  async function convertAll(objects: InvocationObjects, context: Context | undefined): Promise<void> {
    await objects.convert(context);
    for (const object of objects.all()) if (object.result) record(object.result);
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

  async function handleMapBatch(event: MapBatchEvent, context?: Context): Promise<MapBatchResult> {
    const config = withBatchInput(deps.config, event.BatchInput);
    const objects = new InvocationObjects(config, services);
    const perItem = event.Items.map((item) => {
      try {
        return objects.add(objectFromMapItem(item, config.sourceBucket));
      } catch (error) {
        return objects.addUnreadable(String(item?.Key), error);
      }
    });
    await convertAll(objects, context);
    // Results keep the items' order.
    const results: ObjectResult[] = [];
    for (const object of perItem) if (object?.result) results.push(compact(object.result));
    return { results };
  }

  async function handleSqs(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
    const objects = new InvocationObjects(deps.config, services);
    const perMessage = new Map(event.Records.map((r) => [r.messageId, objectsOfMessage(objects, r)]));
    await convertAll(objects, context);
    // Every message whose objects all converted (or were done already) succeeds; the others fail, and only
    // they: an object fails when it is bad, or when the checkpoint that held its rows could not publish them.
    const handleRecord = async (sqsRecord: SQSRecord) => {
      const named = perMessage.get(sqsRecord.messageId) ?? [];
      if (named instanceof Error) throw named;
      const failures = named.flatMap((o) => (o.result?.status === 'failed' ? [`${o.ref.key}: ${o.result.error}`] : []));
      // Throwing marks just this message as failed: SQS redelivers it, then moves it to the DLQ.
      if (failures.length > 0) throw new Error(failures.join('; '));
    };
    return processPartialResponse(event, handleRecord, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });
  }

  const handle: WorkerHandler = async (event, context) => {
    if (context) logger.addContext(context);
    try {
      if (isMapBatchEvent(event)) return await handleMapBatch(event, context);
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

/** The objects one SQS message names, or why its body names none (the message then fails). */
function objectsOfMessage(objects: InvocationObjects, sqsRecord: SQSRecord): BatchObject[] | Error {
  try {
    return objectsFromSqsBody(sqsRecord.body).flatMap((ref) => objects.add(ref) ?? []);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
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
