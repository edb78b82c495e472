import { ACTION, BYTES, destinationAddress, equals, instanceId, intList, START, sourceAddress } from '../columns.js';
import { MINING_PORTS, WEAK_MINING_PORTS } from '../networks.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/** Weights of one flow's evidence: a listed pool address counts most, a port ordinary services share least. */
const IOC_WEIGHT = 3;
const PORT_WEIGHT = 1;
const WEAK_PORT_WEIGHT = 0.25;

/**
 * Accepted flows from private to public addresses on mining-pool ports (or to listed pool addresses on any
 * port). A miner is small, steady and long, so sources are ranked by persistence, not bytes: the hours in which
 * they reached a pool, weighted by how strong the evidence was, times how regular they were.
 */
export const mining: HuntDefinition = {
  name: 'mining',
  summary:
    'instances talking to crypto-mining pools: private → public on pool ports (or --ioc addresses), steady over time',
  ranking:
    'score = Σ over active hours of the strongest evidence that hour (listed pool 3, pool port 1, port ordinary services share 0.25) × (1 + regularity); regularity = active hours / hours between first and last seen',
  requires: ['interface_id', 'srcaddr', 'dstaddr', 'dstport', 'action', 'start', 'bytes'],
  options: [{ name: 'ioc', kind: 'file', description: 'pool addresses or CIDRs, one per line: matched on any port' }],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const src = sourceAddress(ctx);
    const dst = destinationAddress(ctx);
    const listed = ctx.ioc ? `${dst} IN (SELECT address FROM listed_pools)` : 'FALSE';
    const listedPools = ctx.ioc
      ? `listed_pools AS (
  SELECT DISTINCT seen.address
  FROM (
    SELECT address, ${d.addressKey('address')} AS address_key
    FROM (SELECT DISTINCT ${dst} AS address FROM ${ctx.from} WHERE ${ctx.window}) AS destinations
  ) AS seen
  JOIN ${ctx.ioc} AS ioc ON ${d.inAddressList('seen.address_key', 'ioc')}
),
`
      : '';
    // Active hours ÷ hours from first to last seen (1 for an actor seen every hour).
    const hoursSpanned = `${d.intDiv(`${d.bucket('a.last_start', 3600)} - ${d.bucket('a.first_start', 3600)}`, 3600)} + 1`;
    const regularity = d.ratio('a.active_hours', hoursSpanned);
    const sql = `WITH ${listedPools}hits AS (
  SELECT interface_id, ${src} AS srcaddr, ${instanceId(ctx)} AS instance_id, ${dst} AS pool, dstport, ${BYTES} AS bytes, ${START} AS start,
    CASE WHEN ${listed} THEN ${IOC_WEIGHT} WHEN dstport IN (${intList(WEAK_MINING_PORTS)}) THEN ${WEAK_PORT_WEIGHT} ELSE ${PORT_WEIGHT} END AS weight
  FROM ${ctx.from}
  WHERE ${ctx.window}
    AND ${equals(ACTION, 'ACCEPT')}
    AND (dstport IN (${intList(MINING_PORTS)}) OR ${listed})
    AND ${d.isPrivate(src)}
    AND ${d.isPublic(dst)}
),
hours AS (
  SELECT interface_id, srcaddr, ${d.bucket('start', 3600)} AS hour, max(weight) AS weight
  FROM hits
  GROUP BY interface_id, srcaddr, ${d.bucket('start', 3600)}
),
evidence AS (
  SELECT interface_id, srcaddr, sum(weight) AS weighted_hours FROM hours GROUP BY interface_id, srcaddr
),
actors AS (
  SELECT interface_id, srcaddr, max(instance_id) AS instance_id,
    count(DISTINCT pool) AS pools,
    ${d.distinctList('pool')} AS pool_addresses,
    ${d.distinctList('dstport')} AS ports,
    count(*) AS flows,
    sum(bytes) AS bytes,
    min(start) AS first_start,
    max(start) AS last_start,
    count(DISTINCT ${d.bucket('start', 86400)}) AS active_days,
    count(DISTINCT ${d.bucket('start', 3600)}) AS active_hours
  FROM hits
  GROUP BY interface_id, srcaddr
)
SELECT a.interface_id, a.srcaddr, a.instance_id, a.pools, a.pool_addresses, a.ports, a.flows, a.bytes,
  ${d.timestamp('a.first_start')} AS first_seen, ${d.timestamp('a.last_start')} AS last_seen,
  a.active_days, a.active_hours,
  round(${regularity}, 3) AS regularity,
  round(e.weighted_hours * (1 + ${regularity}), 2) AS score
FROM actors AS a
JOIN evidence AS e ON e.interface_id = a.interface_id AND e.srcaddr = a.srcaddr`;
    return { sql, orderBy: 'score DESC, flows DESC, srcaddr' };
  },
  activity: (f, ctx) =>
    `${equals('interface_id', f.interface_id)} AND ${equals(sourceAddress(ctx), f.srcaddr)} AND ${equals(ACTION, 'ACCEPT')} AND dstport IN (${intList(MINING_PORTS)})`,
};
