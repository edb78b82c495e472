import { findHunt, HUNTS, missingColumns } from '../hunt/catalog.js';
import { col, sqlString } from '../hunt/dialect.js';
import type { HuntDefinition } from '../hunt/types.js';
import { type ActivityRequest, findingActivity } from './activity.js';
import type { Bar, CoverageMap, HuntKind, HuntSection, ReportData, Timeline, Totals } from './data.js';
import { bucketStarts, chooseGrain, type Grain } from './grain.js';
import type { HuntOptions, ReportSession } from './session.js';
import { numberOf, numberOrNull } from './values.js';

export interface GatherOptions {
  /** The hunts to run, in catalog order (default: every hunt the report runs on its own). */
  readonly hunts?: readonly string[];
  /** Options per hunt name (`{ talkers: { by: 'eni' } }`). */
  readonly huntOptions?: Readonly<Record<string, HuntOptions>>;
  /** Findings shown per hunt. */
  readonly findings?: number;
  /** Whether the session was opened with an address list (runs the `ioc` hunt). */
  readonly ioc?: boolean;
  /** Totals only, no traffic charts (a single hunt's page). */
  readonly overview?: boolean;
  readonly since?: string;
  readonly until?: string;
  readonly now?: Date;
}

/** The source had flow objects but no record in the window: there is nothing to draw. */
export class NoRecordsError extends Error {
  override name = 'NoRecordsError';
}

/** Hunts whose findings point at an incident: shown before the overview when they found something. */
const ALERT_HUNTS = new Set(['mining', 'exposed', 'scan', 'ioc']);
/** Hunts whose finding charts count bytes rather than flows. */
const BYTE_HUNTS = new Set(['egress', 'talkers']);
/** `ip` follows addresses the user names: nothing to run unattended. */
const NOT_IN_REPORT = new Set(['ip']);

const DEFAULT_FINDINGS = 10;
const TIMELINE_BUCKETS = 200;
const COVERAGE_BUCKETS = 48;
const COVERAGE_INTERFACES = 40;
const TOP_BARS = 10;

/** Runs the report's queries and hunts over an open session and returns what the page shows. */
export async function gatherReport(session: ReportSession, options: GatherOptions = {}): Promise<ReportData> {
  const has = (column: string) => session.columns.has(column);
  const totals = await gatherTotals(session);
  if (totals.records === 0) {
    throw new NoRecordsError(`no flow records in ${session.description}${windowWords(options)}`);
  }
  const span = totals.firstStart !== null && totals.lastStart !== null ? [totals.firstStart, totals.lastStart] : null;
  const grain = span ? chooseGrain(span[0], span[1], TIMELINE_BUCKETS) : null;
  const overview = options.overview !== false;

  const timeline = overview && grain ? await gatherTimeline(session, grain) : null;
  const coverage =
    overview && span && has('interface_id')
      ? await gatherCoverage(session, span[0], span[1], chooseGrain(span[0], span[1], COVERAGE_BUCKETS))
      : null;
  const topPorts = overview ? await gatherTopPorts(session) : [];

  const hunts: HuntSection[] = [];
  const requests: { section: number; request: ActivityRequest }[] = [];
  for (const hunt of reportHunts(options)) {
    const huntOptions = options.huntOptions?.[hunt.name] ?? {};
    const missing = missingColumns(hunt, has);
    const base = { name: hunt.name, summary: hunt.summary, ranking: hunt.ranking, kind: kindOf(hunt.name) };
    const metric = BYTE_HUNTS.has(hunt.name) && has('bytes') ? ('bytes' as const) : ('flows' as const);
    if (missing.length > 0) {
      hunts.push({ ...base, skipped: `the flows have no ${missing.join(', ')}`, ...empty(metric) });
      continue;
    }
    if (hunt.needsIoc && !options.ioc) {
      hunts.push({ ...base, skipped: 'needs an address list (--ioc FILE)', ...empty(metric) });
      continue;
    }
    const limit = options.findings ?? DEFAULT_FINDINGS;
    const result = await session.hunt(hunt.name, huntOptions, limit + 1);
    const findings = result.rows.slice(0, limit);
    const ctx = session.context(huntOptions);
    for (const finding of findings)
      requests.push({ section: hunts.length, request: { hunt: hunt.name, finding, ctx, measure: metric } });
    hunts.push({ ...base, columns: result.columns, findings, more: result.rows.length > limit, metric, activity: [] });
  }

  const activity = grain
    ? await findingActivity(
        session,
        requests.map((r) => r.request),
        grain,
      )
    : requests.map(() => null);
  const perSection = hunts.map(() => [] as HuntSection['activity'][number][]);
  for (const [i, r] of requests.entries()) perSection[r.section].push(activity[i]);
  const sections = hunts.map((h, i) => (h.skipped ? h : { ...h, activity: perSection[i] }));

  const talkers = sections.find(
    (h) => h.name === 'talkers' && !h.skipped && !('by' in (options.huntOptions?.talkers ?? {})),
  );
  return {
    source: session.description,
    generatedAt: (options.now ?? new Date()).toISOString(),
    since: options.since,
    until: options.until,
    totals,
    timeline,
    topTalkers: overview && talkers ? talkerBars(talkers) : [],
    topPorts,
    coverage,
    hunts: sections,
  };
}

