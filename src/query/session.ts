import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { convert, type RunProgress } from '../convert/run.js';
import type { ObjectResult } from '../convert/types.js';
import { findHunt, HUNTS, missingColumns } from '../hunt/catalog.js';
import { DUCKDB, duckdbMacros, sqlString } from '../hunt/dialect.js';
import { rankClause, rankedQuery } from '../hunt/render.js';
import type { HuntContext, HuntDefinition } from '../hunt/types.js';
import { compactLake } from '../lake/compact.js';
import { acquireLock, LakeLockedError } from '../lake/lock.js';
import { isOcsfColumns, OCSF_DUCKDB, ocsfFlowColumns, ocsfTimeWindow } from '../ocsf/flows.js';
import { LocalStorage } from '../storage/local.js';
import { cidrRanges, readAddressList } from './address-list.js';
import { defaultCacheRoot, stashCacheDir } from './cache.js';
import { type EniAddress, readEnis } from './enis.js';
import { NoFlowDataError, QueryInputError } from './errors.js';
import { describeLimit, type MemoryLimit, memoryLimit, outOfMemoryMessage, parseMemorySize } from './memory.js';
import type { QueryResult } from './output.js';
import { fetchRemoteOutputs } from './remote-outputs.js';
import { planSource, type SourcePlan } from './source.js';
import { completedFingerprint, recordCompleted, stashFingerprint } from './stash-fingerprint.js';
import { snakeCase, toJsonValue } from './values.js';
import { rawRelation, timeWindow, typedColumns } from './view.js';

export interface FlowsOptions {
  /** Folder of the Parquet cache of stashes (default under the user's cache directory). */
  readonly cache?: string;
  readonly endpointUrl?: string;
  readonly region?: string;
  /** Formats for reading a stash (as `convert`). */
  readonly fields?: string;
  readonly logGroupFormats?: Readonly<Record<string, string>>;
  /** Only flows whose start is at or after / before these ISO times. */
  readonly since?: string;
  readonly until?: string;
  /** `aws ec2 describe-network-interfaces` JSON: adds instance, name, subnet, VPC, description per interface. */
  readonly enis?: string;
  /** An address/CIDR list (mining pools, indicators). */
  readonly ioc?: string;
  /** Progress of a stash conversion (the CLI draws it on stderr). */
  readonly onConvertProgress?: (progress: RunProgress) => void;
  readonly onConvertResult?: (result: ObjectResult) => void;
  /** DuckDB memory limit (default: FLOWLAKE_DUCKDB_MEMORY, else half the machine's memory; see ./memory.ts). */
  readonly memoryLimit?: string;
  /** Called once when another run holds the stash's cache (its lock's message), before waiting for it. */
  readonly onCacheBusy?: (message: string) => void;
  /** How long to wait for another run's hold on the cache (ms; default CACHE_WAIT_MS). */
  readonly cacheWaitMs?: number;
}

/** Another question filling the same cache converts the whole stash at worst: wait that long for it. */
export const CACHE_WAIT_MS = 30 * 60_000;
const CACHE_POLL_MS = 250;
/** Longer than a question over the cache takes: its files are not deleted under it. */
const CACHE_RETIRE_GRACE_MS = 60 * 60_000;

/**
 * Fills the cache under its `cache` lock (convert and compact, as one step), waiting while another run holds it
 * or the cache's own convert or compact lock: a second question over a stash another one is filling waits for
 * it — then finds the cache complete, or converts what is left — rather than failing or reading it half-made.
 */
async function whileCacheBusy(options: FlowsOptions, dir: string, fill: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + (options.cacheWaitMs ?? CACHE_WAIT_MS);
  const lake = new LocalStorage(dir);
  await mkdir(dir, { recursive: true });
  let told = false;
  for (;;) {
    try {
      const lock = await acquireLock(lake, 'cache', 'flowlake filling the stash cache');
      try {
        return await fill();
      } finally {
        await lock.release();
      }
    } catch (err) {
      if (!(err instanceof LakeLockedError) || Date.now() >= deadline) throw err;
      if (!told) options.onCacheBusy?.(err.message);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, CACHE_POLL_MS));
    }
  }
}

