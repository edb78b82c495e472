import type { EventBatch } from '../decode/types.js';
import { createEncoder } from '../encode/index.js';
import { type Encoder, OUTPUT_EXTENSIONS, type OutputKind } from '../encode/types.js';
import { type HivePartition, HivePartitioner } from '../layout/hive.js';
import { OcsfPartitioner } from '../layout/ocsf.js';
import type { AtomicWrite, Storage, WriteOptions } from '../storage/types.js';
import { type ConvertOptions, isLakeLayout } from './options.js';

const CONTENT_TYPES: Record<OutputKind, string> = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  jsonl: 'application/x-ndjson',
  ocsf: 'application/vnd.apache.parquet',
};

/** What names an output file: its partition (hive layout), its format group, its extension and its serial. */
export interface OutputName {
  readonly partition: HivePartition | undefined;
  /** '' for the default format, else the log group's slug (a sibling file per format). */
  readonly formatKey: string;
  readonly ext: string;
  /** 0 for a group's first file; 1, 2… when a group's file was closed early and the group goes on in another. */
  readonly serial: number;
}

export type OutputNamer = (name: OutputName) => string;

/** One output file written (not necessarily visible yet). */
export interface WrittenFile {
  readonly key: string;
  readonly kind: OutputKind;
  readonly rows: number;
  readonly bytes: number;
}

/** One output file whose encoder has finished: what is left to commit (the encoder and its buffers are gone). */
interface ClosedOutput {
  readonly key: string;
  readonly kind: OutputKind;
  readonly write: AtomicWrite;
  byteCount: number;
  rows: number;
}

/** One output file in the making: its encoder, and the file it writes (which outlives it until commit). */
interface OpenOutput {
  readonly file: ClosedOutput;
  readonly encoder: Encoder;
}

interface OpenGroup {
  readonly id: string;
  readonly outputs: OpenOutput[];
  lastUse: number;
  /** OCSF layout: the partition's event day (days since 1970). */
  readonly day?: number;
}

export interface RouterLimits {
  /**
   * Format groups × partitions open at once. Past it the least recently used group's files are finished (their
   * bytes stay unpublished until commit) and the group goes on in new files: a run touching thousands of
   * partitions (a hostile account column, say) keeps a bounded number of encoders in memory.
   */
  readonly maxOpenGroups?: number;
  /** OCSF layout: bytes of rows the open files may hold (default OCSF_HELD_BYTES). */
  readonly heldBytes?: number;
}

export const DEFAULT_MAX_OPEN_GROUPS = 16;
/**
 * OCSF files hold their rows until they are finished (to sort them by time). Their memory is bounded by what
 * they hold (OCSF_HELD_BYTES), and a day's files are finished once rows two days newer arrive; the cap on open
 * files is then only a backstop for a hostile account column.
 */
export const OCSF_MAX_OPEN_GROUPS = 64;
/** Bytes of rows a lane's open OCSF files hold at most: past it the fullest is finished (its partition goes on in a new file). */
export const OCSF_HELD_BYTES = 64 * 2 ** 20;
const DAY_MS = 86_400_000;

/**
 * Sends each batch to the outputs it belongs to: one file per output kind, per format group and (hive layout)
 * per partition. Files are opened on their first row, so no empty outputs are made. One router serves one
 * object (mirror layout, or an object too big to share files) or many objects of a run (the lake's coalesced
 * writes, see lane-lake.ts); the namer decides which.
 */
