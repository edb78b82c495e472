import type { Writable } from 'node:stream';
import type { EventBatch } from '../decode/types.js';
import type { FlowFormat } from '../formats/format.js';
import type { CompressionName } from './parquet/codecs.js';

/** `ocsf`: OCSF 1.1.0 Network Activity Parquet for Amazon Security Lake (docs/ocsf.md). */
export type OutputKind = 'csv' | 'parquet' | 'jsonl' | 'ocsf';

export const OUTPUT_EXTENSIONS: Readonly<Record<OutputKind, string>> = {
  csv: '.csv.gz',
  parquet: '.parquet',
  jsonl: '.jsonl.gz',
  ocsf: '.parquet',
};

/**
 * Turns batches of one format into the bytes of one output file, written to `out`.
 * Rows are only valid lines: the pipeline has already split off rejected rows.
 */
export interface Encoder {
  /** Encodes a batch; resolves once the bytes are handed to `out` (respecting backpressure). */
  write(batch: EventBatch): Promise<void>;
  /** Flushes everything and ends `out`. */
  finish(): Promise<void>;
  /** Bytes of rows held until finish (an OCSF file keeps its rows to sort them); absent when none are held. */
  readonly heldBytes?: number;
}

export interface EncoderOptions {
  readonly format: FlowFormat;
  readonly out: Writable;
  /** Parquet's page codec (other kinds are gzip streams). */
  readonly compression?: CompressionName;
  /** OCSF: the region of records without one (`--flow-region`). */
  readonly flowRegion?: string;
}

export type EncoderFactory = (options: EncoderOptions) => Encoder;
