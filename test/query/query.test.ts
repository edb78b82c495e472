import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { convert } from '../../src/convert/run.js';
import { openFlows } from '../../src/query/index.js';
import { PLANTED, writeIncidentStash } from '../../src/sample/incidents.js';
import { flowlake } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

/** One question that touches every type: counts, sums, NULLs from `-`, the time column and a helper. */
const QUESTION = `SELECT count(*) AS flows, sum(bytes) AS bytes, sum(packets) AS packets,
  count(srcaddr) AS with_source, count(*) FILTER (WHERE log_status = 'NODATA') AS nodata,
  min("timestamp") AS first, max("end") AS last_end, count(*) FILTER (WHERE is_private(srcaddr)) AS private_sources,
  count(DISTINCT interface_id) AS interfaces, sum(dstport) AS port_sum
FROM flows`;

describe('flowlake query', () => {
  const dir = tempDir();
  const stash = join(dir, 'stash');
  before(async () => {
    await writeIncidentStash(stash, { seed: 5, noisePerHour: 40 });
    await convert(stash, join(dir, 'parquet'), { to: ['parquet'], layout: 'hive', concurrency: 1 });
    await convert(stash, join(dir, 'csv'), { to: ['csv'], concurrency: 1 });
    await convert(stash, join(dir, 'jsonl'), { to: ['jsonl'], concurrency: 1 });
  });

  it('answers the same over Parquet, CSV and JSONL outputs and over the raw stash', async () => {
    const answers: Record<string, unknown> = {};
    for (const source of ['parquet', 'csv', 'jsonl', 'stash']) {
      const session = await openFlows(join(dir, source), { cache: join(dir, 'cache') });
      try {
        answers[source] = (await session.query(QUESTION)).rows;
        assert.equal(session.columns.has('log_status'), true);
      } finally {
        await session.close();
      }
    }
    const [first] = answers.parquet as Array<Record<string, unknown>>;
    assert.ok(
      (first.nodata as number) > 0 && (first.with_source as number) < (first.flows as number),
      'NODATA rows read - as NULL',
    );
    assert.match(String(first.first), /^2020-02-01T00:0\d:\d\d\.\d{3}Z$/, 'the time column is a timestamp');
    assert.deepEqual(answers.csv, answers.parquet);
    assert.deepEqual(answers.jsonl, answers.parquet);
    assert.deepEqual(answers.stash, answers.parquet);
  });

  it('prints JSON with numbers as numbers, big counters as strings past 2^53 and times in ISO-8601 UTC', () => {
    const r = flowlake(
      'query',
      join(dir, 'parquet'),
      '--cache',
      join(dir, 'no', 'such', 'cache', 'yet'),
      'SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, make_timestamp(1580515200000000) AS at, "end" AS "End Time" FROM flows LIMIT 1',
      '--format',
      'json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout)[0]), ['big', 'small', 'at', 'end_time']);
    const [row] = JSON.parse(r.stdout);
    assert.equal(row.big, '9007199254740993');
    assert.equal(row.small, 42);
    assert.equal(row.at, '2020-02-01T00:00:00.000Z');
  });

  it('prints a table and CSV, and --limit bounds the rows', () => {
    const table = flowlake(
      'query',
      join(dir, 'csv'),
      'SELECT interface_id, count(*) AS n FROM flows GROUP BY 1 ORDER BY 2 DESC',
      '--limit',
      '3',
    );
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^interface_id\s+n\n-+\s+-+\n/);
    assert.match(table.stdout, /\(3 rows\)\n$/);
    const csv = flowlake('query', join(dir, 'csv'), "SELECT 1 AS a, 'x,y' AS b", '--format', 'csv');
    assert.equal(csv.stdout, 'a,b\n1,"x,y"\n');
  });

  it('refuses bad SQL and statements that change anything: exit 2, the engine message, nothing on stdout', () => {
    const bad = flowlake('query', join(dir, 'parquet'), 'SELEC nope');
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /Parser Error/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const column = flowlake('query', join(dir, 'parquet'), 'SELECT no_such_column FROM flows');
    assert.equal(column.code, 2);
    assert.match(column.stderr, /Binder Error/);
    const copy = join(dir, 'copied.csv');
    for (const sql of [
      `COPY (SELECT 1) TO '${copy}'`,
      'CREATE TABLE t AS SELECT 1',
      'DROP VIEW flows',
      "SET memory_limit = '10GB'",
    ]) {
      const r = flowlake('query', join(dir, 'parquet'), sql);
      assert.equal(r.code, 2, sql);
      assert.equal(r.stdout, '');
    }
  });

  it('says what it found when a source has no flow data (exit 1)', () => {
    const empty = join(dir, 'not-flow-logs');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'these are not flow logs\n');
    const r = flowlake('query', empty, 'SELECT 1', '--cache', join(dir, 'cache'), '--quiet');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no flow data: 1 objects found \(1 failed/);
    assert.equal(r.stdout, '');
  });
});

