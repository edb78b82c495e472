import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { literalCidrTest } from '../../src/hunt/cidr-sql.js';
import { duckdbMacros } from '../../src/hunt/dialect.js';
import { cidrRanges } from '../../src/query/address-list.js';

const ADDRESSES = [
  '10.0.0.1',
  '10.255.255.255',
  '9.255.255.255',
  '11.0.0.0',
  '172.15.255.255',
  '172.16.0.0',
  '172.31.255.255',
  '172.32.0.0',
  '192.168.1.1',
  '192.169.0.1',
  '100.63.255.255',
  '100.64.0.1',
  '100.127.255.255',
  '100.128.0.0',
  '169.254.169.254',
  '127.0.0.1',
  '0.0.0.0',
  '224.0.0.1',
  '239.255.255.250',
  '240.0.0.1',
  '255.255.255.255',
  '8.8.8.8',
  '10.x.y',
  '10.1.2',
  'fd00:1:2:3:4:5:6:7:8',
  '52.95.1.20',
  '203.0.113.66',
  '256.1.1.1',
  '1.2.3',
  '1.2.3.4.5',
  'a.b.c.d',
  '-',
  '',
  'fd00::1',
  'FD12:3456::1',
  'fc00::',
  'fe80::1',
  'febf:ffff::1',
  'fec0::1',
  '::1',
  '::',
  '::2',
  'ff02::1',
  '2001:db8::1',
  '2600:1f18:aaaa:bbbb::1',
  '2a05:d018:1:2:3:4:5:6',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  'g::1',
];
const CIDRS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
  '0.0.0.0/8',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '0.0.0.0/0',
  '52.95.1.20/32',
  '52.95.1.20',
  '203.0.113.64/27',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
  '::/128',
  'ff00::/8',
  '2600:1f18:aaaa:bbbb::/64',
  '2001:db8::/32',
  '::/0',
];

/** The fast text tests of literal CIDRs answer exactly as the general `in_cidr` macro, on every address. */
describe('address tests in DuckDB SQL', () => {
  let db: DuckDBInstance;
  let connection: DuckDBConnection;
  before(async () => {
    db = await DuckDBInstance.create(':memory:');
    connection = await db.connect();
    for (const macro of duckdbMacros()) await connection.run(macro);
    const values = ADDRESSES.map((a) => `('${a}')`).join(', ');
    await connection.run(`CREATE TABLE addresses AS SELECT * FROM (VALUES ${values}) AS t(a)`);
  });
  after(() => connection?.closeSync());

  it('agree with in_cidr for every literal CIDR shape handled', async () => {
    let compared = 0;
    for (const cidr of CIDRS) {
      const fast = literalCidrTest('a', cidr);
      if (!fast) continue;
      const rows = (
        await connection.runAndReadAll(
          `SELECT a, coalesce(${fast}, false) AS fast, in_cidr(a, '${cidr}') AS general FROM addresses`,
        )
      ).getRowObjectsJS();
      for (const r of rows) assert.equal(r.fast, r.general, `${r.a} in ${cidr}`);
      compared++;
    }
    assert.ok(compared >= 18, `compared ${compared} CIDRs`);
  });

  it('match address lists by numeric range exactly as in_cidr', async () => {
    for (const cidr of CIDRS) {
      const full = cidr.includes('/') ? cidr : `${cidr}/32`;
      const ranges = cidrRanges(full)
        .map(([low, high]) => `flowlake_ip_num(a) BETWEEN '${low}'::UHUGEINT AND '${high}'::UHUGEINT`)
        .join(' OR ');
      const rows = (
        await connection.runAndReadAll(
          `SELECT a, coalesce(${ranges}, false) AS ranged, in_cidr(a, '${full}') AS general FROM addresses`,
        )
      ).getRowObjectsJS();
      for (const r of rows) assert.equal(r.ranged, r.general, `${r.a} in ${full}`);
    }
  });

  it('classify private, public and neither', async () => {
    const rows = (
      await connection.runAndReadAll('SELECT a, is_private(a) AS p, is_public(a) AS u FROM addresses')
    ).getRowObjectsJS();
    const by = Object.fromEntries(rows.map((r) => [r.a as string, [r.p, r.u]]));
    for (const a of [
      '10.0.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '127.0.0.1',
      'fd00::1',
      'FD12:3456::1',
      'fe80::1',
      '::1',
    ]) {
      assert.deepEqual(by[a], [true, false], a);
    }
    for (const a of [
      '8.8.8.8',
      '52.95.1.20',
      '203.0.113.66',
      '172.32.0.0',
      '100.128.0.0',
      '2001:db8::1',
      '2600:1f18:aaaa:bbbb::1',
      '::2',
      'fec0::1',
    ]) {
      assert.deepEqual(by[a], [false, true], a);
    }
    for (const a of [
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::',
      'ff02::1',
      '256.1.1.1',
      '1.2.3',
      '1.2.3.4.5',
      'a.b.c.d',
      '-',
      '',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      'g::1',
    ]) {
      assert.deepEqual(by[a], [false, false], a);
    }
  });

  it('match CIDRs of IPv4 and IPv6 at any prefix length', async () => {
    const check = async (a: string, cidr: string) =>
      (await connection.runAndReadAll(`SELECT in_cidr('${a}', '${cidr}') AS x`)).getRowObjectsJS()[0].x;
    assert.equal(await check('2600:1f18:aaaa:bbbb::3', '2600:1f18:aaaa:bbbb::2/127'), true);
    assert.equal(await check('2600:1f18:aaaa:bbbb::4', '2600:1f18:aaaa:bbbb::2/127'), false);
    assert.equal(await check('2600:1f18:aaaa:bbbc::1', '2600:1f18:aaaa:bbbb::/64'), false);
    assert.equal(await check('203.0.113.95', '203.0.113.64/27'), true);
    assert.equal(await check('203.0.113.96', '203.0.113.64/27'), false);
    assert.equal(await check('10.1.2.3', '2001:db8::/32'), false);
    assert.equal(await check('2001:db8::1', '0.0.0.0/0'), false);
  });
});
