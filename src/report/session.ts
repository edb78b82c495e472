import type { FlowsSession } from '../query/index.js';

export type { HuntOptions, JsonValue, QueryResult } from '../query/index.js';

/** What the report needs of an open flows source (type only: the report loads no engine of its own). */
export type ReportSession = Pick<FlowsSession, 'columns' | 'description' | 'query' | 'hunt' | 'context'>;
