import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Measurement {
  readonly wall: number;
  readonly cpu: number;
  /** Peak resident memory of the largest single process, in MiB (NaN when /usr/bin/time is missing). */
  readonly peakMiB: number;
}

const GNU_TIME = '/usr/bin/time';

/**
 * Runs a command to completion and measures it from outside, with GNU time when the machine has it.
 * `expectStatus`: the exit code the run must end with (1 for a run whose objects are meant to fail).
 */
export function measure(command: readonly string[], expectStatus = 0): Measurement {
  if (existsSync(GNU_TIME)) {
    const r = spawnSync(GNU_TIME, ['-f', '__measure__ %e %U %S %M', ...command], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    if (r.status !== expectStatus)
      throw new Error(`${command.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
    const line = r.stderr.split('\n').find((l) => l.startsWith('__measure__'));
    if (!line) throw new Error(`no timing for ${command.join(' ')}`);
    const [, wall, user, sys, kb] = line.split(' ').map(Number);
    return { wall, cpu: user + sys, peakMiB: kb / 1024 };
  }
  const started = process.hrtime.bigint();
  const r = spawnSync(command[0], command.slice(1), { stdio: 'ignore' });
  if (r.status !== expectStatus) throw new Error(`${command.join(' ')} failed (${r.status})`);
  return { wall: Number(process.hrtime.bigint() - started) / 1e9, cpu: Number.NaN, peakMiB: Number.NaN };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs the commands in turn, round after round (A B C A B C…), so drifting machine speed hits all alike. */
export function sideBySide(
  commands: Record<string, readonly string[]>,
  rounds: number,
  before?: (name: string) => void,
) {
  const runs: Record<string, Measurement[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, command] of Object.entries(commands)) {
      before?.(name);
      const m = measure(command);
      runs[name].push(m);
      process.stderr.write(
        `  round ${round + 1} ${name}: ${m.wall.toFixed(2)} s wall, ${m.cpu.toFixed(2)} s cpu, ${m.peakMiB.toFixed(0)} MiB\n`,
      );
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, ms]) => [
      name,
      {
        wall: median(ms.map((m) => m.wall)),
        cpu: median(ms.map((m) => m.cpu)),
        peakMiB: Math.max(...ms.map((m) => m.peakMiB)),
      } satisfies Measurement,
    ]),
  ) as Record<string, Measurement>;
}
