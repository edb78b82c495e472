import type { FlowFormat } from '../formats/format.js';

/**
 * The time of a row whose input has no event timestamp: the flow's `start` (epoch seconds) in ms; NaN when the
 * format has no `start` or the value is `-`.
 */
export function rowTimeMs(format: FlowFormat, line: string): number {
  if (format.startIndex < 0) return Number.NaN;
  const token = nthToken(line, format.startIndex);
  if (token === undefined || !/^\d+$/.test(token)) return Number.NaN;
  return Number(token) * 1000;
}

/** The n-th space-separated value of a line without splitting the whole line. */
export function nthToken(line: string, n: number): string | undefined {
  let from = 0;
  for (let k = 0; k < n; k++) {
    const space = line.indexOf(' ', from);
    if (space === -1) return undefined;
    from = space + 1;
  }
  const end = line.indexOf(' ', from);
  return end === -1 ? line.slice(from) : line.slice(from, end);
}
