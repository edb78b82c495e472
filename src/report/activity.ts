import { findHunt } from '../hunt/catalog.js';
import { col } from '../hunt/dialect.js';
import type { HuntContext } from '../hunt/types.js';
import type { ActivitySeries } from './data.js';
import type { Grain } from './grain.js';
import type { ReportSession } from './session.js';
import { numberOf } from './values.js';

/** One finding whose activity over time is wanted. */
export interface ActivityRequest {
  readonly hunt: string;
  readonly finding: Readonly<Record<string, unknown>>;
  readonly ctx: HuntContext;
}

/** Findings per query: one scan answers them all, and the statement stays a reasonable size. */
const FINDINGS_PER_QUERY = 100;

/**
 * The activity of every finding per bucket of `grain`, in one scan of the flows per hundred findings: each
 * finding's predicate (its hunt's `activity`) becomes a filtered count and sum, grouped by bucket. A scan per
 * finding would read the flows dozens of times.
 */
export async function findingActivity(
  session: ReportSession,
  requests: readonly ActivityRequest[],
  grain: Grain,
): Promise<(ActivitySeries | null)[]> {
  const predicates = requests.map((r) => findHunt(r.hunt)?.activity?.(r.finding, r.ctx));
  const series: (ActivitySeries | null)[] = predicates.map((p) => (p === undefined ? null : { grain, points: [] }));
  const wanted = predicates.flatMap((p, i) => (p === undefined ? [] : [{ index: i, predicate: p }]));
  if (wanted.length === 0) return series;
  const base = session.context();
  const start = col('start');
  const hasBytes = session.columns.has('bytes');
  for (let from = 0; from < wanted.length; from += FINDINGS_PER_QUERY) {
    const chunk = wanted.slice(from, from + FINDINGS_PER_QUERY);
    const measures = chunk.flatMap(({ predicate }, j) => [
      `count(*) FILTER (WHERE ${predicate}) AS f${j}`,
      hasBytes ? `coalesce(sum(${col('bytes')}) FILTER (WHERE ${predicate}), 0) AS b${j}` : `0 AS b${j}`,
    ]);
    const sql = `SELECT (CAST(${start} AS BIGINT) // ${grain.seconds}) * ${grain.seconds} AS t,
  ${measures.join(',\n  ')}
FROM ${base.from}
WHERE ${base.window} AND ${start} IS NOT NULL
GROUP BY 1
ORDER BY 1`;
    const result = await session.query(sql);
    chunk.forEach(({ index }, j) => {
      const points = result.rows
        .map((row) => ({ t: numberOf(row.t), flows: numberOf(row[`f${j}`]), bytes: numberOf(row[`b${j}`]) }))
        .filter((p) => p.flows > 0);
      series[index] = { grain, points };
    });
  }
  return series;
}
