import { performance } from 'node:perf_hooks';
import { type DecodeContext, DecodeError, decodeObject, type FormatChoice, type InputShape } from '../decode/index.js';
import type { EventBatch } from '../decode/types.js';
import type { LaneLake } from '../lake/lane-lake.js';
import { findCompleteConversion, markerKey, optionsSignature } from '../lake/markers.js';
import { objectOutputNamer } from '../lake/names.js';
import { isLakeLayout } from '../lake/options.js';
import { OutputRouter } from '../lake/output-router.js';
import { keepPlaceable, type Placement } from '../ocsf/placeable.js';
import { describeS3Error, doomsEveryObject } from '../storage/s3/errors.js';
import type { ObjectInfo, Storage } from '../storage/types.js';
import { VERSION } from '../version.js';
import { FormatResolver } from './format-resolver.js';
import { RejectsSink } from './rejects.js';
import { RunStopError } from './run-stop.js';
import type { ConvertOptions, ObjectResult, ProgressTick } from './types.js';
import { keepFittingLines } from './validate.js';

export interface ConvertObjectArgs {
  readonly source: Storage;
  readonly object: ObjectInfo;
  readonly dest: Storage;
  readonly options: ConvertOptions;
  /** Called as the object streams (about every megabyte read). */
  readonly onProgress?: (tick: ProgressTick) => void;
  readonly signal?: AbortSignal;
  /**
   * The lane's shared files (hive layout): the object's rows are appended there once it has converted, and its
   * result comes back `staged` until the lane's next checkpoint publishes them. Without it (or in the mirror
   * layout) the object writes files of its own, published before this returns.
   */
  readonly lake?: LaneLake;
}

/**
 * Rows an object may hold in memory to share the lane's files; a bigger object writes files of its own (it
 * makes big files by itself, and staging it whole would hold all of its rows).
 */
export const STAGE_ROWS = 50_000;

/**
 * Converts one source object into its outputs: the single per-object function that the CLI's worker pool and
 * the Lambda worker both call. It never throws for a bad object: the result says what failed and why, and
 * nothing of that object is left in the destination. It throws RunStopError (after the same cleanup) only for
 * errors that would fail every object alike, such as a destination that refuses writes.
 */
export async function convertObject(args: ConvertObjectArgs): Promise<ObjectResult> {
  const { source, object, dest, options, onProgress, signal } = args;
  const started = performance.now();
  const base = { key: object.key, rows: 0, rejected: {}, controlMessages: 0, bytesIn: 0, bytesOut: 0, warnings: [] };
  if (signal?.aborted) return { ...base, status: 'failed', error: 'aborted', outputs: [], seconds: 0 };
  const seconds = () => (performance.now() - started) / 1000;

  const writeOptions = { metadata: { 'flowlake-source-etag': object.etag, 'flowlake-version': VERSION } };
  const rows_ = new ObjectRows(args, writeOptions);
  const rejects = new RejectsSink(dest, object.key);
  let reported: ConversionContext | undefined; // for the counts of a failed object
  let bytesIn = 0;
  let rows = 0;
  let shape: InputShape | undefined;
  const warnings: string[] = [];
  let body: (AsyncIterable<Buffer> & { destroy?: () => void }) | undefined;
  // Outputs already visible when a later step (rejects, marker) fails: removed again, so none stays unmarked.
  let committed: readonly string[] = [];

  try {
    if (!options.force) {
      const done = await findCompleteConversion(dest, object, options);
      if (done) {
        return {
          ...base,
          status: 'skipped',
          rows: done.marker.rows,
          outputs: done.marker.outputs,
          warnings: done.warning ? [done.warning] : [],
          seconds: seconds(),
        };
      }
    }
    const ctx = new ConversionContext(new FormatResolver(options), rejects);
    reported = ctx;
    body = await source.openRead(object.key, { etag: object.etag, size: object.size }).catch(rethrowFromSource);
    const counted = countingChunks(
      body,
      signal,
      (n) => {
        bytesIn = n;
      },
      () => onProgress?.({ bytesIn, rows }),
    );
    const decoded = await decodeObject(counted, ctx);
    shape = decoded.shape;
    const warned = new Set<string>();
    const ocsf = options.to.includes('ocsf');
    const placement: Placement = { externalAccountRows: 0 };
    for await (const batch of decoded.batches) {
      for (const name of batch.format.unknownNames) {
        if (!warned.has(name)) {
          warned.add(name);
          warnings.push(`field "${name}" is not in flowlake's catalog: kept as a string`);
        }
      }
      let fitting = keepFittingLines(batch, (reason, line) => ctx.reject(reason, line));
      if (ocsf)
        fitting = keepPlaceable(fitting, options.flowRegion, placement, (reason, line) => ctx.reject(reason, line));
      rows += fitting.lines.length;
      await rows_.write(fitting);
    }
    if (rows === 0 && rejects.total > 0) {
      throw new DecodeError(`no record fits the flow-log format (${rejects.total.toLocaleString('en-US')} rejected)`);
    }
    signal?.throwIfAborted();
    await rejects.commit();
    const rejected = Object.fromEntries(rejects.byReason);
    const marker = {
      source: { key: object.key, etag: object.etag, size: object.size },
      converter: VERSION,
      signature: optionsSignature(options),
      rows,
      rejected,
      controlMessages: ctx.controlMessages,
    };
    const result = {
      ...base,
      status: 'converted' as const,
      shape,
      rows,
      rejected,
      controlMessages: ctx.controlMessages,
      bytesIn,
      warnings,
      ...(placement.externalAccountRows > 0 ? { externalAccountRows: placement.externalAccountRows } : {}),
    };
    if (rows_.staged && args.lake) {
      // The rows wait in the lane's shared files; the checkpoint writes the marker (with these outputs).
      const outputs = await args.lake.append(object.key, rows_.batches, marker, rejects.key ? [rejects.key] : []);
      return { ...result, bytesOut: 0, outputs, staged: true, seconds: seconds() };
    }
    const written = await rows_.commit();
    committed = written.keys;
    const outputKeys = rejects.key ? [...written.keys, rejects.key] : written.keys;
    committed = outputKeys;
    await dest.writeSmall(
      markerKey(object.key),
      JSON.stringify({ ...marker, outputs: outputKeys, completedAt: new Date().toISOString() }),
      { contentType: 'application/json' },
    );
    return { ...result, bytesOut: written.bytes, outputs: outputKeys, seconds: seconds() };
  } catch (err) {
    body?.destroy?.();
    await Promise.allSettled([rows_.abort(), rejects.abort(), ...committed.map((key) => dest.remove(key))]);
    if (doomsEveryObject(err, sourceErrors.has(err as object) ? 'source' : 'destination')) {
      throw new RunStopError(describeFailure(err), { cause: err });
    }
    return {
      ...base,
      status: 'failed',
      error: describeFailure(err),
      shape,
      rows: 0,
      bytesIn,
      controlMessages: reported?.controlMessages ?? 0,
      outputs: [],
      warnings,
      seconds: seconds(),
    };
  }
}

