/**
 * flowlake as a library: the same pieces the CLI and the Lambda worker are made of.
 *
 *   import { convert } from 'flowlake';
 *   const report = await convert('s3://stash/firehose/', './out', { to: ['csv', 'parquet'] });
 */
export { type ConvertObjectArgs, convertObject } from './convert/object.js';
export { buildReport } from './convert/report.js';
export {
  convert,
  convertBetween,
  IN_FLIGHT_PER_WORKER,
  listSources,
  type RunOptions,
  type RunPlan,
  type RunProgress,
  streamSources,
} from './convert/run.js';
export { RunStoppedError } from './convert/run-stop.js';
export type {
  ConvertOptions,
  LayoutName,
  ObjectResult,
  ObjectStatus,
  ProgressTick,
  RunReport,
} from './convert/types.js';
export type { DecodeContext, FormatChoice } from './decode/context.js';
export { type DecodedObject, decodeObject } from './decode/index.js';
export { DecodeError, type EventBatch, type InputShape } from './decode/types.js';
export { createEncoder } from './encode/index.js';
export { type Encoder, type EncoderOptions, OUTPUT_EXTENSIONS, type OutputKind } from './encode/types.js';
export { FIELD_CATALOG, type FieldDef, type FieldType, fieldByName } from './formats/fields.js';
export { DEFAULT_FORMAT, type FlowFormat, FormatError, parseFormat, resolveFormat } from './formats/format.js';
export { hiveKey, hivePrefix } from './layout/hive.js';
export { mirrorKey } from './layout/mirror.js';
export { ocsfPrefix } from './layout/ocsf.js';
export {
  mapFlowLine,
  type OcsfEndpoint,
  type OcsfMapOptions,
  type OcsfPlan,
  type OcsfRecord,
  type OcsfResult,
  partitionOf,
  planOcsf,
  toOcsfJson,
} from './ocsf/map.js';
export { OcsfOptionsError } from './ocsf/options.js';
export { hiveType, OCSF_LEAF_COLUMNS, OCSF_ROOT_NAME, OCSF_SCHEMA } from './ocsf/schema.js';
export { type SampleOptions, type SampleSummary, writeSampleStash } from './sample/stash.js';
export { openStorage, parseS3Url } from './storage/index.js';
export { LocalStorage } from './storage/local.js';
export type { AtomicWrite, ListOptions, ObjectInfo, Storage, StorageOptions, WriteOptions } from './storage/types.js';
export { VERSION } from './version.js';
