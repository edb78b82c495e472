import { equals, START } from '../columns.js';
import type { HuntContext, HuntDefinition } from '../types.js';

/**
 * Per interface and day: records by log status and the hours with no record at all, so that "no hits" can be
 * trusted (or not). NODATA means no traffic in the capture window; SKIPDATA means records were lost; an hour with
 * no record means nothing was delivered for that interface.
 */
export const coverage: HuntDefinition = {
  name: 'coverage',
  summary: 'can "no hits" be trusted? per interface and day: OK / NODATA / SKIPDATA records and hours with no record',
  ranking: 'days with gaps first (SKIPDATA, then silent hours), then interface and day',
  requires: ['interface_id', 'log_status', 'start'],
  build(ctx: HuntContext) {
    const { d } = ctx;
    const status = (value: string) => `sum(CASE WHEN ${equals('log_status', value)} THEN 1 ELSE 0 END)`;
    const sql = `WITH days AS (
  SELECT interface_id, ${d.bucket(START, 86400)} AS day_start,
    count(*) AS records, ${status('OK')} AS ok, ${status('NODATA')} AS nodata, ${status('SKIPDATA')} AS skipdata,
    count(DISTINCT ${d.bucket(START, 3600)}) AS hours_with_records,
    min(${START}) AS first_start, max(${START}) AS last_start
  FROM ${ctx.from}
  WHERE ${ctx.window} AND ${START} IS NOT NULL
  GROUP BY interface_id, ${d.bucket(START, 86400)}
),
span AS (SELECT min(first_start) AS first_start, max(last_start) AS last_start FROM days)
SELECT interface_id, ${d.timestamp('day_start')} AS day, records, ok, nodata, skipdata, hours_with_records,
  (least(day_start + 86400, ${d.bucket('span.last_start', 3600)} + 3600) - greatest(day_start, ${d.bucket('span.first_start', 3600)})) / 3600
    - hours_with_records AS hours_without_records
FROM days CROSS JOIN span`;
    return {
      sql,
      orderBy:
        'CASE WHEN skipdata > 0 OR hours_without_records > 0 THEN 0 ELSE 1 END, skipdata DESC, hours_without_records DESC, interface_id, day',
    };
  },
  activity: (f) => equals('interface_id', f.interface_id),
};
