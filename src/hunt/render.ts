import { ATHENA, type Dialect, DUCKDB } from './dialect.js';
import type { HuntContext, HuntDefinition } from './types.js';

/** A hunt's whole query: its SQL, ranked, with an optional LIMIT (0 or undefined: every row). */
export function huntQuery(hunt: HuntDefinition, ctx: HuntContext, limit?: number): string {
  const { sql, orderBy } = hunt.build(ctx);
  return `SELECT * FROM (\n${sql}\n) AS hunt\nORDER BY ${orderBy}${limit ? `\nLIMIT ${limit}` : ''}`;
}

export interface AthenaHuntOptions {
  /** The relation to read (`"db"."table"`, or the typed view over CSV). */
  readonly from: string;
  /** Predicate on that relation (time window and partition pruning); `TRUE` when none. */
  readonly window: string;
  /** The columns of the table. */
  readonly columns: ReadonlySet<string>;
  readonly limit?: number;
}

/** The Athena (Trino) text of a hunt, with its options at their defaults. */
export function athenaHuntQuery(hunt: HuntDefinition, options: AthenaHuntOptions): string {
  const ctx: HuntContext = {
    d: ATHENA,
    from: options.from,
    window: options.window,
    has: (c) => options.columns.has(c),
    options: defaults(hunt),
  };
  return `${huntQuery(hunt, ctx, options.limit ?? 100)};`;
}

/** The hunt's options at their defaults. */
export function defaults(hunt: HuntDefinition): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const option of hunt.options ?? []) if (option.default !== undefined) values[option.name] = option.default;
  return values;
}

export function dialectFor(engine: 'duckdb' | 'athena'): Dialect {
  return engine === 'duckdb' ? DUCKDB : ATHENA;
}
