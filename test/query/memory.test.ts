import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openFlows } from '../../src/query/index.js';
import {
  defaultMemoryLimit,
  MEMORY_SHARE,
  machineMemory,
  memoryLimit,
  outOfMemoryMessage,
  parseMemorySize,
} from '../../src/query/memory.js';
import { fixtureFlows } from '../report/fixture-flows.js';
import { writeFixtureOutputs } from '../report/fixture-outputs.js';
import { tempDir } from '../support/temp-dir.js';

const GiB = 1024 ** 3;
const MACHINE = 24 * GiB;
const OOM = 'Out of Memory Error: failed to allocate data of size 8.0 MiB (480.7 MiB/488.2 MiB used)';
/** A result DuckDB cannot spill: one string of 200 MB. */
const HUNGRY = "SELECT length(string_agg(repeat('x', 1000), '')) AS n FROM range(200000)";

function runQuery(src: string, sql: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['bin/flowlake.js', 'query', src, sql, '--cache', join(src, '..', 'cache')], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the engine memory limit', () => {
  it('defaults to half the machine in MiB, at least 256 MiB; FLOWLAKE_DUCKDB_MEMORY and the option override it', () => {
    assert.equal(MEMORY_SHARE, 0.5);
    assert.equal(defaultMemoryLimit(MACHINE), '12288MiB');
    assert.equal(defaultMemoryLimit(GiB / 4), '256MiB');
    assert.deepEqual(memoryLimit(undefined, {}, MACHINE), {
      value: '12288MiB',
      from: 'default',
      machineBytes: MACHINE,
    });
    assert.deepEqual(memoryLimit(undefined, { FLOWLAKE_DUCKDB_MEMORY: ' 2GB ' }, MACHINE), {
      value: '2GB',
      from: 'env',
      machineBytes: MACHINE,
    });
    assert.deepEqual(memoryLimit(undefined, { FLOWLAKE_DUCKDB_MEMORY: '' }, MACHINE).from, 'default');
    assert.deepEqual(memoryLimit('1GB', { FLOWLAKE_DUCKDB_MEMORY: '2GB' }, MACHINE).value, '1GB');
  });

  it("the machine's memory is the cgroup's limit when lower, else all of it", () => {
    const constrained = process.constrainedMemory?.() ?? 0;
    const expected = constrained > 0 && constrained < totalmem() ? constrained : totalmem();
    assert.equal(machineMemory(), expected);
    assert.ok(machineMemory() > 0 && machineMemory() <= totalmem());
  });

  it("reads sizes in DuckDB's syntax: MB = 1000², MiB = 1024²", () => {
    assert.equal(parseMemorySize('512MB'), 512e6);
    assert.equal(parseMemorySize('8 GiB'), 8 * GiB);
    assert.equal(parseMemorySize('1.5gb'), 1.5e9);
    assert.equal(parseMemorySize('12288MiB'), 12 * GiB);
    assert.equal(parseMemorySize('11.7 GiB'), 11.7 * GiB);
    assert.equal(parseMemorySize('4096'), 4096);
    for (const bad of ['', 'lots', '80%', '1 XB', 'GB', '-1GB']) assert.equal(parseMemorySize(bad), undefined, bad);
  });

  it('out of memory: names FLOWLAKE_DUCKDB_MEMORY with its value, or says it is unset and what the default is', () => {
    assert.equal(
      outOfMemoryMessage(OOM, memoryLimit(undefined, { FLOWLAKE_DUCKDB_MEMORY: '512MB' }, MACHINE)),
      `${OOM} — the engine's memory limit is FLOWLAKE_DUCKDB_MEMORY=512MB: set FLOWLAKE_DUCKDB_MEMORY higher, ` +
        'e.g. FLOWLAKE_DUCKDB_MEMORY=976MiB',
    );
    assert.equal(
      outOfMemoryMessage(OOM, memoryLimit(undefined, {}, MACHINE)),
      `${OOM} — the engine's memory limit is 12288MiB, half of this machine's 24.0 GiB (FLOWLAKE_DUCKDB_MEMORY is ` +
        'not set): set FLOWLAKE_DUCKDB_MEMORY higher, e.g. FLOWLAKE_DUCKDB_MEMORY=19660MiB',
    );
    assert.equal(
      outOfMemoryMessage(OOM, memoryLimit(undefined, { FLOWLAKE_DUCKDB_MEMORY: '20GiB' }, MACHINE)),
      `${OOM} — the engine's memory limit is FLOWLAKE_DUCKDB_MEMORY=20GiB: set FLOWLAKE_DUCKDB_MEMORY higher only ` +
        'if this machine can spare more, or ask a smaller question (fewer rows or columns)',
    );
    assert.equal(
      outOfMemoryMessage(OOM, memoryLimit('1GB', {}, MACHINE)),
      `${OOM} — the engine's memory limit is the memoryLimit option (1GB): raise the memoryLimit option, e.g. 1907MiB`,
    );
  });

  it('DuckDB gets the default limit, and an out-of-memory failure names the setting (library and CLI)', async () => {
    const src = writeFixtureOutputs(tempDir(), fixtureFlows());
    const cache = join(tempDir(), 'cache');
    const session = await openFlows(src, { cache });
    try {
      const [row] = (await session.query("SELECT current_setting('memory_limit') AS m")).rows;
      const engine = parseMemorySize(String(row.m));
      assert.ok(engine, String(row.m));
      const expected = parseMemorySize(defaultMemoryLimit(machineMemory()))!;
      assert.ok(Math.abs(engine - expected) / expected < 0.01, `${row.m} for ${defaultMemoryLimit(machineMemory())}`);
    } finally {
      await session.close();
    }

    const small = await openFlows(src, { cache, memoryLimit: '32MB' });
    try {
      await assert.rejects(
        small.query(HUNGRY),
        /^Error: Out of Memory Error: .+ — the engine's memory limit is the memoryLimit option \(32MB\): raise/,
      );
    } finally {
      await small.close();
    }

    const cli = runQuery(src, HUNGRY, { FLOWLAKE_DUCKDB_MEMORY: '32MB' });
    assert.equal(cli.code, 1, cli.stderr);
    assert.equal(cli.stdout, '');
    assert.match(
      cli.stderr,
      /^flowlake: Out of Memory Error: .+ — the engine's memory limit is FLOWLAKE_DUCKDB_MEMORY=32MB: set FLOWLAKE_DUCKDB_MEMORY higher, e\.g\. FLOWLAKE_DUCKDB_MEMORY=61MiB\n$/,
    );
    const enough = runQuery(src, HUNGRY, { FLOWLAKE_DUCKDB_MEMORY: '2GB' });
    assert.equal(enough.code, 0, enough.stderr);
    assert.match(enough.stdout, /200000000/);
  });

  it('a FLOWLAKE_DUCKDB_MEMORY that is not a size is a usage error naming it', () => {
    const src = writeFixtureOutputs(tempDir(), fixtureFlows());
    const r = runQuery(src, 'SELECT 1', { FLOWLAKE_DUCKDB_MEMORY: 'lots' });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^flowlake: FLOWLAKE_DUCKDB_MEMORY=lots is not a memory size \(e\.g\. 8GB or 8GiB\): /);
  });
});