export class OutputRouter {
  private readonly open = new Map<string, OpenGroup>();
  /** Files whose encoders have finished, waiting for commit (groups closed early, and everything at finishAll). */
  private readonly closed: ClosedOutput[] = [];
  private readonly serials = new Map<string, number>();
  private readonly partitioners = new Map<string, { partitionOfLine(line: string, eventMs: number): HivePartition }>();
  /** Encoders of groups closed early, finishing into their temp files. */
  private readonly finishing: Promise<void>[] = [];
  private readonly maxOpenGroups: number;
  private readonly heldBytes: number;
  private uses = 0;
  /** OCSF layout: the newest event day a file was opened for. */
  private newestDay = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly dest: Storage,
    private readonly options: Pick<ConvertOptions, 'to' | 'layout' | 'region' | 'compression' | 'flowRegion'>,
    private readonly namer: OutputNamer,
    private readonly writeOptions: WriteOptions = {},
    limits: RouterLimits = {},
  ) {
    const byDefault = options.layout === 'ocsf' ? OCSF_MAX_OPEN_GROUPS : DEFAULT_MAX_OPEN_GROUPS;
    this.maxOpenGroups = Math.max(1, limits.maxOpenGroups ?? byDefault);
    this.heldBytes = limits.heldBytes ?? OCSF_HELD_BYTES;
  }

  /** Writes a batch; the keys of the files its rows went to are added to `touched`. */
  async write(batch: EventBatch, touched?: Set<string>): Promise<void> {
    if (batch.lines.length === 0) return;
    if (isLakeLayout(this.options.layout)) {
      for (const [partition, part] of this.splitByPartition(batch)) {
        await this.writeTo(this.groupFor(batch, partition), part, touched);
      }
    } else {
      await this.writeTo(this.groupFor(batch, undefined), batch, touched);
    }
  }

  /** Rows written so far to files not yet committed. */
  get rows(): number {
    let n = 0;
    for (const o of this.all()) n += o.rows;
    return n;
  }

  private async writeTo(group: OpenGroup, batch: EventBatch, touched: Set<string> | undefined): Promise<void> {
    group.lastUse = ++this.uses;
    for (const o of group.outputs) {
      o.file.rows += batch.lines.length;
      touched?.add(o.file.key);
    }
    await Promise.all(group.outputs.map((o) => o.encoder.write(batch)));
    if (this.options.layout === 'ocsf') this.boundHeldRows();
  }

  /** OCSF: finishes the file holding the most rows while the open files hold more than the bound. */
  private boundHeldRows(): void {
    for (;;) {
      let total = 0;
      let fullest: OpenGroup | undefined;
      let most = -1;
      for (const g of this.open.values()) {
        const held = g.outputs.reduce((sum, o) => sum + (o.encoder.heldBytes ?? 0), 0);
        total += held;
        if (held > most) {
          most = held;
          fullest = g;
        }
      }
      if (total <= this.heldBytes || !fullest) return;
      this.close(fullest);
    }
  }

  /** OCSF: a partition day's files are finished once rows of two days later arrive (late rows open new ones). */
  private closeDaysBefore(day: number): void {
    for (const g of [...this.open.values()]) if (g.day !== undefined && g.day < day) this.close(g);
  }

  private close(group: OpenGroup): void {
    this.open.delete(group.id);
    for (const o of group.outputs) this.finish(o);
  }

  private groupFor(batch: EventBatch, partition: HivePartition | undefined): OpenGroup {
    const id = `${batch.formatKey}\n${partition ? `${partition.account}/${partition.region}/${partition.hour}` : ''}`;
    let group = this.open.get(id);
    if (!group) {
      const day = this.options.layout === 'ocsf' && partition ? eventDayNumber(partition.hour) : undefined;
      if (day !== undefined && day > this.newestDay) {
        this.newestDay = day;
        this.closeDaysBefore(day - 1);
      }
      if (this.open.size >= this.maxOpenGroups) this.closeLeastRecentlyUsed();
      const serial = this.serials.get(id) ?? 0;
      this.serials.set(id, serial + 1);
      group = {
        id,
        outputs: this.options.to.map((kind) => this.openOutput(kind, batch, partition, serial)),
        lastUse: 0,
        day,
      };
      this.open.set(id, group);
    }
    return group;
  }

  /** Finishes the files of the group used longest ago; they are committed with the others. */
  private closeLeastRecentlyUsed(): void {
    let oldest: OpenGroup | undefined;
    for (const g of this.open.values()) if (!oldest || g.lastUse < oldest.lastUse) oldest = g;
    if (!oldest) return;
    this.open.delete(oldest.id);
    for (const o of oldest.outputs) this.finish(o);
  }

  /** Ends an encoder into its (unpublished) file; an error surfaces at finishAll, never as an unhandled one. */
  private finish(output: OpenOutput): void {
    // Kept without its encoder, whose column buffers (and the strings they hold) can then be collected.
    this.closed.push(output.file);
    const done = output.encoder.finish();
    done.catch(() => {});
    this.finishing.push(done);
  }

  private openOutput(
    kind: OutputKind,
    batch: EventBatch,
    partition: HivePartition | undefined,
    serial: number,
  ): OpenOutput {
    const ext = OUTPUT_EXTENSIONS[kind];
    const key = this.namer({ partition, formatKey: batch.formatKey, ext, serial });
    const write = this.dest.writeAtomic(key, { ...this.writeOptions, contentType: CONTENT_TYPES[kind] });
    const file: ClosedOutput = { key, kind, write, byteCount: 0, rows: 0 };
    countBytes(file, write.stream);
    const encoder = createEncoder(kind, {
      format: batch.format,
      out: write.stream,
      compression: this.options.compression,
      flowRegion: this.options.flowRegion,
    });
    return { file, encoder };
  }

  private splitByPartition(batch: EventBatch): Map<HivePartition, EventBatch> {
    let partitioner = this.partitioners.get(batch.formatKey);
    if (!partitioner) {
      partitioner =
        this.options.layout === 'ocsf'
          ? new OcsfPartitioner(batch.format, this.options.flowRegion)
          : new HivePartitioner(batch.format, this.options.region ?? process.env.AWS_REGION ?? 'unknown');
      this.partitioners.set(batch.formatKey, partitioner);
    }
    const groups = new Map<HivePartition, { timestamps: number[]; lines: string[] }>();
    const { lines, timestamps } = batch;
    let last: HivePartition | undefined;
    let group: { timestamps: number[]; lines: string[] } | undefined;
    for (let i = 0; i < lines.length; i++) {
      const partition = partitioner.partitionOfLine(lines[i], timestamps[i]);
      if (partition !== last) {
        last = partition;
        group = groups.get(partition);
        if (!group) {
          group = { timestamps: [], lines: [] };
          groups.set(partition, group);
        }
      }
      (group as { timestamps: number[]; lines: string[] }).timestamps.push(timestamps[i]);
      (group as { timestamps: number[]; lines: string[] }).lines.push(lines[i]);
    }
    if (groups.size === 1) return new Map([[last as HivePartition, batch]]);
    const result = new Map<HivePartition, EventBatch>();
    for (const [partition, g] of groups) result.set(partition, { ...batch, timestamps: g.timestamps, lines: g.lines });
    return result;
  }

  private all(): ClosedOutput[] {
    return [...this.closed, ...[...this.open.values()].flatMap((g) => g.outputs.map((o) => o.file))];
  }

  /** Finishes every encoder (their bytes are in unpublished temp files or uploads) and lists the files. */
  async finishAll(): Promise<WrittenFile[]> {
    for (const group of this.open.values()) for (const o of group.outputs) this.finish(o);
    this.open.clear();
    const finishing = this.finishing.splice(0);
    await Promise.all(finishing);
    return this.closed.map((o) => ({ key: o.key, kind: o.kind, rows: o.rows, bytes: o.byteCount }));
  }

  /**
   * Makes the finished files visible. Should one fail to commit, the ones that did are removed again: the
   * router's files appear all together or not at all (barring a crash, which the lake's checkpoint records
   * cover).
   */
  async commitFinished(): Promise<void> {
    const outputs = this.closed;
    const commits = await Promise.allSettled(outputs.map((o) => o.write.commit()));
    const failure = commits.find((c) => c.status === 'rejected');
    if (failure) {
      const committed = outputs.filter((_, i) => commits[i].status === 'fulfilled');
      await Promise.allSettled(committed.map((o) => this.dest.remove(o.key)));
      await Promise.allSettled(outputs.map((o) => o.write.abort()));
      throw (failure as PromiseRejectedResult).reason;
    }
    this.closed.length = 0;
    this.serials.clear();
  }

  /** Finishes and commits every file: a source's outputs appear all together or not at all. */
  async commit(): Promise<{ keys: string[]; bytes: number; files: WrittenFile[] }> {
    const files = await this.finishAll();
    await this.commitFinished();
    return {
      keys: files.map((f) => f.key).sort(),
      bytes: files.reduce((sum, f) => sum + f.bytes, 0),
      files,
    };
  }

  async abort(): Promise<void> {
    const outputs = this.all();
    this.open.clear();
    this.closed.length = 0;
    await Promise.allSettled(this.finishing.splice(0));
    await Promise.all(outputs.map((o) => o.write.abort()));
  }
}

/**
 * Counts the bytes that reach an output, by write() or end(chunk), without another stream in the path. Takes
 * the counter alone: the stream outlives the encoder (until commit), and must not keep it alive.
 */
function countBytes(output: { byteCount: number }, stream: AtomicWrite['stream']): void {
  const originalWrite = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    output.byteCount += (chunk as { length?: number }).length ?? 0;
    return originalWrite(chunk, ...rest);
  }) as typeof stream.write;
  const originalEnd = stream.end.bind(stream) as (...args: unknown[]) => typeof stream;
  stream.end = ((...args: unknown[]) => {
    // end() may take a last chunk, or only a callback.
    if (args[0] instanceof Uint8Array) output.byteCount += args[0].length;
    return originalEnd(...args);
  }) as typeof stream.end;
}

/** `eventDay=YYYYMMDD` → days since 1970 (undefined for anything else). */
function eventDayNumber(path: string): number | undefined {
  const m = /^eventDay=(\d{4})(\d{2})(\d{2})$/.exec(path);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS : undefined;
}