function empty(metric: 'flows' | 'bytes') {
  return { columns: [], findings: [], more: false, metric, activity: [] };
}

function kindOf(name: string): HuntKind {
  return ALERT_HUNTS.has(name) ? 'alert' : 'context';
}

/**
 * The hunt runs a full report makes over flows with these columns, as `session.hunt` arguments: each hunt of
 * the page, and `talkers --by port` for the ports chart. The benchmark runs exactly these to compare.
 */
export function reportHuntRuns(
  columns: ReadonlySet<string>,
  options: Pick<GatherOptions, 'ioc'> = {},
): { name: string; options: HuntOptions; limit: number }[] {
  const runnable = (h: HuntDefinition) =>
    missingColumns(h, (c) => columns.has(c)).length === 0 && (!h.needsIoc || options.ioc);
  const runs = reportHunts({})
    .filter(runnable)
    .map((h) => ({ name: h.name, options: {}, limit: DEFAULT_FINDINGS + 1 }));
  const talkers = findHunt(TOP_PORTS.hunt);
  if (talkers && runnable(talkers)) runs.push({ name: TOP_PORTS.hunt, options: TOP_PORTS.options, limit: TOP_BARS });
  return runs;
}

function reportHunts(options: GatherOptions): HuntDefinition[] {
  if (options.hunts) return HUNTS.filter((h) => options.hunts?.includes(h.name));
  return HUNTS.filter((h) => !NOT_IN_REPORT.has(h.name));
}

function windowWords(options: GatherOptions): string {
  if (options.since && options.until) return ` between ${options.since} and ${options.until}`;
  if (options.since) return ` since ${options.since}`;
  if (options.until) return ` until ${options.until}`;
  return '';
}

/** Rows whose `column` holds `value`, as an aggregate. */
function countOf(column: string, value: string): string {
  return `count(*) FILTER (WHERE ${col(column)} = ${sqlString(value)})`;
}

async function gatherTotals(session: ReportSession): Promise<Totals> {
  const { from, window, has } = session.context();
  const parts = ['count(*) AS records'];
  if (has('bytes')) parts.push(`coalesce(sum(${col('bytes')}), 0) AS bytes`);
  if (has('action'))
    parts.push(`${countOf('action', 'ACCEPT')} AS accepted`, `${countOf('action', 'REJECT')} AS rejected`);
  if (has('log_status'))
    parts.push(`${countOf('log_status', 'NODATA')} AS nodata`, `${countOf('log_status', 'SKIPDATA')} AS skipdata`);
  if (has('interface_id')) parts.push('count(DISTINCT interface_id) AS interfaces');
  if (has('start')) parts.push(`min(${col('start')}) AS first_start`, `max(${col('start')}) AS last_start`);
  const row = (await session.query(`SELECT ${parts.join(', ')} FROM ${from} WHERE ${window}`)).rows[0] ?? {};
  return {
    records: numberOf(row.records),
    bytes: numberOrNull(row.bytes),
    accepted: numberOrNull(row.accepted),
    rejected: numberOrNull(row.rejected),
    nodata: numberOrNull(row.nodata),
    skipdata: numberOrNull(row.skipdata),
    interfaces: numberOrNull(row.interfaces),
    firstStart: numberOrNull(row.first_start),
    lastStart: numberOrNull(row.last_start),
  };
}

