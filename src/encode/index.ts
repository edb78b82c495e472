import { createCsvEncoder } from './csv.js';
import type { Encoder, EncoderFactory, EncoderOptions, OutputKind } from './types.js';

export { type Encoder, OUTPUT_EXTENSIONS, type OutputKind } from './types.js';

const FACTORIES: Record<OutputKind, EncoderFactory> = {
  csv: createCsvEncoder,
  parquet: () => {
    throw new Error('parquet output is not wired yet');
  },
  jsonl: () => {
    throw new Error('jsonl output is not wired yet');
  },
};

export function createEncoder(kind: OutputKind, options: EncoderOptions): Encoder {
  return FACTORIES[kind](options);
}
