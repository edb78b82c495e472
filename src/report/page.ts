import { LIST_LIMIT } from '../hunt/dialect.js';
import { VERSION } from '../version.js';
import { barChart, coverageChart, grainWords, sparklineChart, timelineChart } from './charts.js';
import type { HuntSection, ReportData, Totals } from './data.js';
import { escapeHtml, formatBytes, formatCount, formatDuration, formatTime } from './format.js';
import { PlotRenderer } from './plot.js';
import type { JsonValue } from './session.js';
import { PAGE_CSS } from './style.js';

/**
 * The report as one HTML file: no script, no font, no request (the Content-Security-Policy forbids any), charts
 * as inline SVG. Alerts with findings come first, so what needs a decision is on the first screen; then the
 * traffic overview; then the hunts that describe the traffic.
 */
export function buildPage(data: ReportData, title = 'flowlake report'): string {
  const renderer = new PlotRenderer();
  const first = data.totals.firstStart;
  const last = data.totals.lastStart;
  const alerts = data.hunts.filter((h) => h.kind === 'alert' && h.findings.length > 0);
  const rest = data.hunts.filter((h) => !alerts.includes(h));
  const body = [
    header(data, title),
    glance(data.hunts),
    ...alerts.map((h) => huntSection(h, renderer, first, last)),
    overview(data, renderer),
    ...rest.map((h) => huntSection(h, renderer, first, last)),
    footer(data),
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="flowlake ${escapeHtml(VERSION)}">
<title>${escapeHtml(`${title}: ${data.source}`)}</title>
<style>
${PAGE_CSS}
${renderer.stylesheet()}
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function header(data: ReportData, title: string): string {
  const window = [data.since && `since ${data.since}`, data.until && `until ${data.until}`].filter(Boolean).join(', ');
  return `<header>
<h1>${escapeHtml(title)}</h1>
<p class="source">${escapeHtml(data.source)}${window ? ` <span class="window">(${escapeHtml(window)})</span>` : ''}</p>
${totalsList(data.totals)}
</header>`;
}

function totalsList(t: Totals): string {
  const items: [string, string][] = [['records', formatCount(t.records)]];
  if (t.bytes !== null) items.push(['bytes', formatBytes(t.bytes)]);
  if (t.accepted !== null && t.rejected !== null) {
    items.push(
      ['accepted', formatCount(t.accepted)],
      ['rejected', `${formatCount(t.rejected)} (${percent(t.rejected, t.records)})`],
    );
  }
  if (t.nodata !== null && t.skipdata !== null) {
    items.push(['NODATA / SKIPDATA', `${formatCount(t.nodata)} / ${formatCount(t.skipdata)}`]);
  }
  if (t.interfaces !== null) items.push(['interfaces', formatCount(t.interfaces)]);
  if (t.firstStart !== null && t.lastStart !== null) {
    items.push([
      'time span',
      `${formatTime(t.firstStart)} → ${formatTime(t.lastStart)} UTC (${formatDuration(t.lastStart - t.firstStart)})`,
    ]);
  }
  return `<dl class="totals">${items.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>`;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%';
}

/** One line naming every hunt and how many findings it has: alerts with findings stand out. */
function glance(hunts: readonly HuntSection[]): string {
  if (hunts.length <= 1) return '';
  const items = hunts.map((h) => {
    const count = h.skipped ? 'skipped' : `${h.findings.length}${h.more ? '+' : ''}`;
    const cls = h.skipped
      ? 'skipped'
      : h.kind === 'alert' && h.findings.length > 0
        ? 'alert'
        : h.findings.length
          ? 'some'
          : 'none';
    return `<li class="${cls}"><a href="#hunt-${escapeHtml(h.name)}">${escapeHtml(h.name)} <b>${count}</b></a></li>`;
  });
  return `<nav class="glance" aria-label="hunts"><span>Hunts:</span><ul>${items.join('')}</ul></nav>`;
}

function huntSection(h: HuntSection, renderer: PlotRenderer, first: number | null, last: number | null): string {
  const id = `hunt-${escapeHtml(h.name)}`;
  const heading = `<h2>${escapeHtml(h.name)}${h.skipped ? '' : ` <span class="count">${findingsWords(h)}</span>`}</h2>
<p class="summary">${escapeHtml(h.summary)}</p>`;
  if (h.skipped) {
    return `<section class="hunt skipped" id="${id}">${heading}<p class="note">Not run: ${escapeHtml(h.skipped)}.</p></section>`;
  }
  if (h.findings.length === 0) {
    return `<section class="hunt none" id="${id}">${heading}<p class="note">No findings.</p></section>`;
  }
  const columns = h.columns.filter((c) => h.findings.some((f) => f[c.name] !== null && f[c.name] !== undefined));
  const grain = h.activity.find((a) => a)?.grain;
  const activityHead = grain
    ? `<th class="spark">activity<br><small>${escapeHtml(grainWords(grain, h.metric))}</small></th>`
    : '';
  const rows = h.findings.map((f, i) => {
    const series = h.activity[i];
    const spark =
      grain && first !== null && last !== null
        ? `<td class="spark">${series ? renderer.render(sparklineChart(series, first, last)) : '—'}</td>`
        : '';
    const cells = columns.map((c) => cell(c.name, c.type, f[c.name])).join('');
    return `<tr><td class="rank">${i + 1}</td>${spark}${cells}</tr>`;
  });
  return `<section class="hunt ${h.kind}" id="${id}">
${heading}
<p class="ranking">Ranked by ${escapeHtml(h.ranking)}</p>
<div class="table-wrap"><table>
<thead><tr><th class="rank">#</th>${activityHead}${columns.map((c) => `<th>${columnHeading(c.name)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table></div>
${h.more ? `<p class="note">The top ${h.findings.length} are shown; <code>flowlake hunt ${escapeHtml(h.name)} … --limit 0</code> lists every finding.</p>` : ''}
</section>`;
}

/** The column's own name (as in `--format json`), free to wrap after its underscores so wide tables fit. */
function columnHeading(name: string): string {
  return escapeHtml(name).replaceAll('_', '_<wbr>');
}

function findingsWords(h: HuntSection): string {
  const n = h.findings.length;
  if (h.more) return `top ${n}`;
  return n === 1 ? '1 finding' : `${n} findings`;
}

/** Short values (addresses, interface ids) stay on one line; long ones wrap, and past LONG_TEXT are cut. */
const SHORT_TEXT = 40;
const LONG_TEXT = 60;
/** Lists longer than this show their first items and a count; the tooltip holds up to TITLE_TEXT characters. */
const LIST_ITEMS = 3;
const TITLE_TEXT = 2000;

function cell(name: string, type: string, value: JsonValue | undefined): string {
  if (value === null || value === undefined) return '<td class="null">—</td>';
  if (typeof value === 'number') {
    const exact = formatCount(value);
    if (name === 'bytes') return `<td class="num" title="${exact} bytes">${formatBytes(value)}</td>`;
    return `<td class="num">${Number.isInteger(value) ? exact : escapeHtml(String(value))}</td>`;
  }
  if (typeof value === 'string' && /TIMESTAMP/i.test(type))
    return `<td class="time">${escapeHtml(formatTime(value))}</td>`;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Distinct lists (ports, pools) arrive comma-joined: the first few, then how many more.
  const items = text.split(',');
  if (items.length > LIST_ITEMS) {
    // Hunts cut their lists at LIST_LIMIT values: a full list may stand for more.
    const count = items.length < LIST_LIMIT ? `${formatCount(items.length)} in all` : `${LIST_LIMIT} or more`;
    const shown = `${items.slice(0, LIST_ITEMS - 1).join(', ')}, … (${count})`;
    return `<td title="${escapeHtml(clip(items.join(', '), TITLE_TEXT))}">${escapeHtml(shown)}</td>`;
  }
  const joined = items.join(', ');
  if (joined.length <= SHORT_TEXT) return `<td class="short">${escapeHtml(joined)}</td>`;
  if (joined.length <= LONG_TEXT) return `<td>${escapeHtml(joined)}</td>`;
  return `<td title="${escapeHtml(clip(joined, TITLE_TEXT))}">${escapeHtml(clip(joined, LONG_TEXT))}</td>`;
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

function overview(data: ReportData, renderer: PlotRenderer): string {
  const parts: string[] = [];
  const first = data.totals.firstStart;
  const last = data.totals.lastStart;
  if (data.timeline && first !== null && last !== null) {
    const words = data.timeline.grain.label;
    parts.push(`<figure class="chart"><figcaption>Traffic over time: bytes ${escapeHtml(words)}, accepted and rejected</figcaption>
${renderer.render(timelineChart(data.timeline, 'bytes', first, last))}</figure>`);
    parts.push(`<figure class="chart"><figcaption>Flows ${escapeHtml(words)}, accepted and rejected</figcaption>
${renderer.render(timelineChart(data.timeline, 'flows', first, last))}</figure>`);
  }
  const bars: string[] = [];
  if (data.topTalkers.length > 0) {
    bars.push(`<figure class="chart half"><figcaption>Top talkers (source → destination) by bytes</figcaption>
${renderer.render(barChart(data.topTalkers))}</figure>`);
  }
  if (data.topPorts.length > 0) {
    bars.push(`<figure class="chart half"><figcaption>Top destination ports by bytes</figcaption>
${renderer.render(barChart(data.topPorts))}</figure>`);
  }
  if (bars.length > 0) parts.push(`<div class="row">${bars.join('\n')}</div>`);
  if (data.coverage && data.coverage.interfaces.length > 0) {
    const hidden = data.coverage.hiddenInterfaces;
    parts.push(`<figure class="chart"><figcaption>Coverage: what each interface delivered ${escapeHtml(data.coverage.grain.label)}${
      hidden > 0
        ? ` (the ${data.coverage.interfaces.length} with the most gaps; ${formatCount(hidden)} more not shown)`
        : ''
    }</figcaption>
${renderer.render(coverageChart(data.coverage))}</figure>`);
  }
  if (parts.length === 0) return '';
  return `<section class="overview" id="overview"><h2>Traffic overview</h2>
${parts.join('\n')}
</section>`;
}

function footer(data: ReportData): string {
  return `<footer>Made by flowlake ${escapeHtml(VERSION)} at ${escapeHtml(formatTime(data.generatedAt))} UTC. Times are UTC
and refer to the start of each flow. Every table is a hunt: <code>flowlake hunt NAME SRC</code> gives all its rows.</footer>`;
}
