import type { FlowFormat } from '../formats/format.js';

/**
 * A run of flow-log lines that share one format, as the decoder hands them to the encoders.
 * `timestamps[i]` is the CloudWatch event time of `lines[i]` in epoch ms, or NaN when the input shape has none
 * (encoders then use the line's `start`).
 */
export interface EventBatch {
  readonly format: FlowFormat;
  /** Key of the output group this batch belongs to: '' for the default format, else the log group's slug. */
  readonly formatKey: string;
  readonly timestamps: number[];
  readonly lines: string[];
}

/** Input shapes of DESIGN §2. */
export type InputShape =
  | 'empty'
  | 'cwl-envelopes' // A, A2, A3: CloudWatch Logs envelopes (concatenated or one per line); also D's {"message":"…"}
  | 'lines' // A4 / D: bare flow-log lines
  | 's3-text' // B: direct-to-S3 text with a header line
  | 'export' // E: CloudWatch Logs export, ISO timestamp prefix
  | 'parquet'; // C

/** A problem with the bytes of one object: fails that object alone. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}
