import { totalmem } from 'node:os';

/** The variable that sets the engine's memory limit, in DuckDB's syntax (`8GB`, `8GiB`, `512MB`). */
export const MEMORY_ENV = 'FLOWLAKE_DUCKDB_MEMORY';

/**
 * The share of the machine's memory the engine may take when FLOWLAKE_DUCKDB_MEMORY is not set: half. DuckDB's
 * own default (80%) counts on having the machine to itself; here the rest must hold what the engine's limit
 * does not count — the Node process and the rows of a result on their way out, the report's pages, the OS page
 * cache that every Parquet read goes through — and leave the machine usable for whatever else runs on it.
 * Past the limit DuckDB spills what it can to the cache folder.
 */
export const MEMORY_SHARE = 0.5;

const MiB = 1024 * 1024;

export interface MemoryLimit {
  /** The value given to DuckDB. */
  readonly value: string;
  /** Where it came from: the `memoryLimit` option, the variable, or the share of the machine. */
  readonly from: 'option' | 'env' | 'default';
  /** The memory this machine (or its cgroup) gives the process, in bytes. */
  readonly machineBytes: number;
}

/** The memory the process can have: the machine's, or its cgroup limit when lower. */
export function machineMemory(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  return constrained > 0 && constrained < total ? constrained : total;
}

/** `MEMORY_SHARE` of the machine in whole MiB (DuckDB's syntax), at least 256 MiB. */
export function defaultMemoryLimit(machineBytes: number): string {
  return `${Math.max(256, Math.floor((machineBytes * MEMORY_SHARE) / MiB))}MiB`;
}

/** The engine's limit: the library option, else FLOWLAKE_DUCKDB_MEMORY, else half the machine. */
export function memoryLimit(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  machineBytes = machineMemory(),
): MemoryLimit {
  if (option) return { value: option, from: 'option', machineBytes };
  const set = env[MEMORY_ENV]?.trim();
  if (set) return { value: set, from: 'env', machineBytes };
  return { value: defaultMemoryLimit(machineBytes), from: 'default', machineBytes };
}

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** Bytes of a size in DuckDB's syntax (`512MB`, `8 GiB`, `1.5GB`: MB = 1000², MiB = 1024²), else undefined. */
export function parseMemorySize(value: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
  return m && unit !== undefined ? Number(m[1]) * unit : undefined;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** What the setting is, in words, for a message: `FLOWLAKE_DUCKDB_MEMORY=512MB`, or its default. */
export function describeLimit(limit: MemoryLimit): string {
  switch (limit.from) {
    case 'option':
      return `the memoryLimit option (${limit.value})`;
    case 'env':
      return `${MEMORY_ENV}=${limit.value}`;
    case 'default':
      return `${limit.value}, half of this machine's ${gib(limit.machineBytes)} (${MEMORY_ENV} is not set)`;
  }
}

/**
 * DuckDB ran out of memory: its message, then the limit in force and what to raise. The example doubles the
 * limit, up to 80% of the machine (DuckDB's own default); a limit there already is not worth raising.
 */
export function outOfMemoryMessage(engineMessage: string, limit: MemoryLimit): string {
  const raise = limit.from === 'option' ? 'raise the memoryLimit option' : `set ${MEMORY_ENV} higher`;
  const ceiling = limit.machineBytes * 0.8;
  const current = parseMemorySize(limit.value);
  let advice: string;
  if (current !== undefined && current * 1.25 >= ceiling) {
    advice = `${raise} only if this machine can spare more, or ask a smaller question (fewer rows or columns)`;
  } else {
    const example = `${Math.floor(Math.min(2 * (current ?? ceiling), ceiling) / MiB)}MiB`;
    advice = `${raise}, e.g. ${limit.from === 'option' ? example : `${MEMORY_ENV}=${example}`}`;
  }
  return `${engineMessage} — the engine's memory limit is ${describeLimit(limit)}: ${advice}`;
}
