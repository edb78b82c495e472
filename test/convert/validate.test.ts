import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepFittingLines } from '../../src/convert/validate.js';
import type { EventBatch } from '../../src/decode/types.js';
import { parseFormat } from '../../src/formats/format.js';

describe('lines that do not fit their format become rejects', () => {
  it('keeps exactly the lines with one non-empty value per field, single-space separated', () => {
    const format = parseFormat('${version} ${action} ${log-status}');
    const lines = [
      '2 ACCEPT OK', // fits
      '2 ACCEPT', // too few
      '2 ACCEPT OK extra', // too many
      '2  ACCEPT OK', // an empty value
      ' 2 ACCEPT OK', // leading space
      '2 ACCEPT OK ', // trailing space
      '', // empty
      '   ', // blank
      '2\tACCEPT OK', // a tab is not a separator: two values
      '2 ACC\nEPT OK', // a newline inside a value is still one value
      '- - -', // fits: dashes are values
    ];
    const batch: EventBatch = { format, formatKey: '', lines, timestamps: lines.map((_, i) => i) };
    const rejected: Array<[string, string]> = [];
    const kept = keepFittingLines(batch, (reason, line) => rejected.push([line, reason]));
    assert.deepEqual(kept.lines, ['2 ACCEPT OK', '2 ACC\nEPT OK', '- - -']);
    assert.deepEqual(kept.timestamps, [0, 9, 10]);
    assert.deepEqual(rejected, [
      ['2 ACCEPT', 'too few values (format has 3)'],
      ['2 ACCEPT OK extra', 'too many values (format has 3)'],
      ['2  ACCEPT OK', 'empty value (extra spaces)'],
      [' 2 ACCEPT OK', 'empty value (extra spaces)'],
      ['2 ACCEPT OK ', 'empty value (extra spaces)'],
      ['', 'empty line'],
      ['   ', 'empty line'],
      ['2\tACCEPT OK', 'too few values (format has 3)'],
    ]);
  });

  it('returns the batch itself when every line fits', () => {
    const format = parseFormat('${version} ${action}');
    const batch: EventBatch = { format, formatKey: '', lines: ['2 ACCEPT', '2 REJECT'], timestamps: [1, 2] };
    assert.equal(
      keepFittingLines(batch, () => assert.fail('nothing is rejected')),
      batch,
    );
  });
});
