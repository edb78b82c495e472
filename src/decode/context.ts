import type { FlowFormat } from '../formats/format.js';
import type { EventBatch } from './types.js';

/** What a decoder needs from the pipeline: the format of each log group, and sinks for what it skips. */
export interface DecodeContext {
  /** Format and output-group key for the events of a CloudWatch log group (undefined: no log group known). */
  formatFor(logGroup: string | undefined): FormatChoice;
  /** A record that cannot become a row: counted by reason and kept in the rejects file. */
  reject(reason: string, text: string): void;
  controlMessage(): void;
}

export interface FormatChoice {
  readonly format: FlowFormat;
  readonly key: string;
}

/**
 * Rows per batch: big enough that per-batch costs vanish, small enough that a batch's lines are gone before
 * the garbage collector's next young-generation pass (4,096 rather than 16,384: 3% faster, 10% less memory,
 * less than half the time in that collector on the Parquet bench).
 */
export const BATCH_ROWS = 4096;

/** Collects events per output group and hands out full batches. */
export class BatchBuilder {
  private readonly open = new Map<string, { choice: FormatChoice; timestamps: number[]; lines: string[] }>();

  /** Adds one event; returns a full batch when this group reached BATCH_ROWS. */
  add(choice: FormatChoice, timestamp: number, line: string): EventBatch | undefined {
    let group = this.open.get(choice.key);
    if (!group) {
      group = { choice, timestamps: [], lines: [] };
      this.open.set(choice.key, group);
    }
    group.timestamps.push(timestamp);
    group.lines.push(line);
    if (group.lines.length < BATCH_ROWS) return undefined;
    this.open.delete(choice.key);
    return toBatch(group);
  }

  /** Adds events `timestamps[i]`, `lines[i]` of one group; yields the batches they fill. */
  *addAll(choice: FormatChoice, timestamps: readonly number[], lines: readonly string[]): Generator<EventBatch> {
    for (let i = 0; i < lines.length; i++) {
      const full = this.add(choice, timestamps[i], lines[i]);
      if (full) yield full;
    }
  }

  /** The partial batches left at the end of the input. */
  drain(): EventBatch[] {
    const rest = [...this.open.values()].filter((g) => g.lines.length > 0).map(toBatch);
    this.open.clear();
    return rest;
  }
}

function toBatch(group: { choice: FormatChoice; timestamps: number[]; lines: string[] }): EventBatch {
  return {
    format: group.choice.format,
    formatKey: group.choice.key,
    timestamps: group.timestamps,
    lines: group.lines,
  };
}
