import { BYTES, destinationAddress, equals, START, sourceAddress } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/** Largest transfers out: private → public bytes per pair and hour. */
export const egress: HuntDefinition = {
  name: 'egress',
  summary: 'what left the network: the largest private → public transfers per pair and hour',
  ranking: 'bytes DESC per (source, destination, hour)',
  requires: ['srcaddr', 'dstaddr', 'dstport', 'start', 'bytes', 'packets'],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const src = sourceAddress(ctx);
    const dst = destinationAddress(ctx);
    const sql = `SELECT ${src} AS srcaddr, ${dst} AS dstaddr, ${d.timestamp(d.bucket(START, 3600))} AS hour,
  sum(${BYTES}) AS bytes, sum(packets) AS packets, count(*) AS flows, ${d.distinctList('dstport')} AS ports
FROM ${ctx.from}
WHERE ${ctx.window}
  AND ${d.isPrivate(src)}
  AND ${d.isPublic(dst)}
GROUP BY ${src}, ${dst}, ${d.bucket(START, 3600)}`;
    return { sql, orderBy: 'bytes DESC, srcaddr, dstaddr, hour' };
  },
  activity: (f, ctx) => `${equals(sourceAddress(ctx), f.srcaddr)} AND ${equals(destinationAddress(ctx), f.dstaddr)}`,
};
