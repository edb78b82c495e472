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
    const sql = `SELECT 'vertical' AS kind, ${src} AS srcaddr, ${dst} AS target,
  ${d.timestamp(d.bucket(START, 60))} AS window_start, 60 AS window_seconds,
  count(DISTINCT dstport) AS distinct_ports, count(DISTINCT ${dst}) AS distinct_hosts,
  count(*) AS flows, ${rejectedFlows} AS rejected_flows,
  ${d.ratio('count(DISTINCT dstport)', ports)} AS strength
FROM ${ctx.from}
WHERE ${ctx.window} AND ${src} IS NOT NULL
GROUP BY ${src}, ${dst}, ${d.bucket(START, 60)}
HAVING count(DISTINCT dstport) >= ${ports}
UNION ALL
SELECT 'horizontal' AS kind, ${src} AS srcaddr, concat('port ', ${d.text('dstport')}) AS target,
  ${d.timestamp(d.bucket(START, 3600))} AS window_start, 3600 AS window_seconds,
  count(DISTINCT dstport) AS distinct_ports, count(DISTINCT ${dst}) AS distinct_hosts,
  count(*) AS flows, ${rejectedFlows} AS rejected_flows,
  ${d.ratio(`count(DISTINCT ${dst})`, hosts)} AS strength
FROM ${ctx.from}
WHERE ${ctx.window} AND ${src} IS NOT NULL
GROUP BY ${src}, dstport, ${d.bucket(START, 3600)}
HAVING count(DISTINCT ${dst}) >= ${hosts}`;
    return { sql, orderBy: 'strength DESC, flows DESC, srcaddr, target' };
  },
  activity(f, ctx) {
    const src = equals(sourceAddress(ctx), f.srcaddr);
    if (f.kind === 'vertical') return `${src} AND ${equals(destinationAddress(ctx), f.target)}`;
    const port = Number(String(f.target).replace('port ', ''));
    return Number.isInteger(port) ? `${src} AND dstport = ${port}` : src;
  },
};
