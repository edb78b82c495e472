import type { EventBatch } from '../decode/types.js';

/**
 * Keeps the lines whose value count fits their format; the others become rejected rows with a reason.
 * Returns the same batch object when every line fits (the common case: no copying).
 */
export function keepFittingLines(batch: EventBatch, reject: (reason: string, line: string) => void): EventBatch {
  const expected = batch.format.fields.length;
  const fits = fitsPattern(expected);
  const { lines } = batch;
  let firstBad = -1;
  for (let i = 0; i < lines.length; i++) {
    if (!fits.test(lines[i])) {
      firstBad = i;
      break;
    }
  }
  if (firstBad === -1) return batch;
  const timestamps: number[] = batch.timestamps.slice(0, firstBad);
  const kept: string[] = lines.slice(0, firstBad);
  for (let i = firstBad; i < lines.length; i++) {
    if (fits.test(lines[i])) {
      kept.push(lines[i]);
      timestamps.push(batch.timestamps[i]);
    } else {
      reject(mismatchReason(valueCount(lines[i]), expected, lines[i]), lines[i]);
    }
  }
  return { ...batch, lines: kept, timestamps };
}

const patterns = new Map<number, RegExp>();

/**
 * A pattern matching exactly `count` non-empty values separated by single spaces: the same test as
 * `valueCount(line) === count`, done by the regular expression engine's compiled code, which runs faster
 * than walking the line in JavaScript.
 */
function fitsPattern(count: number): RegExp {
  let pattern = patterns.get(count);
  if (pattern === undefined) {
    pattern = new RegExp(`^[^ ]+(?: [^ ]+){${count - 1}}$`);
    patterns.set(count, pattern);
  }
  return pattern;
}

/** Values in a line: single spaces separate them; an empty value (two spaces, a leading space) counts as a mismatch. */
function valueCount(line: string): number {
  if (line.length === 0 || line.charCodeAt(0) === 0x20 || line.charCodeAt(line.length - 1) === 0x20) return -1;
  let count = 1;
  let p = line.indexOf(' ');
  while (p !== -1) {
    if (line.charCodeAt(p + 1) === 0x20) return -1;
    count++;
    p = line.indexOf(' ', p + 1);
  }
  return count;
}

function mismatchReason(count: number, expected: number, line: string): string {
  if (count === -1) return line.trim() === '' ? 'empty line' : 'empty value (extra spaces)';
  return count < expected ? `too few values (format has ${expected})` : `too many values (format has ${expected})`;
}
