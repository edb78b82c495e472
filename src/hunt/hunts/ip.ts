import { START } from '../columns.js';
import { sqlString } from '../dialect.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/** Every flow where either address matches one of the given addresses or CIDRs, in time order, whole rows. */
export const ip: HuntDefinition = {
  name: 'ip',
  summary: 'every flow to or from the given addresses or CIDRs (IPv4/IPv6), in time order, whole rows',
  ranking: 'time order (flow start, then end)',
  requires: ['srcaddr', 'dstaddr', 'start'],
  positional: { name: 'ADDR|CIDR…', description: 'addresses or CIDRs to follow' },
  build(ctx: HuntContext) {
    const targets = (ctx.options.targets as readonly string[] | undefined) ?? ['203.0.113.0/24'];
    const matches = targets
      .flatMap((t) => [ctx.d.inCidr('srcaddr', sqlString(t)), ctx.d.inCidr('dstaddr', sqlString(t))])
      .join(' OR ');
    return {
      sql: `SELECT * FROM ${ctx.from} WHERE ${ctx.window} AND (${matches})`,
      orderBy: ctx.has('end') ? `${START}, "end", srcaddr` : `${START}, srcaddr`,
    };
  },
};