describe('flowlake hunt', () => {
  const dir = tempDir();
  const out = join(dir, 'out');
  before(async () => {
    await writeIncidentStash(join(dir, 'stash'), { seed: 6, noisePerHour: 30 });
    await convert(join(dir, 'stash'), out, { to: ['parquet'], concurrency: 1 });
  });

  it('lists the hunts, one line each with its ranking', () => {
    const r = flowlake('hunt', '--list');
    assert.equal(r.code, 0);
    for (const name of ['mining', 'ip', 'ioc', 'talkers', 'rejected', 'exposed', 'scan', 'egress', 'new', 'coverage']) {
      assert.match(r.stdout, new RegExp(`^${name} +\\S`, 'm'));
    }
  });

  it('names the hunts when asked for an unknown one (exit 2)', () => {
    const r = flowlake('hunt', 'bitcoin', out);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown hunt "bitcoin"/);
    assert.match(r.stderr, /^mining /m);
  });

  it('names the file and line of a malformed address list or interfaces file (exit 2)', () => {
    const list = join(dir, 'pools.txt');
    writeFileSync(list, '# pools\n45.76.33.10\n\nnot-an-address\n');
    const r = flowlake('hunt', 'mining', out, '--ioc', list);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pools\.txt:4: not an IPv4\/IPv6 address or CIDR: "not-an-address"/);
    const enis = join(dir, 'enis.json');
    writeFileSync(enis, '{\n  "NetworkInterfaces": [\n    { "NetworkInterfaceId": "eni-1", }\n  ]\n}\n');
    const e = flowlake('hunt', 'mining', out, '--enis', enis);
    assert.equal(e.code, 2);
    assert.match(e.stderr, /enis\.json:3: not JSON/);
    const wrongHunt = flowlake('hunt', 'scan', out, '--by', 'ip');
    assert.equal(wrongHunt.code, 2);
    assert.match(wrongHunt.stderr, /--by is an option of hunt talkers/);
  });

  it('refuses an address list too large to be one, before reading it (exit 2)', () => {
    const huge = join(dir, 'huge.txt');
    writeFileSync(huge, '');
    truncateSync(huge, 65 * 2 ** 20);
    const r = flowlake('hunt', 'ioc', out, '--list', huge);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /huge\.txt: address list of 68,157,440 bytes \(more than 64 MiB\)/);
  });

  it('--enis adds the instance, its Name tag, subnet and VPC to each finding', () => {
    const enis = join(dir, 'described.json');
    writeFileSync(
      enis,
      JSON.stringify({
        NetworkInterfaces: [
          {
            NetworkInterfaceId: PLANTED.miner.eni,
            Attachment: { InstanceId: PLANTED.miner.instance },
            SubnetId: 'subnet-0123',
            VpcId: 'vpc-0456',
            Description: 'build runner',
            TagSet: [{ Key: 'Name', Value: 'ci-runner-7' }],
            PrivateIpAddresses: [{ PrivateIpAddress: PLANTED.miner.address }],
          },
        ],
      }),
    );
    const r = flowlake('hunt', 'mining', out, '--enis', enis, '--format', 'json', '--limit', '1');
    assert.equal(r.code, 0, r.stderr);
    const [miner] = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(miner).slice(0, 3), ['interface_id', 'srcaddr', 'instance_id']);
    assert.equal(miner.instance_id, PLANTED.miner.instance);
    assert.equal(miner.instance_name, 'ci-runner-7');
    assert.equal(miner.subnet_id, 'subnet-0123');
    assert.equal(miner.vpc_id, 'vpc-0456');
  });

  it('--since and --until bound flows by their start', () => {
    const r = flowlake(
      'hunt',
      'mining',
      out,
      '--since',
      '2020-02-02',
      '--until',
      '2020-02-02T12:00:00Z',
      '--format',
      'json',
    );
    assert.equal(r.code, 0, r.stderr);
    const [miner] = JSON.parse(r.stdout);
    assert.equal(miner.active_hours, 12);
    assert.ok(miner.first_seen >= '2020-02-02T00:00:00.000Z' && miner.last_seen < '2020-02-02T12:00:00.000Z');
  });
});
