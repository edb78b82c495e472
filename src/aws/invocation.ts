import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { failedResult } from '../convert/report.js';
import type { ObjectResult } from '../convert/types.js';
import { claimObject, releaseClaim } from '../lake/claims.js';
import { invocationNameAt } from '../lake/names.js';
import { isLakeLayout } from '../lake/options.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { forEachLimit } from '../util/limit.js';
import { convertBatch, errorText } from './batch.js';
import { asFolderPrefix, openDestination, s3Url, type WorkerConfig } from './config.js';
import { isSourceKey, type ObjectRef } from './events.js';

/**
 * One source object of an invocation, however many items or messages name it, and what became of it: set at
 * once for a key the worker refuses, else once the batch has converted (and, in a lake layout, published) it.
 */
export interface BatchObject {
  /** What the event says of it; bare (bucket and key) when two events disagree on its ETag. */
  ref: ObjectRef;
  /** Relative to the source root, as convertObject and the CLI report keys. */
  readonly key: string;
  result?: ObjectResult;
}

/** What an invocation's objects take from the worker that runs them. */
export interface InvocationServices {
  /** The worker's storages, opened once per URL and kept from one invocation to the next. */
  readonly storageAt: (url: string) => Promise<Storage>;
  readonly logger: Logger;
  readonly inFlight: number;
  readonly checkpointRows?: number;
}

/**
 * The objects one invocation converts: a Distributed Map batch's items or an SQS batch's messages, all together
 * (convertBatch: in the lake layouts one writer per partition for the whole invocation), each distinct object
 * once — two conversions of one object would put its rows in the lake twice.
 */
export class InvocationObjects {
  private readonly named = new Map<string, BatchObject>();
  /** Items that name no key at all: failed from the start. */
  private readonly unnamed: BatchObject[] = [];

  constructor(
    private readonly config: WorkerConfig,
    private readonly services: InvocationServices,
  ) {}

  /** The object `ref` names, or undefined when it is no source object (a folder, the worker's own outputs). */
  add(ref: ObjectRef): BatchObject | undefined {
    const id = `${ref.bucket}/${ref.key}`;
    const known = this.named.get(id);
    if (known) {
      // Two notifications of one key with different ETags: convert what the bucket holds now.
      if (known.ref.etag !== ref.etag) known.ref = { bucket: ref.bucket, key: ref.key };
      return known;
    }
    const object = this.checked(ref);
    if (object) this.named.set(id, object);
    return object;
  }

  /** An item that could not be read as an object (a map item without a key), failed with why. */
  addUnreadable(label: string, error: unknown): BatchObject {
    const object = { ref: { bucket: '', key: label }, key: label, result: failedResult(label, errorText(error)) };
    this.unnamed.push(object);
    return object;
  }

  all(): BatchObject[] {
    return [...this.named.values(), ...this.unnamed];
  }

  /** Converts every object without a result yet; when this resolves, every object has one. */
  async convert(context: Context | undefined): Promise<void> {
    const todo = [...this.named.values()].filter((o) => !o.result);
    if (todo.length === 0) return;
    const started = Date.now();
    try {
      await this.convertNow(todo, context);
    } catch (error) {
      // The lake's recovery could not run, or the batch broke down: what has no result yet fails (redelivered).
      for (const o of todo) o.result ??= failedResult(o.key, errorText(error), (Date.now() - started) / 1000);
    }
  }

  private checked(ref: ObjectRef): BatchObject | undefined {
    const { config } = this;
    const sourcePrefix = asFolderPrefix(config.sourcePrefix);
    const destPrefix = asFolderPrefix(config.destPrefix);
    if (!isSourceKey(ref.key)) return undefined;
    // Outputs written next to the sources must never be fed back in as sources.
    if (ref.bucket === config.destBucket && destPrefix !== '' && ref.key.startsWith(destPrefix)) {
      this.services.logger.info('ignoring an object under the destination prefix', { key: ref.key });
      return undefined;
    }
    const key = ref.key.startsWith(sourcePrefix) ? ref.key.slice(sourcePrefix.length) : ref.key;
    if (ref.bucket !== config.sourceBucket) {
      const error = `bucket ${ref.bucket} is not the configured source bucket ${config.sourceBucket}`;
      return { ref, key, result: failedResult(key, error) };
    }
    if (!ref.key.startsWith(sourcePrefix)) {
      return { ref, key, result: failedResult(key, `key is outside the source prefix "${sourcePrefix}"`) };
    }
    return { ref, key };
  }

  private async convertNow(todo: readonly BatchObject[], context: Context | undefined): Promise<void> {
    const { config, services } = this;
    const source = await services.storageAt(s3Url(config.sourceBucket, asFolderPrefix(config.sourcePrefix)));
    // Data where the configuration says (a Security Lake location), bookkeeping under the destination prefix.
    const dest = await openDestination(config, services.storageAt);
    const name = invocationNameAt(new Date(), context?.awsRequestId);
    const lake = isLakeLayout(config.options.layout);
    const mine = lake ? await this.claim(dest, todo, name) : todo;
    try {
      const byKey = new Map(mine.map((o) => [o.key, o]));
      await convertBatch({
        source,
        dest,
        options: config.options,
        name,
        objects: described(source, mine),
        inFlight: services.inFlight,
        checkpointRows: services.checkpointRows,
        onResult: (result) => {
          const object = byKey.get(result.key);
          if (object) object.result = result;
        },
      });
    } finally {
      // Published or not, this invocation is done with them: a redelivery may take them at once.
      if (lake) await Promise.allSettled(mine.map((o) => releaseClaim(dest, o.key)));
    }
  }

  /**
   * The objects this invocation may convert: those it claims (claims.ts). One another invocation is converting
   * fails here, to be redelivered: by then its holder has published it, and it is skipped as done.
   */
  private async claim(dest: Storage, todo: readonly BatchObject[], name: string): Promise<BatchObject[]> {
    const claimed = new Set<BatchObject>();
    await forEachLimit(todo, CLAIMS_AT_ONCE, async (object) => {
      const claim = await claimObject(dest, object.key, name);
      if (claim.claimed) claimed.add(object);
      else
        object.result = failedResult(
          object.key,
          `being converted by another invocation (${claim.holder}): retried later`,
        );
    });
    // In the items' order: objects of one hour together keep few partition writers open.
    return todo.filter((o) => claimed.has(o));
  }
}

/** Claims written at once (S3 round trips overlap). */
const CLAIMS_AT_ONCE = 16;

/** The objects as a listing gives them (size and ETag); one that cannot be described fails alone. */
async function* described(source: Storage, objects: readonly BatchObject[]): AsyncGenerator<ObjectInfo> {
  for (const object of objects) {
    try {
      yield await describeObject(source, object.ref, object.key);
    } catch (error) {
      object.result = failedResult(object.key, errorText(error));
    }
  }
}

/** Size and ETag come with S3 notifications and map items; a hand-written {bucket,key} needs a listing. */
async function describeObject(source: Storage, ref: ObjectRef, key: string): Promise<ObjectInfo> {
  if (ref.size !== undefined && ref.etag !== undefined) return { key, size: ref.size, etag: ref.etag };
  for await (const info of source.list({ prefixes: [key] })) {
    if (info.key === key) return info;
  }
  throw new Error('object not found in the source bucket');
}
