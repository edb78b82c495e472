import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ATHENA, duckdbMacros } from '../../src/hunt/dialect.js';
import { trinoIpv4Hex, trinoIpv6Hex } from '../../src/hunt/trino-address.js';
import { TRINO_EMULATION, trinoToDuckdb } from '../athena/trino-emulation.js';

/**
 * The Athena (Trino) address tests are plain string SQL. No Trino runs here, so their logic is checked in DuckDB
 * with the few Trino functions DuckDB lacks or spells differently emulated (test/athena/trino-emulation.ts),
 * against the DuckDB side's own macros, which the hunt tests check on real data.
 */
const emulate = trinoToDuckdb;

const ADDRESSES = [
  '10.0.0.1',
  '10.255.255.255',
  '11.0.0.1',
  '9.255.255.255',
  '172.15.255.255',
  '172.16.0.1',
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
  '0.1.2.3',
  '224.0.0.251',
  '239.255.255.255',
  '240.0.0.1',
  '255.255.255.255',
  '8.8.8.8',
  '203.0.113.7',
  '1.2.3',
  '1.2.3.4.5',
  '256.1.1.1',
  '-',
  'fc00::1',
  'fd12:3456:789a::1',
  'fe80::1',
  'febf::1',
  'fec0::1',
  '::1',
  '0:0:0:0:0:0:0:1',
  '::',
  'ff02::1',
  '2001:db8::1',
  '2001:DB8:0:0:8:800:200C:417A',
  '2600:1f18:abcd::42',
  '2001:db8::1::2',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3',
  'zz::1',
  '1:2:3:4:5:6:7::',
];

const CIDRS = [
  '203.0.113.0/24',
  '203.0.113.7',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '100.64.0.0/10',
  '0.0.0.0/0',
  '8.8.8.8/32',
  '192.168.1.0/25',
  '2001:db8::/32',
  '2001:db8::1',
  '2001:db8::/33',
  'fe80::/10',
  '2600:1f18::/29',
  '::/0',
];

describe('Athena address tests (Trino functions emulated in DuckDB) agree with the DuckDB macros', () => {
  let instance: DuckDBInstance;
  let con: DuckDBConnection;
  before(async () => {
    instance = await DuckDBInstance.create(':memory:');
    con = await instance.connect();
    for (const sql of [...duckdbMacros(), ...TRINO_EMULATION]) await con.run(sql);
    const rows = ADDRESSES.map((a) => `('${a}')`).join(', ');
    await con.run(`CREATE TABLE addresses AS SELECT nullif(a, '-') AS a FROM (VALUES ${rows}) AS t(a)`);
    const cidrs = CIDRS.map((c) => `('${c}')`).join(', ');
    await con.run(`CREATE TABLE cidrs AS SELECT * FROM (VALUES ${cidrs}) AS t(c)`);
  });
  after(() => {
    con.closeSync();
    instance.closeSync();
  });

  async function disagreements(athena: string, duckdb: string, from = 'addresses'): Promise<unknown[]> {
    const sql = `SELECT * FROM (SELECT *, coalesce(${emulate(athena)}, false) AS athena, coalesce(${duckdb}, false) AS duckdb FROM ${from}) WHERE athena <> duckdb`;
    return (await con.runAndReadAll(sql)).getRowObjectsJson();
  }

  it('private and public', async () => {
    assert.deepEqual(await disagreements(ATHENA.isPrivate('a'), 'is_private(a)'), []);
    assert.deepEqual(await disagreements(ATHENA.isPublic('a'), 'is_public(a)'), []);
    // Not vacuous: both sides find some of each.
    const counts = (
      await con.runAndReadAll(
        `SELECT count(*) FILTER (WHERE ${emulate(ATHENA.isPrivate('a'))}) AS private, count(*) FILTER (WHERE ${emulate(ATHENA.isPublic('a'))}) AS public FROM addresses`,
      )
    ).getRowObjectsJson()[0];
    assert.ok(Number(counts.private) >= 10 && Number(counts.public) >= 5, JSON.stringify(counts));
  });

  it('CIDR membership: a list column (ioc) and literal targets (ip)', async () => {
    const pairs = 'addresses CROSS JOIN cidrs';
    assert.deepEqual(await disagreements(ATHENA.inCidr('a', 'c'), 'in_cidr(a, c)', pairs), []);
    for (const cidr of CIDRS) {
      assert.deepEqual(await disagreements(ATHENA.inCidr('a', `'${cidr}'`), `in_cidr(a, '${cidr}')`), [], cidr);
    }
    const hits = (
      await con.runAndReadAll(`SELECT count(*) AS n FROM ${pairs} WHERE ${emulate(ATHENA.inCidr('a', 'c'))}`)
    ).getRowObjectsJson()[0];
    assert.ok(Number(hits.n) >= 15, JSON.stringify(hits));
  });

  it('expands addresses to hex digits', async () => {
    const rows = (
      await con.runAndReadAll(
        `SELECT ${emulate(trinoIpv6Hex("'2001:db8::8:800:200c:417a'"))} AS v6, ${emulate(trinoIpv6Hex("'::'"))} AS zero, ${emulate(trinoIpv6Hex("'1::2::3'"))} AS bad, ${emulate(trinoIpv4Hex("'10.1.2.255'"))} AS v4`,
      )
    ).getRowObjectsJson()[0];
    assert.deepEqual(rows, {
      v6: '20010db80000000000080800200c417a',
      zero: '0'.repeat(32),
      bad: null,
      v4: '0a0102ff',
    });
  });
});
