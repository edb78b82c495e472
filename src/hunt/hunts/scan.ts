import { ACTION, destinationAddress, equals, numberOption, START, sourceAddress } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/**
 * Default thresholds, from Elastic's published detection rules:
 * - vertical: "Potential Network Scan Detected" — one source, one destination, ≥ 50 distinct destination ports in
 *   a one-minute window;
 * - horizontal: "Potential Network Sweep Detected" — one source reaching ≥ 100 distinct destination addresses on
 *   a port (its lookback is 9 minutes; here the window is an hour, which also catches slower sweeps).
 */
export const SCAN_DEFAULTS = { ports: 50, hosts: 100 } as const;

export const scan: HuntDefinition = {
  name: 'scan',
  summary: `port scans (one source → one destination, ≥ ${SCAN_DEFAULTS.ports} ports in a minute) and sweeps (one source → ≥ ${SCAN_DEFAULTS.hosts} hosts on a port in an hour)`,
  ranking: 'how far past its threshold a finding is (distinct ports / --ports, distinct hosts / --hosts), then flows',
  requires: ['srcaddr', 'dstaddr', 'dstport', 'action', 'start'],
  options: [
    {
      name: 'ports',
      kind: 'number',
      default: SCAN_DEFAULTS.ports,
      description: 'vertical: distinct ports from one source to one destination within a minute (Elastic: 50)',
    },
    {
      name: 'hosts',
      kind: 'number',
      default: SCAN_DEFAULTS.hosts,
      description: 'horizontal: distinct destinations of one source on one port within an hour (Elastic: 100)',
    },
  ],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const ports = numberOption(ctx, 'ports', SCAN_DEFAULTS.ports);
    const hosts = numberOption(ctx, 'hosts', SCAN_DEFAULTS.hosts);
    const src = sourceAddress(ctx);
    const dst = destinationAddress(ctx);
    const rejectedFlows = `sum(CASE WHEN ${equals(ACTION, 'REJECT')} THEN 1 ELSE 0 END)`;
    const minute = d.bucket(START, 60);
    const hour = d.bucket(START, 3600);
    // A group needs at least as many flows as distinct ports (or hosts): counting flows first, which is cheap,
    // leaves the distinct counts to the few groups that could reach the threshold.
    const sql = `WITH candidate_pairs AS (
  SELECT ${src} AS srcaddr, ${dst} AS dstaddr, ${minute} AS minute_start
  FROM ${ctx.from}
  WHERE ${ctx.window} AND ${src} IS NOT NULL
  GROUP BY ${src}, ${dst}, ${minute}
  HAVING count(*) >= ${ports}
),
candidate_sweeps AS (
  SELECT ${src} AS srcaddr, dstport, ${hour} AS hour_start
  FROM ${ctx.from}
  WHERE ${ctx.window} AND ${src} IS NOT NULL
  GROUP BY ${src}, dstport, ${hour}
  HAVING count(*) >= ${hosts}
)
SELECT 'vertical' AS kind, c.srcaddr, c.dstaddr AS target,
  ${d.timestamp('c.minute_start')} AS window_start, 60 AS window_seconds,
  count(DISTINCT f.dstport) AS distinct_ports, 1 AS distinct_hosts,
  count(*) AS flows, ${rejectedFlows} AS rejected_flows,
  ${d.ratio('count(DISTINCT f.dstport)', ports)} AS strength
FROM ${ctx.from} AS f
JOIN candidate_pairs AS c ON ${sourceAddress(ctx, 'f.')} = c.srcaddr AND ${destinationAddress(ctx, 'f.')} = c.dstaddr AND ${d.bucket(`f.${START}`, 60)} = c.minute_start
WHERE ${ctx.window}
GROUP BY c.srcaddr, c.dstaddr, c.minute_start
HAVING count(DISTINCT f.dstport) >= ${ports}
UNION ALL
SELECT 'horizontal' AS kind, c.srcaddr, concat('port ', ${d.text('c.dstport')}) AS target,
  ${d.timestamp('c.hour_start')} AS window_start, 3600 AS window_seconds,
  1 AS distinct_ports, count(DISTINCT ${destinationAddress(ctx, 'f.')}) AS distinct_hosts,
  count(*) AS flows, ${rejectedFlows} AS rejected_flows,
  ${d.ratio(`count(DISTINCT ${destinationAddress(ctx, 'f.')})`, hosts)} AS strength
FROM ${ctx.from} AS f
JOIN candidate_sweeps AS c ON ${sourceAddress(ctx, 'f.')} = c.srcaddr AND f.dstport = c.dstport AND ${d.bucket(`f.${START}`, 3600)} = c.hour_start
WHERE ${ctx.window}
GROUP BY c.srcaddr, c.dstport, c.hour_start
HAVING count(DISTINCT ${destinationAddress(ctx, 'f.')}) >= ${hosts}`;
    return { sql, orderBy: 'strength DESC, flows DESC, srcaddr, target' };
  },
  activity(f, ctx) {
    const src = equals(sourceAddress(ctx), f.srcaddr);
    if (f.kind === 'vertical') return `${src} AND ${equals(destinationAddress(ctx), f.target)}`;
    const port = Number(String(f.target).replace('port ', ''));
    return Number.isInteger(port) ? `${src} AND dstport = ${port}` : src;
  },
};
