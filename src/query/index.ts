/** The embedded engine: a `flows` view over flowlake outputs (or a stash cached as Parquet), in DuckDB. */
export { NoFlowDataError, QueryInputError } from './errors.js';
export { formatResult, type OutputFormat, type QueryResult } from './output.js';
export { type FlowsOptions, type FlowsSession, type HuntOptions, openFlows } from './session.js';
export type { JsonValue } from './values.js';
