import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firehoseTimePrefixes, parseTimeBound } from '../../src/storage/time-prefixes.js';

describe('firehoseTimePrefixes', () => {
  it('lists nothing special when no bound is given', () => {
    assert.equal(firehoseTimePrefixes(undefined, undefined), undefined);
  });

  it('gives the hours that overlap [since, until)', () => {
    assert.deepEqual(firehoseTimePrefixes('2024-05-01T10:30:00Z', '2024-05-01T13:00:00Z'), [
      '2024/05/01/10/',
      '2024/05/01/11/',
      '2024/05/01/12/',
    ]);
    assert.deepEqual(firehoseTimePrefixes('2024-05-01T10:00Z', '2024-05-01T10:00:01Z'), ['2024/05/01/10/']);
  });

  it('uses whole days, months and years where they fit', () => {
    assert.deepEqual(firehoseTimePrefixes('2024-02-27T22:00Z', '2024-03-02T01:00Z'), [
      '2024/02/27/22/',
      '2024/02/27/23/',
      '2024/02/28/',
      '2024/02/29/',
      '2024/03/01/',
      '2024/03/02/00/',
    ]);
    assert.deepEqual(firehoseTimePrefixes('2023-12-31', '2025-02-01'), [
      '2023/12/31/',
      '2024/',
      '2025/01/',
      '2025/02/01/',
    ]);
  });

  it('includes the whole day of a bare --until date', () => {
    assert.deepEqual(firehoseTimePrefixes('2024-01-01', '2024-01-31'), ['2024/01/']);
    assert.deepEqual(firehoseTimePrefixes('2024-01-05', '2024-01-05'), ['2024/01/05/']);
  });

  it('reads times without a zone as UTC and converts offsets', () => {
    assert.deepEqual(firehoseTimePrefixes('2024-05-01T10:00', '2024-05-01T11:00'), ['2024/05/01/10/']);
    assert.deepEqual(firehoseTimePrefixes('2024-05-01T12:00+02:00', '2024-05-01T13:00+02:00'), ['2024/05/01/10/']);
    assert.deepEqual(firehoseTimePrefixes('2024-04-30T22:30-05:00', '2024-05-01T04:00Z'), ['2024/05/01/03/']);
  });

  it('runs up to now (its hour included) when --until is absent', () => {
    const now = new Date('2024-05-02T02:15:00Z');
    assert.deepEqual(firehoseTimePrefixes('2024-05-01', undefined, now), [
      '2024/05/01/',
      '2024/05/02/00/',
      '2024/05/02/01/',
      '2024/05/02/02/',
    ]);
  });

  it('rejects --until alone, an empty window and malformed dates', () => {
    assert.throws(() => firehoseTimePrefixes(undefined, '2024-01-01'), /--until needs --since/);
    assert.throws(() => firehoseTimePrefixes('2024-01-02', '2024-01-01T12:00Z'), /is not before/);
    assert.throws(() => parseTimeBound('2024-02-30', 'since'), /--since 2024-02-30: not a valid date/);
    assert.throws(() => parseTimeBound('yesterday', 'until'), /--until yesterday: expected an ISO date/);
    assert.throws(() => parseTimeBound('2024-01-01T25:00', 'since'), /not a valid date or time/);
  });

  it('parses bounds to instants', () => {
    assert.equal(parseTimeBound('2024-05-01', 'since').toISOString(), '2024-05-01T00:00:00.000Z');
    assert.equal(parseTimeBound('2024-05-01', 'until').toISOString(), '2024-05-02T00:00:00.000Z');
    assert.equal(parseTimeBound('2024-05-01T10:11:12.5Z', 'until').toISOString(), '2024-05-01T10:11:12.500Z');
    assert.equal(parseTimeBound('2024-05-01 10:11', 'since').toISOString(), '2024-05-01T10:11:00.000Z');
  });
});
