import { BYTES, destinationAddress, equals, START, sourceAddress } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

type TalkersBy = 'ip' | 'pair' | 'eni' | 'port';

/** The key columns of each grouping but `ip` (which counts each flow for both its ends: see build). */
function keys(ctx: HuntContext, by: Exclude<TalkersBy, 'ip'>): { select: string; group: string } {
  const src = sourceAddress(ctx);
  const dst = destinationAddress(ctx);
  switch (by) {
    case 'eni':
      return { select: 'interface_id', group: 'interface_id' };
    case 'port':
      return { select: 'dstport, protocol', group: 'dstport, protocol' };
    default:
      return { select: `${src} AS srcaddr, ${dst} AS dstaddr`, group: `${src}, ${dst}` };
  }
}

/** Top talkers by bytes (with packets and flows), per address, pair, interface or destination port. */
export const talkers: HuntDefinition = {
  name: 'talkers',
  summary: 'who moves the most traffic: top addresses, pairs, interfaces or ports by bytes (with packets, flows)',
  ranking: 'bytes DESC, then packets, flows',
  requires: ['srcaddr', 'dstaddr', 'dstport', 'protocol', 'interface_id', 'packets', 'bytes', 'start'],
  options: [
    { name: 'by', kind: 'string', choices: ['ip', 'pair', 'eni', 'port'], default: 'pair', description: 'grouping' },
  ],
  build(ctx: HuntContext) {
    const by = (ctx.options.by as TalkersBy | undefined) ?? 'pair';
    const { d } = ctx;
    const measures = `sum(${BYTES}) AS bytes, sum(packets) AS packets, count(*) AS flows,
  ${d.timestamp(`min(${START})`)} AS first_seen, ${d.timestamp(`max(${START})`)} AS last_seen`;
    if (by === 'ip') {
      // Each flow counts for both its ends.
      const sql = `SELECT address, ${measures}
FROM (
  SELECT ${sourceAddress(ctx)} AS address, ${BYTES}, packets, ${START} FROM ${ctx.from} WHERE ${ctx.window}
  UNION ALL
  SELECT ${destinationAddress(ctx)} AS address, ${BYTES}, packets, ${START} FROM ${ctx.from} WHERE ${ctx.window}
) AS ends
WHERE address IS NOT NULL
GROUP BY address`;
      return { sql, orderBy: 'bytes DESC, packets DESC, flows DESC, address' };
    }
    const k = keys(ctx, by);
    const sql = `SELECT ${k.select}, ${measures}
FROM ${ctx.from}
WHERE ${ctx.window}
GROUP BY ${k.group}`;
    const tie = by === 'eni' ? 'interface_id' : by === 'port' ? 'dstport' : 'srcaddr, dstaddr';
    return { sql, orderBy: `bytes DESC, packets DESC, flows DESC, ${tie}` };
  },
  activity(f, ctx) {
    if ('address' in f)
      return `(${equals(sourceAddress(ctx), f.address)} OR ${equals(destinationAddress(ctx), f.address)})`;
    if ('interface_id' in f) return equals('interface_id', f.interface_id);
    if ('dstport' in f) return `${equals('dstport', f.dstport)} AND ${equals('protocol', f.protocol)}`;
    return `${equals(sourceAddress(ctx), f.srcaddr)} AND ${equals(destinationAddress(ctx), f.dstaddr)}`;
  },
};
