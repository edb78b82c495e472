import type { EventBatch } from '../decode/types.js';
import type { Storage, WriteOptions } from '../storage/types.js';
import { commitCheckpoint } from './checkpoint.js';
import type { CompletionMarker } from './markers.js';
import { sharedOutputNamer } from './names.js';
import type { ConvertOptions } from './options.js';
import { OutputRouter, type RouterLimits, type WrittenFile } from './output-router.js';

/** An object whose rows are in the shared files, waiting for the checkpoint that makes them visible. */
export interface StagedObject {
  readonly source: string;
  /** Its marker, less what only the checkpoint knows (the files are named already: `outputs`). */
  readonly marker: Omit<CompletionMarker, 'completedAt'>;
  readonly rows: number;
}

export interface CheckpointOutcome {
  readonly id: string;
  readonly files: readonly WrittenFile[];
  /** Each staged object with its share of the bytes written (by rows: the files are shared). */
  readonly objects: ReadonlyArray<{ readonly source: string; readonly bytesOut: number }>;
}

/**
 * The lake's coalesced writes on one lane (a worker thread, or a Lambda invocation): every object of the lane
 * appends its rows to one writer per partition, so a run makes one file per partition and checkpoint instead of
 * one per object and partition. An object's rows are appended whole once it has converted (see convertObject),
 * so a failed object leaves nothing in the shared files; `checkpoint()` then publishes them (checkpoint.ts).
 */
export class LaneLake {
  private router: OutputRouter;
  private staged: StagedObject[] = [];
  private sequence = 0;
  /** Appends run one after another: encoders take one batch at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  /** An append that failed half-way left part of an object in the shared files: the checkpoint is lost. */
  private broken: Error | undefined;

  constructor(
    private readonly dest: Storage,
    private readonly options: ConvertOptions,
    /** Names this lane's files and checkpoints: unique per run and lane (or per Lambda batch). */
    private readonly name: string,
    private readonly writeOptions: WriteOptions = {},
    private readonly limits: RouterLimits = {},
  ) {
    this.router = this.newRouter();
  }

  private newRouter(): OutputRouter {
    const base = `${this.name}-${this.sequence}`;
    return new OutputRouter(
      this.dest,
      this.options,
      sharedOutputNamer(base, this.options),
      this.writeOptions,
      this.limits,
    );
  }

  /** Rows appended since the last checkpoint. */
  get stagedRows(): number {
    let n = 0;
    for (const s of this.staged) n += s.rows;
    return n;
  }

  get stagedObjects(): number {
    return this.staged.length;
  }

  /**
   * Appends one converted object's rows; resolves with its outputs: the shared files they went to, then
   * `ownOutputs` (its rejects file).
   */
  append(
    source: string,
    batches: readonly EventBatch[],
    marker: Omit<CompletionMarker, 'outputs' | 'completedAt'>,
    ownOutputs: readonly string[] = [],
  ): Promise<string[]> {
    const run = this.chain.then(async () => {
      if (this.broken) throw this.broken;
      const touched = new Set<string>();
      try {
        for (const batch of batches) await this.router.write(batch, touched);
      } catch (err) {
        this.broken = err as Error;
        throw err;
      }
      const outputs = [...[...touched].sort(), ...ownOutputs];
      this.staged.push({ source, marker: { ...marker, outputs }, rows: marker.rows });
      return outputs;
    });
    this.chain = run.catch(() => {});
    return run;
  }

  /**
   * Publishes every object appended since the last checkpoint (none may be converting on this lane: the
   * caller drains it first). On failure nothing of it is visible and its objects are not marked.
   */
  async checkpoint(): Promise<CheckpointOutcome> {
    await this.chain;
    const id = `${this.name}-${this.sequence}`;
    const router = this.router;
    const staged = this.staged;
    this.staged = [];
    this.sequence++;
    this.router = this.newRouter();
    const broken = this.broken;
    this.broken = undefined;
    const sources = staged.map((s) => s.source);
    if (broken) {
      await router.abort();
      throw new CheckpointError(broken.message, sources, { cause: broken });
    }
    if (staged.length === 0) return { id, files: [], objects: [] };
    try {
      const files = await router.finishAll();
      const completedAt = new Date().toISOString();
      await commitCheckpoint(
        this.dest,
        id,
        files.map((f) => f.key),
        staged.map((s) => ({ source: s.source, marker: { ...s.marker, completedAt } })),
        () => router.commitFinished(),
      );
      return { id, files, objects: shareBytes(staged, files) };
    } catch (err) {
      await router.abort();
      throw new CheckpointError((err as Error).message, sources, { cause: err });
    }
  }

  /** Discards everything appended since the last checkpoint (a stopped run). */
  async abort(): Promise<void> {
    await this.chain;
    this.staged = [];
    this.broken = undefined;
    await this.router.abort();
  }
}

/** A checkpoint that could not be published: `sources` are its objects (not marked, unless recovery does). */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    message: string,
    readonly sources: readonly string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Splits the bytes of the files among their objects by rows, so that per-object sums add up to the files'. */
function shareBytes(staged: readonly StagedObject[], files: readonly WrittenFile[]): CheckpointOutcome['objects'] {
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const rows = staged.reduce((sum, s) => sum + s.rows, 0);
  let given = 0;
  return staged.map((s, i) => {
    const share = i === staged.length - 1 ? bytes - given : rows === 0 ? 0 : Math.floor((bytes * s.rows) / rows);
    given += share;
    return { source: s.source, bytesOut: share };
  });
}
