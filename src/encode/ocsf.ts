import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { EventBatch } from '../decode/types.js';
import { nthToken } from '../formats/tokens.js';
import { mapFlowLine, type OcsfPlan, planOcsf } from '../ocsf/map.js';
import { OCSF_ROOT_NAME, OCSF_SCHEMA } from '../ocsf/schema.js';
import { writeParts } from '../util/write-parts.js';
import { type CompressionName, zstdAvailable } from './parquet/codecs.js';
import { NestedParquetWriter } from './parquet/nested-writer.js';
import type { Encoder, EncoderFactory, EncoderOptions } from './types.js';

/**
 * OCSF Network Activity Parquet (docs/ocsf.md): one event per flow-log record, rows sorted by `time` within
 * the file. The lines are kept (as UTF-8 bytes, with their start time) until the file is finished, then sorted,
 * mapped and written in row groups; a file of more than SORT_ROWS rows is sorted in runs of SORT_ROWS.
 * The lines must have been checked by ocsf/placeable.ts (their start and end are times).
 *
 * Files are written one at a time per thread (see `writing`): a run finishing many partitions at a checkpoint
 * holds one file's column buffers at a time, not all of them.
 */
export const createOcsfEncoder: EncoderFactory = (options) => new OcsfEncoder(options);

/** Rows sorted together at most: the sort key packs the row's index into 21 bits beside its start. */
export const SORT_ROWS = 1 << 21;
/** Rows per row group: about 10–40 MiB of column buffers, far below the 256 MiB Security Lake allows. */
export const OCSF_ROW_GROUP_ROWS = 131_072;

/** Bytes of lines per chunk. */
const LINE_CHUNK = 1 << 20;

/** zstd where the runtime has it (Node ≥ 22.15), else gzip (the native source's codec): never Snappy. */
export function ocsfCompression(asked: CompressionName | undefined): CompressionName {
  return asked ?? (zstdAvailable() ? 'zstd' : 'gzip');
}

/** The file being written on this thread, so that the next waits for it. */
let writing: Promise<unknown> = Promise.resolve();

export class OcsfEncoder implements Encoder {
  private readonly out: Writable;
  private readonly plan: OcsfPlan;
  private readonly writer: NestedParquetWriter;
  private readonly startIndex: number;
  /** The lines' UTF-8 bytes, in chunks of LINE_CHUNK (a line never spans two): no copying as the file grows. */
  private chunks: Buffer[] = [];
  private chunkUsed = LINE_CHUNK;
  /** Bytes of the chunks. */
  private held = 0;
  /** Per row: its chunk, where it starts there, its length, its start time. */
  private chunkOf = new Int32Array(1024);
  private offsets = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private starts = new Float64Array(1024);
  private rows = 0;
  private started = false;

  constructor(options: EncoderOptions) {
    this.out = options.out;
    this.plan = planOcsf(options.format, { flowRegion: options.flowRegion });
    this.startIndex = options.format.startIndex;
    this.writer = new NestedParquetWriter({
      rootName: OCSF_ROOT_NAME,
      fields: OCSF_SCHEMA,
      rowGroupRows: OCSF_ROW_GROUP_ROWS,
      compression: ocsfCompression(options.compression),
    });
  }

  get heldBytes(): number {
    return this.held;
  }

  async write(batch: EventBatch): Promise<void> {
    for (const line of batch.lines) {
      if (this.rows === SORT_ROWS) await this.drain();
      if (this.rows === this.starts.length) this.growRows();
      // At most 3 bytes per UTF-16 unit: a line that may not fit starts a new chunk (its own, if it is bigger).
      const room = line.length * 3;
      if (this.chunkUsed + room > LINE_CHUNK) {
        const size = Math.max(LINE_CHUNK, room);
        this.chunks.push(Buffer.allocUnsafe(size));
        this.held += size;
        this.chunkUsed = 0;
      }
      const chunk = this.chunks[this.chunks.length - 1];
      const length = chunk.write(line, this.chunkUsed, 'utf8');
      this.chunkOf[this.rows] = this.chunks.length - 1;
      this.offsets[this.rows] = this.chunkUsed;
      this.lengths[this.rows] = length;
      this.chunkUsed += length;
      this.starts[this.rows] = Number(nthToken(line, this.startIndex));
      this.rows++;
    }
  }

  private growRows(): void {
    const n = this.rows * 2;
    const chunkOf = new Int32Array(n);
    chunkOf.set(this.chunkOf);
    this.chunkOf = chunkOf;
    const offsets = new Int32Array(n);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const lengths = new Int32Array(n);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const starts = new Float64Array(n);
    starts.set(this.starts);
    this.starts = starts;
  }

  async finish(): Promise<void> {
    const mine = writing.then(async () => {
      await this.drain();
      await this.emit(this.writer.finish());
      this.out.end();
      await finished(this.out);
    });
    writing = mine.catch(() => {});
    await mine;
  }

  /** Sorts the rows held by start time (ties in arrival order), maps them and writes them. */
  private async drain(): Promise<void> {
    const n = this.rows;
    if (n === 0) return;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = this.starts[i] * SORT_ROWS + i;
    keys.sort();
    for (let k = 0; k < n; k++) {
      const i = keys[k] % SORT_ROWS;
      const at = this.offsets[i];
      const line = this.chunks[this.chunkOf[i]].toString('utf8', at, at + this.lengths[i]);
      const result = mapFlowLine(this.plan, line);
      if (result.reason !== undefined)
        throw new Error(`internal: a line reached the OCSF encoder unchecked (${result.reason})`);
      const parts = this.writer.add(result.record as unknown as Record<string, unknown>);
      if (parts.length > 0) await this.emit(parts);
    }
    this.rows = 0;
    this.chunks = [];
    this.chunkUsed = LINE_CHUNK;
    this.held = 0;
  }

  private async emit(parts: Uint8Array[]): Promise<void> {
    if (!this.started) {
      parts.unshift(...this.writer.start());
      this.started = true;
    }
    await writeParts(this.out, parts);
  }
}
