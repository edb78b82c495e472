import type { HuntDefinition, HuntSql } from './types.js';

/** A hunt's ranking, with an optional LIMIT (0 or undefined: every row). */
export function rankClause(orderBy: string, limit?: number): string {
  return `ORDER BY ${orderBy}${limit ? `\nLIMIT ${limit}` : ''}`;
}

/** A hunt's whole query: its built SQL, ranked and limited. */
export function rankedQuery({ sql, orderBy }: HuntSql, limit?: number): string {
  return `SELECT * FROM (\n${sql}\n) AS hunt\n${rankClause(orderBy, limit)}`;
}

/** The hunt's options at their defaults. */
export function defaults(hunt: HuntDefinition): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const option of hunt.options ?? []) if (option.default !== undefined) values[option.name] = option.default;
  return values;
}
