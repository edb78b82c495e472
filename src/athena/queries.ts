import type { FlowFormat } from '../formats/format.js';
import { type AthenaTableOptions, qualifiedName, typedViewName } from './ddl.js';

/** A saved query for the flow-log table, as data (for Athena named queries) and as commented SQL. */
export interface NamedQuery {
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** Ports of well-known cryptocurrency mining pools (Stratum) and coin daemons. */
export const MINING_PORTS = [3333, 3334, 3357, 4444, 5555, 5588, 6666, 7777, 8333, 9999, 14433, 14444, 45560, 45700];

/** Remote-administration ports that should not be reachable from the internet. */
export const ADMIN_PORTS = [22, 3389];

/** Private, shared and link-local ranges: sources outside them are on the internet. */
const NON_PUBLIC_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
];

interface QueryDefinition {
  readonly name: string;
  readonly description: string;
  readonly fields: readonly string[];
  readonly body: (from: string, window: string) => string;
}

function isPublic(column: string): string {
  const address = `try_cast(${column} AS ipaddress)`;
  const checks = NON_PUBLIC_NETWORKS.map((net) => `NOT contains('${net}', ${address})`);
  return [`${address} IS NOT NULL`, ...checks].join('\n    AND ');
}

const DEFINITIONS: readonly QueryDefinition[] = [
  {
    name: 'top_talkers',
    description: 'Source/destination pairs that moved the most bytes in the last 24 hours',
    fields: ['srcaddr', 'dstaddr', 'bytes', 'packets'],
    body: (
      from,
      window,
    ) => `SELECT srcaddr, dstaddr, sum(bytes) AS total_bytes, sum(packets) AS total_packets, count(*) AS flows
FROM ${from}
WHERE ${window}
GROUP BY srcaddr, dstaddr
ORDER BY total_bytes DESC
LIMIT 25;`,
  },
  {
    name: 'rejected_traffic',
    description: 'Sources and ports with the most rejected flows in the last 24 hours',
    fields: ['srcaddr', 'dstport', 'protocol', 'action', 'packets'],
    body: (
      from,
      window,
    ) => `SELECT srcaddr, dstport, protocol, count(*) AS rejected_flows, sum(packets) AS rejected_packets
FROM ${from}
WHERE ${window}
  AND action = 'REJECT'
GROUP BY srcaddr, dstport, protocol
ORDER BY rejected_flows DESC
LIMIT 50;`,
  },
  {
    name: 'ssh_rdp_from_internet',
    description: 'Flows from public (internet) addresses to SSH (22) or RDP (3389) in the last 24 hours',
    fields: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action'],
    body: (from, window) => `SELECT srcaddr, dstaddr, dstport, action, count(*) AS flows
FROM ${from}
WHERE ${window}
  AND protocol = 6
  AND dstport IN (${ADMIN_PORTS.join(', ')})
  AND ${isPublic('srcaddr')}
GROUP BY srcaddr, dstaddr, dstport, action
ORDER BY flows DESC
LIMIT 100;`,
  },
  {
    name: 'crypto_mining_ports',
    description: 'Flows to well-known cryptocurrency mining pool ports in the last 24 hours',
    fields: ['srcaddr', 'dstaddr', 'dstport', 'action', 'bytes'],
    body: (from, window) => `SELECT srcaddr, dstaddr, dstport, action, count(*) AS flows, sum(bytes) AS total_bytes
FROM ${from}
WHERE ${window}
  AND dstport IN (${MINING_PORTS.join(', ')})
GROUP BY srcaddr, dstaddr, dstport, action
ORDER BY flows DESC
LIMIT 100;`,
  },
];

/**
 * The named queries that the table's fields allow. With the hive layout each query also bounds the
 * year/month/day partitions (so Athena reads one or two days of files) and, for injected projections,
 * names the account and region, which Athena requires; replace the placeholder values before running.
 */
export function namedQueries(options: AthenaTableOptions): NamedQuery[] {
  const from = options.output === 'csv' ? typedViewName(options) : qualifiedName(options).replaceAll('`', '"');
  const window = timeWindow(options);
  const names = new Set(options.format.fields.map((f) => f.column));
  return DEFINITIONS.filter((d) => d.fields.every((f) => names.has(f))).map((d) => ({
    name: d.name,
    description: d.description,
    sql: d.body(from, window),
  }));
}

function timeWindow(options: AthenaTableOptions): string {
  const recent = `"timestamp" >= current_timestamp - INTERVAL '1' DAY`;
  if (options.layout !== 'hive') return recent;
  const conditions = [recent];
  if (!options.accounts?.length) conditions.push(`"aws-account-id" = '111122223333' -- your account id`);
  if (!options.regions?.length) conditions.push(`"aws-region" = 'us-east-1' -- your region`);
  conditions.push(
    `concat(year, month, day) >= date_format(current_date - INTERVAL '1' DAY, '%Y%m%d') -- partition pruning`,
  );
  return conditions.join('\n  AND ');
}

/** The queries as one SQL text, each preceded by a comment with its name and description. */
export function formatNamedQueries(queries: readonly NamedQuery[]): string {
  return queries.map((q) => `-- ${q.name}: ${q.description}\n${q.sql}`).join('\n\n');
}

/** Fields a format lacks for some queries (those queries are left out). */
export function missingQueryFields(format: FlowFormat): string[] {
  const names = new Set(format.fields.map((f) => f.column));
  return [...new Set(DEFINITIONS.flatMap((d) => d.fields).filter((f) => !names.has(f)))];
}
