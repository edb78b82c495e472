import { createCsvEncoder } from './csv.js';
import { createJsonlEncoder } from './jsonl.js';
import { createOcsfEncoder } from './ocsf.js';
import { createParquetEncoder } from './parquet.js';
import type { Encoder, EncoderFactory, EncoderOptions, OutputKind } from './types.js';

export { type Encoder, OUTPUT_EXTENSIONS, type OutputKind } from './types.js';

const FACTORIES: Readonly<Record<OutputKind, EncoderFactory>> = {
  csv: createCsvEncoder,
  parquet: createParquetEncoder,
  jsonl: createJsonlEncoder,
  ocsf: createOcsfEncoder,
};

export function createEncoder(kind: OutputKind, options: EncoderOptions): Encoder {
  return FACTORIES[kind](options);
}
