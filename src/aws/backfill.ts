import { randomBytes } from 'node:crypto';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';

/** Item counts of the run's Distributed Map (one item = one source object). */
export interface MapProgress {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pending: number;
  readonly running: number;
}

export interface BackfillOptions {
  readonly stateMachineArn: string;
  /** Key prefix in the source bucket to list; it must lie under the stack's source prefix. */
  readonly prefix: string;
  readonly follow?: boolean;
  /** Execution name; also names the run report `_flowlake/runs/<name>.json`. */
  readonly name?: string;
  readonly client?: SFNClient;
  /** Where progress and the outcome go (stderr by default). */
  readonly out?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly pollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** Exit code of `flowlake backfill --follow`: 0 only when the whole run succeeded. */
export function exitCodeForStatus(status: string | undefined): number {
  return status === 'SUCCEEDED' ? 0 : 1;
}

/** A readable, unique execution name: the run report is named after it. */
export function defaultExecutionName(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `backfill-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The region of a state machine ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`); undefined if not one. */
export function stateMachineRegion(arn: string): string | undefined {
  return /^arn:[\w-]+:states:([a-z0-9-]+):\d{12}:stateMachine:[\w-]+$/.exec(arn)?.[1];
}

/** Starts a backfill run; with `follow`, waits for its end and returns the exit code. */
export async function runBackfill(options: BackfillOptions): Promise<number> {
  // The state machine's own region, whatever the default region of the profile is.
  const client = options.client ?? new SFNClient({ region: stateMachineRegion(options.stateMachineArn) });
  const out = options.out ?? process.stderr;
  const name = options.name ?? defaultExecutionName();
  const started = await client.send(
    new StartExecutionCommand({
      stateMachineArn: options.stateMachineArn,
      name,
      input: JSON.stringify({ prefix: options.prefix }),
    }),
  );
  const executionArn = started.executionArn!;
  out.write(`started ${executionArn}\n`);
  if (!options.follow) return 0;

  const progress = createProgressPrinter(out);
  const final = await followExecution(client, executionArn, {
    intervalMs: options.pollIntervalMs ?? 5000,
    sleep: options.sleep,
    onProgress: progress.update,
  });
  progress.done();
  out.write(`${describeOutcome(final)}\n`);
  return exitCodeForStatus(final.status);
}

export interface FollowOptions {
  readonly intervalMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** `compaction`: the lake's compaction map (day chunks), once the conversion map has finished and it runs. */
  readonly onProgress?: (status: string, progress: MapProgress | undefined, compaction?: MapProgress) => void;
}

/** Polls DescribeExecution and the map run's item counts until the execution ends. */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  options: FollowOptions,
): Promise<DescribeExecutionCommandOutput> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const listRuns = async () => (await client.send(new ListMapRunsCommand({ executionArn }))).mapRuns;
  let mapRunArn: string | undefined;
  let compactRunArn: string | undefined;
  for (;;) {
    const execution = await client.send(new DescribeExecutionCommand({ executionArn }));
    // The map run appears once the execution reaches the Distributed Map state. The lake's stack has a second
    // one after it (the compaction map, label `compact`), looked for once the conversion map has finished.
    mapRunArn ??= conversionMapRun(await listRuns());
    const progress = mapRunArn ? await readMapProgress(client, mapRunArn) : undefined;
    if (progress && !compactRunArn && progress.pending === 0 && progress.running === 0) {
      compactRunArn = compactionMapRun(await listRuns());
    }
    const compaction = compactRunArn ? await readMapProgress(client, compactRunArn) : undefined;
    options.onProgress?.(execution.status ?? 'UNKNOWN', progress, compaction);
    if (TERMINAL.has(execution.status ?? '')) return execution;
    await sleep(options.intervalMs);
  }
}

/** The conversion map's run among an execution's map runs (`…:mapRun:<machine>/<label>:<id>`). */
export function conversionMapRun(runs: readonly { mapRunArn?: string }[] | undefined): string | undefined {
  const arns = (runs ?? []).flatMap((r) => (r.mapRunArn ? [r.mapRunArn] : []));
  return arns.find((arn) => /:mapRun:[^/]+\/flowlake:/.test(arn)) ?? arns.find((arn) => !/\/compact:/.test(arn));
}

/** The lake's compaction map's run (label `compact`), if the execution has reached it. */
export function compactionMapRun(runs: readonly { mapRunArn?: string }[] | undefined): string | undefined {
  return (runs ?? []).map((r) => r.mapRunArn).find((arn) => arn !== undefined && /:mapRun:[^/]+\/compact:/.test(arn));
}

export async function readMapProgress(client: SFNClient, mapRunArn: string): Promise<MapProgress> {
  const run = await client.send(new DescribeMapRunCommand({ mapRunArn }));
  const c = run.itemCounts ?? ({} as Record<string, number | undefined>);
  return {
    total: c.total ?? 0,
    succeeded: c.succeeded ?? 0,
    // Timed-out and aborted items did not convert either.
    failed: (c.failed ?? 0) + (c.timedOut ?? 0) + (c.aborted ?? 0),
    pending: c.pending ?? 0,
    running: c.running ?? 0,
  };
}

export function formatProgress(status: string, p: MapProgress | undefined, compaction?: MapProgress): string {
  if (!p) return `${status.toLowerCase()}: listing objects…`;
  const done = p.succeeded + p.failed;
  const objects = `${status.toLowerCase()}: ${done}/${p.total} objects (succeeded ${p.succeeded}, failed ${p.failed}, running ${p.running}, pending ${p.pending})`;
  if (!compaction) return objects;
  const c = compaction;
  return `${objects}; compacting: ${c.succeeded + c.failed}/${c.total} day chunks (failed ${c.failed})`;
}

/** A redrawn bar on a terminal; otherwise one line each time the counts change. */
function createProgressPrinter(out: NodeJS.WritableStream & { isTTY?: boolean }) {
  let last = '';
  let drewBar = false;
  return {
    update(status: string, progress: MapProgress | undefined, compaction?: MapProgress) {
      const line = formatProgress(status, progress, compaction);
      if (out.isTTY) {
        const ratio = progress && progress.total > 0 ? (progress.succeeded + progress.failed) / progress.total : 0;
        const width = 24;
        const filled = Math.round(ratio * width);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}\u001b[K`);
        drewBar = true;
      } else if (line !== last) {
        out.write(`${line}\n`);
      }
      last = line;
    },
    done() {
      if (drewBar) out.write('\n');
    },
  };
}

function describeOutcome(execution: DescribeExecutionCommandOutput): string {
  const status = execution.status ?? 'UNKNOWN';
  if (status === 'SUCCEEDED') {
    const output = safeJson(execution.output);
    const message = output && typeof output.message === 'string' ? output.message : '';
    return `SUCCEEDED${message ? `: ${message}` : ''}`;
  }
  const reason = [execution.error, execution.cause].filter(Boolean).join(': ');
  return `${status}${reason ? `: ${reason}` : ''}`;
}

function safeJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
