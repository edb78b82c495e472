import type { HuntContext, HuntDefinition } from './types.js';

/** A hunt's whole query: its SQL, ranked, with an optional LIMIT (0 or undefined: every row). */
export function huntQuery(hunt: HuntDefinition, ctx: HuntContext, limit?: number): string {
  const { sql, orderBy } = hunt.build(ctx);
  return `SELECT * FROM (\n${sql}\n) AS hunt\nORDER BY ${orderBy}${limit ? `\nLIMIT ${limit}` : ''}`;
}

/** The hunt's options at their defaults. */
export function defaults(hunt: HuntDefinition): Record<string, string | number> {
  const values: Record<string, string | number> = {};
  for (const option of hunt.options ?? []) if (option.default !== undefined) values[option.name] = option.default;
  return values;
}
