import { ACTION, BYTES, destinationAddress, equals, START, sourceAddress } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/** Top rejected sources, destinations and destination ports: one table, a `kind` column telling which. */
export const rejected: HuntDefinition = {
  name: 'rejected',
  summary: 'what the security groups and NACLs turn away: top rejected sources, destinations and ports',
  ranking: 'per kind (source, destination, port): rejected flows DESC, then packets; kinds interleaved by rank',
  requires: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action', 'packets', 'start'],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const measures = `count(*) AS rejected_flows, sum(packets) AS packets, sum(${BYTES}) AS bytes,
    ${d.timestamp(`min(${START})`)} AS first_seen, ${d.timestamp(`max(${START})`)} AS last_seen`;
    const rejectedFlows = `SELECT * FROM ${ctx.from} WHERE ${ctx.window} AND ${equals(ACTION, 'REJECT')}`;
    const part = (kind: string, value: string) => `SELECT '${kind}' AS kind, ${value} AS value, ${measures}
  FROM rejected_flows GROUP BY ${value}`;
    const sql = `WITH rejected_flows AS (${rejectedFlows}),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY kind ORDER BY rejected_flows DESC, packets DESC, value) AS rank
  FROM (
  ${part('source', sourceAddress(ctx))}
  UNION ALL
  ${part('destination', destinationAddress(ctx))}
  UNION ALL
  ${part('port', `concat(${d.text('dstport')}, '/', ${d.text('protocol')})`)}
  ) AS parts
)
SELECT kind, value, rejected_flows, packets, bytes, first_seen, last_seen, rank FROM ranked`;
    return { sql, orderBy: "rank, CASE kind WHEN 'source' THEN 1 WHEN 'destination' THEN 2 ELSE 3 END" };
  },
  activity(f, ctx) {
    const value = String(f.value);
    const reject = equals(ACTION, 'REJECT');
    if (f.kind === 'source') return `${reject} AND ${equals(sourceAddress(ctx), value)}`;
    if (f.kind === 'destination') return `${reject} AND ${equals(destinationAddress(ctx), value)}`;
    const [port, protocol] = value.split('/').map(Number);
    if (!Number.isInteger(port) || !Number.isInteger(protocol)) return undefined;
    return `${reject} AND dstport = ${port} AND protocol = ${protocol}`;
  },
};
