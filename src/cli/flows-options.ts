import { type Command, Option } from 'commander';
import type { ObjectResult } from '../convert/types.js';
import { type FlowsOptions, type FlowsSession, openFlows } from '../query/index.js';
import { collectLogGroupFormat } from './options.js';
import { ProgressView } from './progress.js';
import { reportQueryFailure } from './query-errors.js';

/** Options shared by `query`, `hunt` and `report`: where the data is and how to read a stash. */
export interface SourceFlags {
  cache?: string;
  endpointUrl?: string;
  region?: string;
  fields?: string;
  logGroupFormat?: Record<string, string>;
  quiet?: boolean;
}

export function addSourceOptions(command: Command): Command {
  return command
    .option('--cache <dir>', 'where a stash is converted to Parquet (default: the user cache folder)')
    .option('--fields <format>', 'flow-log format of a stash (AWS syntax or v2…v11)')
    .option(
      '--log-group-format <name=format>',
      'format of one CloudWatch log group of a stash (repeatable)',
      collectLogGroupFormat,
    )
    .option('--endpoint-url <url>', 'S3-compatible endpoint (path-style addressing)')
    .option('--region <region>', 'AWS region')
    .option('--quiet', 'no conversion progress on stderr');
}

export function addOutputOptions(command: Command, defaultLimit: number): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .option('--limit <n>', `rows at most (0: all; default ${defaultLimit})`, parseLimit, defaultLimit);
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error('expected a whole number (0 for every row)');
  return n;
}

/** Opens the source of the shared flags, drawing the conversion progress of a stash on stderr. */
async function openSource(src: string, flags: SourceFlags, extra: Partial<FlowsOptions> = {}): Promise<FlowsSession> {
  const view = new ProgressView(process.stderr, Boolean(flags.quiet));
  const session = await openFlows(src, flowsOptions(flags, view, extra));
  view.finish();
  for (const f of session.failures) process.stderr.write(`flowlake: not read: ${f.key}: ${f.error}\n`);
  return session;
}

/**
 * Opens the source, runs `use` over it and closes it. Exit 1 when part of a stash could not be read (its rows
 * are missing); the user's SQL or input errors exit 2.
 */
export async function withSource(
  src: string,
  flags: SourceFlags,
  extra: Partial<FlowsOptions>,
  use: (session: FlowsSession) => Promise<void>,
): Promise<void> {
  await reportQueryFailure(async () => {
    const session = await openSource(src, flags, extra);
    try {
      await use(session);
      if (session.failures.length > 0) process.exitCode = 1;
    } finally {
      await session.close();
    }
  });
}

function flowsOptions(flags: SourceFlags, view: ProgressView, extra: Partial<FlowsOptions>): FlowsOptions {
  return {
    cache: flags.cache,
    endpointUrl: flags.endpointUrl,
    region: flags.region,
    fields: flags.fields,
    logGroupFormats: flags.logGroupFormat,
    onConvertProgress: (p) => view.update(p),
    // Objects already in the cache are not news: only conversions and failures are shown.
    onConvertResult: (r: ObjectResult) => {
      if (r.status !== 'skipped') view.objectDone(r);
    },
    // Said even with --quiet: a question that waits without a word looks hung.
    onCacheBusy: (message) => process.stderr.write(`flowlake: waiting for the stash's cache: ${message}\n`),
    ...extra,
  };
}