export type HuntOptions = Readonly<Record<string, string | number | readonly string[] | undefined>>;

export interface FlowsSession {
  /** Columns of the `flows` view. */
  readonly columns: ReadonlySet<string>;
  /** What the source was, in words. */
  readonly description: string;
  /** Objects of a stash that could not be converted (their rows are missing from `flows`). */
  readonly failures: ReadonlyArray<{ readonly key: string; readonly error: string }>;
  /** Runs one read-only statement over `flows`; `limit` > 0 keeps the first rows only (streamed, in order). */
  query(sql: string, limit?: number): Promise<QueryResult>;
  /** Runs a hunt from the catalog; `limit` 0 or undefined: every row. */
  hunt(name: string, options?: HuntOptions, limit?: number): Promise<QueryResult>;
  /** The hunt context of this session (for a hunt's `activity` predicates). */
  context(options?: HuntOptions): HuntContext;
  close(): Promise<void>;
}

/** Opens a source of flow data for SQL: flowlake outputs as they are, a stash through a Parquet cache. */
export async function openFlows(src: string, options: FlowsOptions = {}): Promise<FlowsSession> {
  const since = epochSeconds(options.since, '--since');
  const until = epochSeconds(options.until, '--until');
  const enis = options.enis ? await readEnis(options.enis) : undefined;
  const ioc = options.ioc ? await readAddressList(options.ioc) : undefined;
  const cacheRoot = options.cache ?? defaultCacheRoot();
  let plan = await planSource(src);
  const failures: Array<{ key: string; error: string }> = [];
  let description: string;
  const remote =
    plan.kind === 'stash' && /^s3:\/\//i.test(plan.url)
      ? await fetchRemoteOutputs(plan.url, { ...options, cacheRoot, since, until })
      : undefined;
  if (remote) {
    if (remote.files.length === 0) throw new NoFlowDataError(`${src}: no flow data in the window asked for`);
    plan = { kind: 'outputs', fileKind: remote.fileKind, files: remote.files, other: 0 };
    description = `${remote.files.length} ${remote.fileKind} file${remote.files.length === 1 ? '' : 's'} under ${src} (${remote.fetched} fetched now, ${remote.pruned} outside the window)`;
  } else if (plan.kind === 'stash') {
    const dir = stashCacheDir(cacheRoot, { ...options, url: plan.url });
    const shape = { fields: options.fields, logGroupFormats: options.logGroupFormats, region: options.region };
    const url = plan.url;
    const listed = await stashFingerprint(url, { ...options, shape });
    let objects = listed.objects;
    // Another question over the same stash may be filling the cache: wait for it, then use what it made.
    await whileCacheBusy(options, dir, async () => {
      if ((await completedFingerprint(dir))?.digest === listed.digest) return;
      objects = 0;
      failures.length = 0;
      const run = await convert(url, dir, {
        to: ['parquet'],
        layout: 'hive',
        fields: options.fields,
        logGroupFormats: options.logGroupFormats,
        endpointUrl: options.endpointUrl,
        region: options.region,
        onProgress: options.onConvertProgress,
        onResult: (r) => {
          objects++;
          if (r.status === 'failed') failures.push({ key: r.key, error: r.error ?? 'failed' });
          options.onConvertResult?.(r);
        },
      });
      // The cache is a lake (DESIGN §10): what this run added is merged into one sorted file per day, so every
      // later question reads few big files, not one small file per object and hour.
      // Replaced files stay a while: another question that planned over them before this one compacted still
      // finds them (its state says they are retired, so nobody counts them twice); a later compaction deletes them.
      if (run.objects.converted > 0)
        await compactLake(new LocalStorage(dir), {
          threads: { url: dir, count: availableParallelism() },
          retireGraceMs: CACHE_RETIRE_GRACE_MS,
        });
      // Complete when nothing failed. Convert listed after `listed` was taken, so the cache holds every object
      // of that listing in its version then or a later one; a later listing that differs converts again.
      if (failures.length === 0) await recordCompleted(dir, listed);
    });
    const converted = await planSource(dir).catch(() => undefined);
    if (converted?.kind !== 'outputs') {
      const why = failures.length ? ` (${failures.length} failed, e.g. ${failures[0].key}: ${failures[0].error})` : '';
      throw new NoFlowDataError(`${src}: no flow data: ${objects} objects found${why}`);
    }
    plan = converted;
    description = `stash ${src} (${objects} objects, cached as Parquet)`;
  } else {
    if (plan.files.length === 0) throw new NoFlowDataError(`${src}: no flow data found`);
    description = `${plan.files.length} ${plan.fileKind} file${plan.files.length === 1 ? '' : 's'} under ${src}`;
  }
  const engine = await startEngine(cacheRoot, memoryLimit(options.memoryLimit));
  try {
    const columns = await createFlowsView(engine.connection, plan, since, until);
    if (enis) await loadEnis(engine.connection, enis);
    if (ioc) await loadAddressList(engine.connection, ioc);
    // From here on the user's SQL cannot change settings (memory limit, spill folder).
    await engine.connection.run('SET lock_configuration = true');
    return new DuckDBFlowsSession(engine, columns, description, failures, Boolean(enis), Boolean(ioc));
  } catch (err) {
    engine.connection.closeSync();
    throw err;
  }
}

