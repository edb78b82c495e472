import type { Dialect } from './dialect.js';

/** What a hunt's SQL is built from: the engine's dialect, the relation of flows and what it holds. */
export interface HuntContext {
  readonly d: Dialect;
  /** The relation of flow records (`flows` locally; the table or typed view on Athena). */
  readonly from: string;
  /** A predicate every hunt ANDs to its reads of `from` (time window, partition pruning); `TRUE` when none. */
  readonly window: string;
  /** Whether the flows carry a column (formats beyond v2 add instance_id, pkt_srcaddr…). */
  has(column: string): boolean;
  /** The hunt's own options, parsed (see HuntDefinition.options). */
  readonly options: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  /** A relation with one column `indicator` (CIDR text) when an address list was given. */
  readonly ioc?: string;
}

/** A hunt rendered for one engine: the query without ORDER BY / LIMIT, and its ranking. */
export interface HuntSql {
  readonly sql: string;
  /** ORDER BY over the query's output columns: the hunt's ranking rule. */
  readonly orderBy: string;
}

/** An option of one hunt, as the CLI offers it (`--by pair`). */
export interface HuntOption {
  /** Name in HuntContext.options and on the command line (`baseline-until` → `--baseline-until`). */
  readonly name: string;
  readonly description: string;
  readonly kind: 'number' | 'string' | 'time' | 'file';
  readonly choices?: readonly string[];
  readonly default?: string | number;
}

export interface HuntDefinition {
  readonly name: string;
  /** One line: what it finds and why it matters. */
  readonly summary: string;
  /** One line: how findings are ranked. */
  readonly ranking: string;
  /** Columns the flows must have. */
  readonly requires: readonly string[];
  readonly options?: readonly HuntOption[];
  /** Positional arguments after the source (`ip <src> ADDR|CIDR…`). */
  readonly positional?: { readonly name: string; readonly description: string };
  /** Whether the hunt needs an address list (`ioc`) rather than taking one optionally (`mining --ioc`). */
  readonly needsIoc?: boolean;
  build(ctx: HuntContext): HuntSql;
  /**
   * A predicate over flows that selects the activity behind one finding (a row of the hunt's result), for charts
   * of it over time; undefined when a finding has no such activity.
   */
  activity?(finding: Readonly<Record<string, unknown>>, ctx: HuntContext): string | undefined;
}
