import type { EventBatch } from '../decode/types.js';
import { createEncoder } from '../encode/index.js';
import { type Encoder, OUTPUT_EXTENSIONS, type OutputKind } from '../encode/types.js';
import { type HivePartition, HivePartitioner, hiveKey } from '../layout/hive.js';
import { mirrorKey } from '../layout/mirror.js';
import type { AtomicWrite, Storage, WriteOptions } from '../storage/types.js';
import type { ConvertOptions } from './types.js';

const CONTENT_TYPES: Record<OutputKind, string> = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
  jsonl: 'application/x-ndjson',
  ocsf: 'application/vnd.apache.parquet',
};

/** One output file in the making: its encoder and the atomic write under it. */
interface OpenOutput {
  readonly key: string;
  readonly encoder: Encoder;
  readonly write: AtomicWrite;
  byteCount: number;
}

/**
 * Sends each batch to the outputs it belongs to: one file per output kind, per format group and (hive layout)
 * per partition. Files are opened on their first row, so no empty outputs are made.
 */
export class OutputRouter {
  private readonly open = new Map<string, OpenOutput[]>();
  private readonly partitioners = new Map<string, HivePartitioner>();

  constructor(
    private readonly dest: Storage,
    private readonly sourceKey: string,
    private readonly options: ConvertOptions,
    private readonly writeOptions: WriteOptions,
  ) {}

  async write(batch: EventBatch): Promise<void> {
    if (batch.lines.length === 0) return;
    if (this.options.layout === 'hive') {
      for (const [partition, part] of this.splitByPartition(batch)) {
        await this.writeTo(this.outputsFor(batch, partition), part);
      }
    } else {
      await this.writeTo(this.outputsFor(batch, undefined), batch);
    }
  }

  private async writeTo(outputs: OpenOutput[], batch: EventBatch): Promise<void> {
    await Promise.all(outputs.map((o) => o.encoder.write(batch)));
  }

  private outputsFor(batch: EventBatch, partition: HivePartition | undefined): OpenOutput[] {
    const groupId = `${batch.formatKey}\n${partition ? `${partition.account}/${partition.region}/${partition.hour}` : ''}`;
    let outputs = this.open.get(groupId);
    if (!outputs) {
      outputs = this.options.to.map((kind) => this.openOutput(kind, batch, partition));
      this.open.set(groupId, outputs);
    }
    return outputs;
  }

  private openOutput(kind: OutputKind, batch: EventBatch, partition: HivePartition | undefined): OpenOutput {
    const ext = OUTPUT_EXTENSIONS[kind];
    const key = partition
      ? hiveKey(this.sourceKey, partition, ext, batch.formatKey)
      : mirrorKey(this.sourceKey, ext, batch.formatKey);
    const write = this.dest.writeAtomic(key, { ...this.writeOptions, contentType: CONTENT_TYPES[kind] });
    const output: OpenOutput = {
      key,
      write,
      encoder: createEncoder(kind, { format: batch.format, out: write.stream }),
      byteCount: 0,
    };
    countBytes(output);
    return output;
  }

  private splitByPartition(batch: EventBatch): Map<HivePartition, EventBatch> {
    let partitioner = this.partitioners.get(batch.formatKey);
    if (!partitioner) {
      partitioner = new HivePartitioner(batch.format, this.options.region ?? process.env.AWS_REGION ?? 'unknown');
      this.partitioners.set(batch.formatKey, partitioner);
    }
    const byId = new Map<string, { partition: HivePartition; timestamps: number[]; lines: string[] }>();
    const start = partitioner.startIndex;
    for (let i = 0; i < batch.lines.length; i++) {
      const tokens = batch.lines[i].split(' ');
      const startSeconds = start >= 0 ? tokens[start] : undefined;
      const time = startSeconds && /^\d+$/.test(startSeconds) ? Number(startSeconds) * 1000 : batch.timestamps[i];
      const partition = partitioner.partitionOf(tokens, time);
      const id = `${partition.account}/${partition.region}/${partition.hour}`;
      let group = byId.get(id);
      if (!group) {
        group = { partition, timestamps: [], lines: [] };
        byId.set(id, group);
      }
      group.timestamps.push(batch.timestamps[i]);
      group.lines.push(batch.lines[i]);
    }
    const result = new Map<HivePartition, EventBatch>();
    for (const g of byId.values()) result.set(g.partition, { ...batch, timestamps: g.timestamps, lines: g.lines });
    return result;
  }

  private all(): OpenOutput[] {
    return [...this.open.values()].flat();
  }

  /**
   * Finishes every encoder, then makes every output visible. Should one output fail to commit, the ones that
   * did are removed again: a source's outputs appear all together or not at all.
   */
  async commit(): Promise<{ keys: string[]; bytes: number }> {
    const outputs = this.all();
    await Promise.all(outputs.map((o) => o.encoder.finish()));
    const commits = await Promise.allSettled(outputs.map((o) => o.write.commit()));
    const failure = commits.find((c) => c.status === 'rejected');
    if (failure) {
      const committed = outputs.filter((_, i) => commits[i].status === 'fulfilled');
      await Promise.allSettled(committed.map((o) => this.dest.remove(o.key)));
      throw (failure as PromiseRejectedResult).reason;
    }
    return { keys: outputs.map((o) => o.key).sort(), bytes: outputs.reduce((sum, o) => sum + o.byteCount, 0) };
  }

  async abort(): Promise<void> {
    await Promise.all(this.all().map((o) => o.write.abort()));
  }
}

/** Counts the bytes that reach an output, by write() or end(chunk), without another stream in the path. */
function countBytes(output: OpenOutput): void {
  const stream = output.write.stream;
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