/**
 * Where one object's rows go while it converts. With the lane's shared files (hive layout) they are held here
 * until the object has converted whole — a bad object then leaves nothing in files other objects share — up to
 * STAGE_ROWS; past that the object writes files of its own, as in the mirror layout.
 */
class ObjectRows {
  readonly batches: EventBatch[] = [];
  private held = 0;
  private router: OutputRouter | undefined;

  constructor(
    private readonly args: ConvertObjectArgs,
    private readonly writeOptions: { metadata: Record<string, string> },
  ) {
    if (!args.lake || !isLakeLayout(args.options.layout)) this.router = this.ownRouter();
  }

  /** True while the rows are held for the lane's shared files. */
  get staged(): boolean {
    return this.router === undefined;
  }

  private ownRouter(): OutputRouter {
    const { dest, object, options } = this.args;
    return new OutputRouter(dest, options, objectOutputNamer(object.key, options), this.writeOptions);
  }

  async write(batch: EventBatch): Promise<void> {
    if (this.router) return this.router.write(batch);
    this.batches.push(batch);
    this.held += batch.lines.length;
    if (this.held > STAGE_ROWS) {
      const router = this.ownRouter();
      this.router = router;
      for (const held of this.batches.splice(0)) await router.write(held);
    }
  }

  async commit(): Promise<{ keys: string[]; bytes: number }> {
    return (this.router ?? this.ownRouter()).commit();
  }

  async abort(): Promise<void> {
    this.batches.length = 0;
    await this.router?.abort();
  }
}

/**
 * What the decoder reports to while one object converts. A class rather than an object of arrow functions:
 * its methods are then the same functions for every object, so V8's compiled decoder keeps calling them
 * directly instead of being thrown away when the next object brings new closures.
 */
class ConversionContext implements DecodeContext {
  controlMessages = 0;

  constructor(
    private readonly resolver: FormatResolver,
    private readonly rejects: RejectsSink,
  ) {}

  formatFor(group: string | undefined): FormatChoice {
    return this.resolver.formatFor(group);
  }

  reject(reason: string, text: string): void {
    this.rejects.reject(reason, text);
  }

  controlMessage(): void {
    this.controlMessages++;
  }
}

/** Errors raised while reading the source object (as opposed to writing the destination). */
const sourceErrors = new WeakSet<object>();

function rethrowFromSource(err: unknown): never {
  if (typeof err === 'object' && err !== null) sourceErrors.add(err);
  throw err;
}

/**
 * Yields the body's chunks, counting bytes read, and stops when the run is aborted. Progress is reported about
 * every megabyte only: the result carries the final count, so a small object costs no progress message at all.
 */
async function* countingChunks(
  body: AsyncIterable<Buffer>,
  signal: AbortSignal | undefined,
  count: (bytes: number) => void,
  report: () => void,
): AsyncGenerator<Buffer> {
  let total = 0;
  let reported = 0;
  const chunks = body[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const next = await chunks.next().catch(rethrowFromSource);
      if (next.done) break;
      const chunk = next.value;
      signal?.throwIfAborted();
      total += chunk.length;
      count(total);
      if (total - reported >= 1 << 20) {
        reported = total;
        report();
      }
      yield chunk;
    }
    finished = true;
  } finally {
    if (!finished) await chunks.return?.();
  }
}

function describeFailure(err: unknown): string {
  if (err instanceof DecodeError) return err.message;
  // Errors of the S3 SDK carry $metadata: say what they mean (access denied, throttled…) in one line.
  if (typeof err === 'object' && err !== null && '$metadata' in err) return describeS3Error(err, 'S3');
  if (err instanceof Error) {
    if (err.name === 'AbortError') return 'aborted';
    const code = (err as NodeJS.ErrnoException).code;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
