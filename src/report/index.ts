import { gatherReport } from './gather.js';
import { buildPage } from './page.js';
import type { HuntOptions, ReportSession } from './session.js';
import { writeFileAtomically } from './write.js';

export type { ReportData } from './data.js';
export { type GatherOptions, gatherReport, NoRecordsError } from './gather.js';
export { buildPage } from './page.js';
export type { HuntOptions, ReportSession } from './session.js';

export interface ReportOptions {
  readonly since?: string;
  readonly until?: string;
  /** Whether the session was opened with an address list (adds the `ioc` hunt; `mining` uses it too). */
  readonly ioc?: boolean;
}

/** Findings one hunt's page shows at most: each has a chart, and the page should stay a few MB. */
const MAX_PAGE_FINDINGS = 1000;

export interface PageSummary {
  readonly file: string;
  readonly bytes: number;
  readonly findings: number;
}

/**
 * `flowlake report`: runs every hunt of the catalog and the overview queries over the session, and writes one
 * self-contained HTML page to `file` (replacing it atomically). Throws NoRecordsError, before writing anything,
 * when there is no record to report on.
 */
export async function writeReport(
  session: ReportSession,
  file: string,
  options: ReportOptions = {},
): Promise<PageSummary> {
  const data = await gatherReport(session, options);
  const html = buildPage(data);
  await writeFileAtomically(file, html);
  return { file, bytes: Buffer.byteLength(html), findings: data.hunts.reduce((n, h) => n + h.findings.length, 0) };
}

/**
 * `flowlake hunt NAME … --html FILE`: one hunt's page (totals, its findings up to `limit` with their activity),
 * with the same options the hunt ran with. `limit` 0 shows every finding up to a page's worth (MAX_PAGE_FINDINGS).
 */
export async function writeHuntPage(
  session: ReportSession,
  hunt: string,
  file: string,
  options: { huntOptions?: HuntOptions; limit?: number; since?: string; until?: string } = {},
): Promise<PageSummary> {
  const data = await gatherReport(session, {
    hunts: [hunt],
    huntOptions: { [hunt]: options.huntOptions ?? {} },
    findings: options.limit && options.limit > 0 ? Math.min(options.limit, MAX_PAGE_FINDINGS) : MAX_PAGE_FINDINGS,
    overview: false,
    ioc: true, // the hunt ran already: it had the address list it needs
    since: options.since,
    until: options.until,
  });
  const html = buildPage(data, `flowlake hunt ${hunt}`);
  await writeFileAtomically(file, html);
  return { file, bytes: Buffer.byteLength(html), findings: data.hunts[0]?.findings.length ?? 0 };
}
