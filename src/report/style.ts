/** The page's stylesheet: screen first, then print (A4/Letter, black on white, no cut charts or rows). */
export const PAGE_CSS = `
:root { --fg: #1d2126; --muted: #5f6670; --line: #d9dde3; --alert: #c62f26; --bg-alert: #fdf1f0; --accent: #4269d0; }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 20px 32px; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: #fff; }
h1 { font-size: 18px; margin: 0 12px 0 0; display: inline-block; }
h2 { font-size: 15px; margin: 0 0 2px; }
h2 .count { font-weight: normal; color: var(--muted); font-size: 13px; }
header { border-bottom: 1px solid var(--line); padding-bottom: 6px; }
header .source { display: inline-block; margin: 0; color: var(--muted); word-break: break-all; }
dl.totals { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 6px 0 0; }
dl.totals div { display: flex; gap: 5px; align-items: baseline; }
dl.totals dt { color: var(--muted); }
dl.totals dd { margin: 0; font-weight: 600; }
nav.glance { display: flex; gap: 8px; align-items: baseline; margin: 6px 0 4px; color: var(--muted); }
nav.glance ul { display: flex; flex-wrap: wrap; gap: 4px 6px; list-style: none; margin: 0; padding: 0; }
nav.glance a { display: inline-block; padding: 1px 8px; border-radius: 10px; border: 1px solid var(--line);
  color: var(--fg); text-decoration: none; }
nav.glance li.alert a { background: var(--bg-alert); border-color: var(--alert); color: var(--alert); }
nav.glance li.none a, nav.glance li.skipped a { color: var(--muted); }
section { margin: 10px 0 14px; }
section.hunt.alert { border-left: 4px solid var(--alert); padding-left: 10px; }
section.hunt.none, section.hunt.skipped { margin: 4px 0; }
section.hunt.none h2, section.hunt.skipped h2 { display: inline; font-size: 13px; }
section.hunt.none .summary, section.hunt.skipped .summary { display: inline; margin-left: 8px; }
.summary { margin: 0 0 2px; }
.ranking, .note { margin: 0 0 4px; color: var(--muted); font-size: 12px; }
section.hunt.none .note, section.hunt.skipped .note { display: inline; margin-left: 8px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border-bottom: 1px solid var(--line); padding: 2px 7px 2px 0; text-align: left; vertical-align: middle; }
th { font-weight: 600; color: var(--muted); white-space: nowrap; }
th small { font-weight: normal; }
td { max-width: 26em; overflow-wrap: anywhere; }
td.short { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.rank, th.rank { color: var(--muted); text-align: right; }
td.null { color: var(--muted); }
td.spark { width: 184px; min-width: 184px; padding: 1px 8px 1px 0; }
td.spark svg { display: block; width: 180px; max-width: none; }
figure.chart { margin: 8px 0 12px; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
.row { display: flex; flex-wrap: wrap; gap: 12px 32px; }
figure.half { flex: 1 1 460px; max-width: 560px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
footer { margin-top: 20px; border-top: 1px solid var(--line); padding-top: 6px; color: var(--muted); font-size: 12px; }
@media print {
  @page { margin: 12mm; }
  body { padding: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  nav.glance a { border-color: #999; }
  /* Tables fit the paper: cells wrap, sparklines shrink, no horizontal scrolling to lose columns to. */
  .table-wrap { overflow: visible; }
  table { width: 100%; font-size: 7.5pt; }
  th, td { padding: 1px 4px 1px 0; white-space: normal; max-width: none; overflow-wrap: break-word; }
  td.short, td.time, td.num { white-space: normal; }
  td.spark { width: 104px; min-width: 104px; }
  td.spark svg { width: 100px; height: auto; }
  tr, figure.chart, section.hunt.none, section.hunt.skipped { break-inside: avoid; }
  thead { display: table-header-group; }
  h2 { break-after: avoid; }
  section.overview { break-before: page; }
  a { color: inherit; text-decoration: none; }
  svg { max-width: 100%; height: auto; }
}
`;
