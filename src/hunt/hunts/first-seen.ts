import { ACTION, BYTES, destinationAddress, equals, START, timeOption } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/** Without --baseline-until, the baseline is everything up to one day before the latest flow. */
const DEFAULT_RECENT_SECONDS = 86_400;

/** Destinations an interface reaches for the first time after the baseline window. */
export const firstSeen: HuntDefinition = {
  name: 'new',
  summary:
    'destinations an interface reaches for the first time after a baseline window (default: all but the last day)',
  ranking: 'flows DESC (a new destination that keeps being used first), then first seen, newest first',
  requires: ['interface_id', 'dstaddr', 'dstport', 'action', 'start', 'bytes'],
  options: [
    {
      name: 'baseline-until',
      kind: 'time',
      description: 'end of the baseline window (ISO time); default: one day before the latest flow',
    },
  ],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const dst = destinationAddress(ctx);
    const until = timeOption(ctx, 'baseline-until');
    // A one-row relation joined in rather than a scalar subquery in WHERE: the same in both engines, and plainer
    // SQL for tools that check the Athena text.
    const baseline =
      until === undefined
        ? `,\nbaseline AS (\n  SELECT max(${START}) - ${DEFAULT_RECENT_SECONDS} AS until_start FROM ${ctx.from} WHERE ${ctx.window}\n)`
        : '';
    const cutoff = until === undefined ? 'baseline.until_start' : `${until}`;
    const sql = `WITH firsts AS (
  SELECT interface_id, ${dst} AS dstaddr, min(${START}) AS first_start, max(${START}) AS last_start,
    count(*) AS flows, sum(${BYTES}) AS bytes, ${d.distinctList('dstport')} AS ports,
    sum(CASE WHEN ${equals(ACTION, 'ACCEPT')} THEN 1 ELSE 0 END) AS accepted_flows
  FROM ${ctx.from}
  WHERE ${ctx.window} AND ${dst} IS NOT NULL
  GROUP BY interface_id, ${dst}
)${baseline}
SELECT interface_id, dstaddr, ${d.timestamp('first_start')} AS first_seen, ${d.timestamp('last_start')} AS last_seen,
  flows, accepted_flows, bytes, ports
FROM firsts${until === undefined ? ' CROSS JOIN baseline' : ''}
WHERE first_start >= ${cutoff}`;
    return { sql, orderBy: 'flows DESC, first_seen DESC, bytes DESC, interface_id, dstaddr' };
  },
  activity: (f, ctx) => `${equals('interface_id', f.interface_id)} AND ${equals(destinationAddress(ctx), f.dstaddr)}`,
};
