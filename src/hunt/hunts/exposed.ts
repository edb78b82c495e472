import { ACTION, BYTES, destinationAddress, equals, intList, START, sourceAddress } from '../columns.js';
import { EXPOSED_PORTS, EXPOSED_SERVICES } from '../networks.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/** Public sources accepted on administration and database ports of private destinations. */
export const exposed: HuntDefinition = {
  name: 'exposed',
  summary: `internet sources accepted on admin and database ports of private hosts (${EXPOSED_PORTS.slice(0, 6).join(', ')}, …)`,
  ranking: 'flows DESC, then bytes: the most used exposures first',
  requires: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'action', 'start', 'bytes', 'packets'],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const src = sourceAddress(ctx);
    const dst = destinationAddress(ctx);
    const service = `CASE dstport ${Object.entries(EXPOSED_SERVICES)
      .map(([port, name]) => `WHEN ${port} THEN '${name}'`)
      .join(' ')} END`;
    const sql = `SELECT ${src} AS srcaddr, ${dst} AS dstaddr, dstport, ${service} AS service, ${instanceColumn(ctx)}
  count(*) AS flows, sum(${BYTES}) AS bytes, sum(packets) AS packets,
  ${d.timestamp(`min(${START})`)} AS first_seen, ${d.timestamp(`max(${START})`)} AS last_seen
FROM ${ctx.from}
WHERE ${ctx.window}
  AND ${equals(ACTION, 'ACCEPT')}
  AND dstport IN (${intList(EXPOSED_PORTS)})
  AND protocol IN (6, 17)
  AND ${d.isPublic(src)}
  AND ${d.isPrivate(dst)}
GROUP BY ${src}, ${dst}, dstport${ctx.has('interface_id') ? ', interface_id' : ''}`;
    return { sql, orderBy: 'flows DESC, bytes DESC, srcaddr, dstaddr, dstport' };
  },
  activity: (f, ctx) =>
    `${equals(sourceAddress(ctx), f.srcaddr)} AND ${equals(destinationAddress(ctx), f.dstaddr)} AND ${equals('dstport', f.dstport)}`,
};

function instanceColumn(ctx: HuntContext): string {
  return ctx.has('interface_id') ? 'interface_id,' : '';
}
