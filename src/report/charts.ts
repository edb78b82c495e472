import * as Plot from '@observablehq/plot';
import type { ActivitySeries, Bar, CoverageMap, Timeline } from './data.js';
import { formatBytes, formatCount, formatTime } from './format.js';
import { bucketStarts, type Grain } from './grain.js';

/** The charts of the page as Observable Plot specifications: data in, options out (rendered by plot.ts). */

export const COLORS = { ACCEPT: '#4269d0', REJECT: '#e0463c', other: '#9c9c9c', activity: '#6b4fbb' } as const;

const date = (t: number) => new Date(t * 1000);

/** Bytes or flows per bucket, one step line per action, every bucket of the span drawn (silent ones at zero). */
export function timelineChart(
  timeline: Timeline,
  measure: 'bytes' | 'flows',
  first: number,
  last: number,
): Plot.PlotOptions {
  const actions = [...new Set(timeline.points.map((p) => p.action))].sort(actionOrder);
  const byKey = new Map(timeline.points.map((p) => [`${p.t}|${p.action}`, p]));
  // Bytes are drawn in the binary unit of the largest bucket, so the axis has round numbers of that unit.
  const unit = measure === 'bytes' ? binaryUnit(Math.max(0, ...timeline.points.map((p) => p.bytes))) : null;
  const data = bucketStarts(first, last, timeline.grain.seconds).flatMap((t) =>
    actions.map((action) => {
      const value = byKey.get(`${t}|${action}`)?.[measure] ?? 0;
      return { t: date(t), action, value: unit ? value / unit.size : value };
    }),
  );
  return {
    width: 1000,
    height: 190,
    marginLeft: 64,
    marginRight: 30,
    x: { type: 'utc', label: null, tickFormat: timeTick(last - first) },
    y: { grid: true, label: unit ? unit.name : 'flows', tickFormat: unit ? undefined : formatShort },
    color: { domain: actions, range: actions.map(colorOf), legend: true },
    marks: [
      Plot.ruleY([0]),
      Plot.lineY(data, { x: 't', y: 'value', stroke: 'action', curve: 'step-after', strokeWidth: 1.5 }),
    ],
  };
}

/** Horizontal bars by bytes, labelled with their size. */
export function barChart(bars: readonly Bar[]): Plot.PlotOptions {
  const longest = Math.max(0, ...bars.map((b) => b.label.length));
  return {
    width: 520,
    height: 28 + 22 * bars.length,
    marginLeft: Math.min(300, 12 + longest * 6.2),
    marginRight: 70,
    x: { label: null, axis: null },
    y: { label: null, domain: bars.map((b) => b.label) },
    marks: [
      Plot.barX(bars, { x: 'bytes', y: 'label', fill: COLORS.ACCEPT }),
      Plot.text(bars, { x: 'bytes', y: 'label', text: (b: Bar) => formatBytes(b.bytes), textAnchor: 'start', dx: 4 }),
      Plot.ruleX([0]),
    ],
  };
}

export const COVERAGE_STATES = ['flows', 'NODATA only', 'some SKIPDATA', 'no record'] as const;
const COVERAGE_COLORS = ['#59a14f', '#c9c9c9', '#f28e2c', '#e0463c'];

/**
 * Interface × time: what was delivered for each interface in each bucket. "no record" is a bucket for which
 * nothing arrived at all; "some SKIPDATA" lost records; "NODATA only" saw no traffic.
 */
export function coverageChart(map: CoverageMap): Plot.PlotOptions {
  const seconds = map.grain.seconds;
  const byKey = new Map(map.cells.map((c) => [`${c.iface}|${c.t}`, c]));
  const data = map.interfaces.flatMap((iface) =>
    map.buckets.map((t) => {
      const cell = byKey.get(`${iface}|${t}`);
      const state = !cell
        ? 'no record'
        : cell.skipdata > 0
          ? 'some SKIPDATA'
          : cell.nodata === cell.records
            ? 'NODATA only'
            : 'flows';
      const counts = cell
        ? `${formatCount(cell.records)} records, ${cell.nodata} NODATA, ${cell.skipdata} SKIPDATA`
        : 'no record';
      return { iface, x1: date(t), x2: date(t + seconds), state, title: `${iface} ${formatTime(t)}: ${counts}` };
    }),
  );
  return {
    width: 1000,
    height: 40 + 14 * map.interfaces.length,
    marginLeft: 150,
    marginRight: 30,
    x: { type: 'utc', label: null, tickFormat: timeTick(map.buckets[map.buckets.length - 1] - map.buckets[0]) },
    y: { label: null, domain: [...map.interfaces] },
    color: { domain: [...COVERAGE_STATES], range: COVERAGE_COLORS, legend: true },
    marks: [Plot.barX(data, { x1: 'x1', x2: 'x2', y: 'iface', fill: 'state', inset: 0.5, title: 'title' })],
  };
}

/** A finding's activity as a small step area over the whole span of the report (so findings compare). */
export function sparklineChart(series: ActivitySeries, first: number, last: number): Plot.PlotOptions {
  const seconds = series.grain.seconds;
  const values = new Map(series.points.map((p) => [p.t, p.value]));
  const starts = bucketStarts(first, last, seconds);
  // One more bucket closes the last step.
  const data = [...starts, starts[starts.length - 1] + seconds].map((t) => ({ t: date(t), value: values.get(t) ?? 0 }));
  return {
    width: 180,
    height: 34,
    margin: 2,
    axis: null,
    x: { type: 'utc', domain: [data[0].t, data[data.length - 1].t] },
    y: { domain: [0, Math.max(1, ...values.values())] },
    // One outlined area: a single path per finding keeps the page small.
    marks: [
      Plot.areaY(data, {
        x: 't',
        y: 'value',
        curve: 'step-after',
        fill: COLORS.activity,
        fillOpacity: 0.35,
        stroke: COLORS.activity,
        strokeWidth: 1,
      }),
    ],
  };
}

export function grainWords(grain: Grain, measure: 'bytes' | 'flows'): string {
  return `${measure} ${grain.label}`;
}

function binaryUnit(max: number): { name: string; size: number } {
  const names = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  while (max >= 1024 ** (u + 1) && u < names.length - 1) u++;
  return { name: names[u], size: 1024 ** u };
}

/** 24-hour UTC ticks: `14:00`, the date at midnight, dates alone over long spans. */
function timeTick(spanSeconds: number): (d: Date) => string {
  return (d: Date) => {
    const iso = d.toISOString();
    const midnight = d.getUTCHours() === 0 && d.getUTCMinutes() === 0;
    if (spanSeconds > 3 * 86_400 || midnight) return iso.slice(0, 10);
    return iso.slice(11, 16);
  };
}

function colorOf(action: string): string {
  return action === 'ACCEPT' ? COLORS.ACCEPT : action === 'REJECT' ? COLORS.REJECT : COLORS.other;
}

function actionOrder(a: string, b: string): number {
  const rank = (x: string) => (x === 'ACCEPT' ? 0 : x === 'REJECT' ? 1 : 2);
  return rank(a) - rank(b) || (a < b ? -1 : 1);
}

function formatShort(n: number): string {
  if (Math.abs(n) >= 1e9) return `${n / 1e9}G`;
  if (Math.abs(n) >= 1e6) return `${n / 1e6}M`;
  if (Math.abs(n) >= 1e3) return `${n / 1e3}k`;
  return String(n);
}
