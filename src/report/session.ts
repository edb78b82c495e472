import type { HuntContext } from '../hunt/types.js';

/** A value of a query result: times as ISO-8601 UTC text, numbers as numbers (text past 2^53). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, JsonValue>[];
}

/** What the report needs of an open flows source (the query engine's session has all of it). */
export interface ReportSession {
  readonly columns: ReadonlySet<string>;
  readonly description: string;
  query(sql: string): Promise<QueryResult>;
  hunt(name: string, options?: Record<string, string | number | string[]>, limit?: number): Promise<QueryResult>;
  context(options?: Record<string, string | number | string[]>): HuntContext;
}