async function gatherTimeline(session: ReportSession, grain: Grain): Promise<Timeline> {
  const { from, window, has, d } = session.context();
  // Records without an action (NODATA, SKIPDATA) carry no traffic: the coverage map shows them.
  const action = has('action') ? col('action') : `'ALL'`;
  const flowsOnly = has('action') ? ` AND ${col('action')} IS NOT NULL` : '';
  const bytes = has('bytes') ? `coalesce(sum(${col('bytes')}), 0)` : '0';
  const sql = `SELECT ${d.bucket(col('start'), grain.seconds)} AS t, ${action} AS action, count(*) AS flows, ${bytes} AS bytes
FROM ${from}
WHERE ${window} AND ${col('start')} IS NOT NULL${flowsOnly}
GROUP BY 1, 2
ORDER BY 1, 2`;
  const rows = (await session.query(sql)).rows;
  return {
    grain,
    points: rows.map((r) => ({
      t: numberOf(r.t),
      action: String(r.action),
      flows: numberOf(r.flows),
      bytes: numberOf(r.bytes),
    })),
  };
}

async function gatherCoverage(session: ReportSession, first: number, last: number, grain: Grain): Promise<CoverageMap> {
  const { from, window, has, d } = session.context();
  const status = (value: string) => (has('log_status') ? countOf('log_status', value) : '0');
  const sql = `SELECT interface_id AS iface, ${d.bucket(col('start'), grain.seconds)} AS t, count(*) AS records,
  ${status('NODATA')} AS nodata, ${status('SKIPDATA')} AS skipdata
FROM ${from}
WHERE ${window} AND ${col('start')} IS NOT NULL AND interface_id IS NOT NULL
GROUP BY 1, 2`;
  const rows = (await session.query(sql)).rows;
  const cells = rows.map((r) => ({
    iface: String(r.iface),
    t: numberOf(r.t),
    records: numberOf(r.records),
    nodata: numberOf(r.nodata),
    skipdata: numberOf(r.skipdata),
  }));
  const buckets = bucketStarts(first, last, grain.seconds);
  // Interfaces with the most gaps (buckets without a record or with lost records) first, then the busiest.
  const perInterface = new Map<string, { gaps: number; records: number }>();
  for (const cell of cells) {
    const seen = perInterface.get(cell.iface) ?? { gaps: buckets.length, records: 0 };
    seen.gaps -= cell.skipdata > 0 ? 0 : 1;
    seen.records += cell.records;
    perInterface.set(cell.iface, seen);
  }
  const ranked = [...perInterface.entries()]
    .sort(([a, x], [b, y]) => y.gaps - x.gaps || y.records - x.records || (a < b ? -1 : 1))
    .map(([iface]) => iface);
  const shown = ranked.slice(0, COVERAGE_INTERFACES);
  const shownSet = new Set(shown);
  return {
    grain,
    buckets,
    interfaces: shown,
    hiddenInterfaces: ranked.length - shown.length,
    cells: cells.filter((c) => shownSet.has(c.iface)),
  };
}

const PROTOCOLS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };

/** The ports chart: the talkers hunt by port. */
const TOP_PORTS = { hunt: 'talkers', options: { by: 'port' } } as const;

async function gatherTopPorts(session: ReportSession): Promise<Bar[]> {
  const talkers = findHunt(TOP_PORTS.hunt);
  if (!talkers || missingColumns(talkers, (c) => session.columns.has(c)).length > 0) return [];
  const rows = (await session.hunt(TOP_PORTS.hunt, TOP_PORTS.options, TOP_BARS)).rows;
  return rows.map((r) => ({
    label: `${r.dstport ?? '-'}/${PROTOCOLS[String(r.protocol)] ?? r.protocol ?? '-'}`,
    bytes: numberOf(r.bytes),
    flows: numberOf(r.flows),
  }));
}

function talkerBars(section: HuntSection): Bar[] {
  return section.findings.slice(0, TOP_BARS).map((f) => ({
    label: `${f.srcaddr ?? '-'} → ${f.dstaddr ?? '-'}`,
    bytes: numberOf(f.bytes),
    flows: numberOf(f.flows),
  }));
}
