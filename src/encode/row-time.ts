import type { FlowFormat } from '../formats/format.js';
import { nthToken } from '../formats/tokens.js';

export { nthToken };

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