interface Engine {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly memoryLimit: MemoryLimit;
}

/** DuckDB is loaded here only: `convert`, the CLI's start and the Lambda bundle never pay for it. */
async function startEngine(cacheRoot: string, memoryLimit: MemoryLimit): Promise<Engine> {
  // DuckDB creates its spill folder but not the folders above it.
  await mkdir(cacheRoot, { recursive: true });
  const { DuckDBInstance } = await import('@duckdb/node-api');
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', {
      memory_limit: memoryLimit.value,
      temp_directory: `${cacheRoot}/duckdb-spill`,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
    });
  } catch (err) {
    // DuckDB says only "Failed to set config": name the setting when it is the size that it could not read.
    if (parseMemorySize(memoryLimit.value) !== undefined) throw err;
    throw new QueryInputError(
      `${describeLimit(memoryLimit)} is not a memory size (e.g. 8GB or 8GiB): ${firstLine(err)}`,
    );
  }
  const connection = await instance.connect();
  for (const macro of duckdbMacros()) await connection.run(macro);
  return { instance, connection, memoryLimit };
}

async function createFlowsView(
  connection: DuckDBConnection,
  plan: SourcePlan,
  since: number | undefined,
  until: number | undefined,
): Promise<Set<string>> {
  if (plan.kind !== 'outputs') throw new Error('internal: flows view over a stash');
  const raw = rawRelation(plan.fileKind, plan.files);
  let rawColumns: string[];
  try {
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${raw}`);
    rawColumns = described.getRowObjectsJS().map((r) => String(r.column_name));
  } catch (err) {
    throw new NoFlowDataError(`cannot read the ${plan.fileKind} files: ${firstLine(err)}`);
  }
  let select: string[];
  let window: string;
  if (plan.fileKind === 'parquet' && isOcsfColumns(rawColumns)) {
    // OCSF Network Activity (flowlake's --to ocsf, or Security Lake's own VPC flow files): mapped back to flows.
    const keys = rawColumns.includes('unmapped')
      ? (await connection.runAndReadAll(`SELECT DISTINCT unnest(map_keys(unmapped)) AS k FROM ${raw}`))
          .getRowObjectsJS()
          .map((r) => String(r.k))
      : [];
    select = ocsfFlowColumns(OCSF_DUCKDB, keys);
    window = ocsfTimeWindow(since, until);
  } else {
    select = typedColumns(plan.fileKind, rawColumns);
    window = timeWindow(since, until);
  }
  await connection.run(`CREATE TEMP VIEW flows AS SELECT ${select.join(', ')} FROM ${raw} WHERE ${window}`);
  const described = await connection.runAndReadAll('DESCRIBE flows');
  return new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
}

async function loadAddressList(connection: DuckDBConnection, cidrs: readonly string[]): Promise<void> {
  await connection.run('CREATE TEMP TABLE ioc (indicator VARCHAR, low UHUGEINT, high UHUGEINT)');
  const rows = cidrs.flatMap((c) =>
    cidrRanges(c).map(([low, high]) => `(${sqlString(c)}, '${low}'::UHUGEINT, '${high}'::UHUGEINT)`),
  );
  await insertRows(connection, 'ioc', rows);
}

async function loadEnis(connection: DuckDBConnection, enis: readonly EniAddress[]): Promise<void> {
  const value = (v: string | null) => (v === null ? 'NULL' : sqlString(v));
  await connection.run(
    'CREATE TEMP TABLE enis (interface_id VARCHAR, address VARCHAR, instance_id VARCHAR, name VARCHAR, subnet_id VARCHAR, vpc_id VARCHAR, description VARCHAR)',
  );
  const rows = enis.map(
    (r) =>
      `(${[r.interface_id, r.address, r.instance_id, r.name, r.subnet_id, r.vpc_id, r.description].map(value).join(', ')})`,
  );
  await insertRows(connection, 'enis', rows);
}

/** Inserts VALUES tuples a thousand at a time (one statement per batch keeps each SQL text small). */
async function insertRows(connection: DuckDBConnection, table: string, rows: readonly string[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    await connection.run(`INSERT INTO ${table} VALUES ${rows.slice(i, i + 1000).join(', ')}`);
  }
}

class DuckDBFlowsSession implements FlowsSession {
  constructor(
    private readonly engine: Engine,
    readonly columns: ReadonlySet<string>,
    readonly description: string,
    readonly failures: ReadonlyArray<{ key: string; error: string }>,
    private readonly hasEnis: boolean,
    private readonly hasIoc: boolean,
  ) {}

  async query(sql: string, limit?: number): Promise<QueryResult> {
    const { connection } = this.engine;
    let prepared: Awaited<ReturnType<DuckDBConnection['prepare']>>;
    try {
      const statements = await connection.extractStatements(sql);
      if (statements.count !== 1)
        throw new QueryInputError(`give exactly one SQL statement (found ${statements.count})`);
      prepared = await statements.prepare(0);
    } catch (err) {
      if (err instanceof QueryInputError) throw err;
      throw new QueryInputError(firstLine(err));
    }
    const { StatementType } = await import('@duckdb/node-api');
    if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN) {
      throw new QueryInputError('only read-only statements run here (SELECT, WITH … SELECT, DESCRIBE, SHOW, EXPLAIN)');
    }
    try {
      return toResult(limit ? await prepared.streamAndReadUntil(limit) : await prepared.runAndReadAll(), limit);
    } catch (err) {
      throw classify(err, this.engine.memoryLimit);
    }
  }

  context(options: HuntOptions = {}): HuntContext {
    return {
      d: DUCKDB,
      from: 'flows',
      window: 'TRUE',
      has: (c) => this.columns.has(c),
      options,
      ioc: this.hasIoc ? 'ioc' : undefined,
    };
  }

  async hunt(name: string, options: HuntOptions = {}, limit?: number): Promise<QueryResult> {
    const hunt = findHunt(name);
    if (!hunt) throw new QueryInputError(`unknown hunt "${name}": one of ${HUNTS.map((h) => h.name).join(', ')}`);
    const missing = missingColumns(hunt, (c) => this.columns.has(c));
    if (missing.length) throw new QueryInputError(`hunt ${name} needs ${missing.join(', ')}, which this data lacks`);
    if (hunt.needsIoc && !this.hasIoc) throw new QueryInputError(`hunt ${name} needs an address list (--list FILE)`);
    const sql = await this.rankedSql(hunt, this.context(options), limit);
    try {
      return toResult(await this.engine.connection.runAndReadAll(sql));
    } catch (err) {
      throw classify(err, this.engine.memoryLimit);
    }
  }

  /** The hunt ranked and limited; with --enis, each finding gets its interface's instance, name, subnet, VPC. */
  private async rankedSql(hunt: HuntDefinition, ctx: HuntContext, limit?: number): Promise<string> {
    const built = hunt.build(ctx);
    if (!this.hasEnis) return rankedQuery(built, limit);
    const { sql, orderBy } = built;
    const described = await this.engine.connection.runAndReadAll(`DESCRIBE SELECT * FROM (${sql}) AS hunt`);
    const outputs = new Set(described.getRowObjectsJS().map((r) => String(r.column_name)));
    const key = outputs.has('interface_id') ? 'interface_id' : outputs.has('srcaddr') ? 'srcaddr' : undefined;
    if (!key) return rankedQuery(built, limit);
    const on = key === 'interface_id' ? 'e.interface_id = hunt.interface_id' : 'e.address = hunt.srcaddr';
    const enis = key === 'interface_id' ? '(SELECT DISTINCT ON (interface_id) * FROM enis)' : 'enis';
    const replace = outputs.has('instance_id')
      ? ' REPLACE (coalesce(hunt.instance_id, e.instance_id) AS instance_id)'
      : '';
    const extra = outputs.has('instance_id') ? '' : 'e.instance_id AS instance_id, ';
    return `SELECT hunt.*${replace}, ${extra}e.name AS instance_name, e.subnet_id, e.vpc_id, e.description AS interface_description
FROM (\n${sql}\n) AS hunt
LEFT JOIN ${enis} AS e ON ${on}
${rankClause(orderBy, limit)}`;
  }

  async close(): Promise<void> {
    this.engine.connection.closeSync();
  }
}

type Reader = Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>;

function toResult(reader: Reader, limit?: number): QueryResult {
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const keys: string[] = [];
  for (const name of names) {
    const base = snakeCase(name);
    let key = base;
    for (let n = 2; keys.includes(key); n++) key = `${base}_${n}`;
    keys.push(key);
  }
  const all = reader.getRowsJS();
  const rows = (limit ? all.slice(0, limit) : all).map((row) => {
    const out: Record<string, ReturnType<typeof toJsonValue>> = {};
    for (let i = 0; i < keys.length; i++) out[keys[i]] = toJsonValue(row[i]);
    return out;
  });
  return { columns: keys.map((name, i) => ({ name, type: types[i] })), rows };
}

/**
 * Mistakes in the SQL are the user's (exit 2); failures reading the data are not (exit 1). Running out of
 * memory says which setting to raise and what it is now.
 */
function classify(err: unknown, limit: MemoryLimit): Error {
  const message = firstLine(err);
  if (/^(Parser|Binder|Catalog|Syntax|Not implemented) Error/i.test(message)) {
    return new QueryInputError(message);
  }
  if (/^Out of Memory Error/i.test(message)) return new Error(outOfMemoryMessage(message, limit));
  return new Error(message);
}

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n').filter((l) => l.trim() !== '')[0] ?? message;
}

function epochSeconds(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value); // a date alone (2020-02-01) is read as UTC midnight
  if (Number.isNaN(ms)) throw new QueryInputError(`${flag} "${value}" is not a date or ISO time`);
  return Math.floor(ms / 1000);
}
