import { ACTION, BYTES, destinationAddress, equals, START, sourceAddress } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/**
 * Flows touching any listed address or CIDR, per indicator, pair, port and action. Matching runs on the
 * distinct addresses first (far fewer than flows), then joins back by equality.
 */
export const ioc: HuntDefinition = {
  name: 'ioc',
  summary: 'flows touching any address or CIDR of a list (threat intel, known-bad hosts), per indicator and pair',
  ranking: 'flows DESC, then bytes',
  requires: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action', 'start', 'bytes'],
  options: [{ name: 'list', kind: 'file', description: 'addresses or CIDRs, one per line (# comments)' }],
  needsIoc: true,
  build(ctx: HuntContext) {
    const { d } = ctx;
    const src = sourceAddress(ctx);
    const dst = destinationAddress(ctx);
    const list = ctx.ioc ?? "(SELECT '203.0.113.0/24' AS indicator)";
    const sql = `WITH addresses AS (
  SELECT address, ${d.addressKey('address')} AS address_key
  FROM (
    SELECT ${src} AS address FROM ${ctx.from} WHERE ${ctx.window}
    UNION
    SELECT ${dst} AS address FROM ${ctx.from} WHERE ${ctx.window}
  ) AS ends
),
matched AS (
  SELECT a.address, min(l.indicator) AS indicator
  FROM addresses AS a JOIN ${list} AS l ON ${d.inAddressList('a.address_key', 'l')}
  GROUP BY a.address
),
touching AS (
  SELECT m.indicator, f.* FROM ${ctx.from} AS f JOIN matched AS m ON ${sourceAddress(ctx, 'f.')} = m.address
  WHERE ${ctx.window}
  UNION ALL
  SELECT m.indicator, f.* FROM ${ctx.from} AS f JOIN matched AS m ON ${destinationAddress(ctx, 'f.')} = m.address
  WHERE ${ctx.window} AND coalesce(${sourceAddress(ctx, 'f.')}, '') NOT IN (SELECT address FROM matched)
)
SELECT indicator, ${src} AS srcaddr, ${dst} AS dstaddr, dstport, protocol, ${ACTION} AS action,
  count(*) AS flows, sum(${BYTES}) AS bytes,
  ${d.timestamp(`min(${START})`)} AS first_seen, ${d.timestamp(`max(${START})`)} AS last_seen
FROM touching
GROUP BY indicator, ${src}, ${dst}, dstport, protocol, ${ACTION}`;
    return { sql, orderBy: 'flows DESC, bytes DESC, srcaddr, dstaddr' };
  },
  activity: (f, ctx) => `${equals(sourceAddress(ctx), f.srcaddr)} AND ${equals(destinationAddress(ctx), f.dstaddr)}`,
};
