import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { convert, IN_FLIGHT_PER_WORKER } from '../convert/run.js';
import { RunStoppedError } from '../convert/run-stop.js';
import type { LayoutName } from '../convert/types.js';
import { type CompressionName, defaultCompression } from '../encode/parquet/codecs.js';
import type { OutputKind } from '../encode/types.js';
import { resolveFormat } from '../formats/format.js';
import { checkOcsfOptions } from '../ocsf/options.js';
import { firehoseTimePrefixes } from '../storage/time-prefixes.js';
import { collectLogGroupFormat, parseCompressionOption, parseOutputKinds, parsePositiveInt } from './options.js';
import { ProgressView } from './progress.js';
import { summaryLines } from './summary.js';
import { UsageError } from './usage-error.js';

interface ConvertFlags {
  to: OutputKind[];
  layout?: LayoutName;
  flowRegion?: string;
  sourceVersion?: string;
  fields?: string;
  logGroupFormat?: Record<string, string>;
  concurrency?: number;
  inFlight?: number;
  force?: boolean;
  endpointUrl?: string;
  region?: string;
  report?: string;
  quiet?: boolean;
  since?: string;
  until?: string;
  compression?: CompressionName;
}

export function registerConvertCommand(program: Command): void {
  program
    .command('convert')
    .description('convert flow logs under SRC (a file, a folder or s3://bucket/prefix) into DST')
    .argument('<src>', 'a file, a folder or s3://bucket/prefix')
    .argument('<dst>', 'a folder or s3://bucket/prefix')
    .option(
      '--to <kinds>',
      'output formats: csv, parquet, jsonl (comma-separated), or ocsf (Security Lake, alone)',
      parseOutputKinds,
      ['csv'],
    )
    .addOption(
      new Option('--layout <layout>', 'output layout (default: mirror; ocsf for --to ocsf)').choices([
        'mirror',
        'hive',
        'ocsf',
      ]),
    )
    .option('--flow-region <region>', '--to ocsf: the region of flow logs whose format has no region field')
    .option('--source-version <version>', "--to ocsf: the custom source's version (a folder under DST)")
    .option('--fields <format>', 'flow-log format of the lines, in AWS syntax (${version} ${account-id} …) or v2…v11')
    .option(
      '--log-group-format <name=format>',
      'format of one CloudWatch log group (repeatable)',
      collectLogGroupFormat,
    )
    .option('--concurrency <n>', 'CPU worker threads (default: every core)', parsePositiveInt)
    .option(
      '--in-flight <n>',
      `objects converting at once over all workers, so storage round trips overlap (default: ${IN_FLIGHT_PER_WORKER} per worker)`,
      parsePositiveInt,
    )
    .option(
      '--compression <codec>',
      `Parquet page codec: snappy, zstd, gzip or none (default here: ${defaultCompression()}; zstd needs Node 22.15+)`,
      parseCompressionOption,
    )
    .option('--force', 'convert again even when complete outputs exist (mirror layout)')
    .option('--endpoint-url <url>', 'S3-compatible endpoint (path-style addressing)')
    .option('--region <region>', 'AWS region (and the hive layout region when rows carry none)')
    .option('--since <time>', 'only Firehose time folders (YYYY/MM/DD/HH/) from this UTC date or time')
    .option('--until <time>', 'only Firehose time folders before this time (a bare date includes that day)')
    .option('--report <file>', 'write the run report as JSON')
    .option('--quiet', 'no progress output, only failures and the summary')
    .action(async (src: string, dst: string, flags: ConvertFlags) => {
      validateFormats(flags);
      try {
        checkOcsfOptions({
          to: flags.to,
          layout: flags.layout ?? (flags.to.includes('ocsf') ? 'ocsf' : 'mirror'),
          fields: flags.fields,
          logGroupFormats: flags.logGroupFormat,
          flowRegion: flags.flowRegion,
          sourceVersion: flags.sourceVersion,
        });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      if (flags.force && (flags.layout === 'hive' || flags.to.includes('ocsf'))) {
        throw new UsageError(
          '--force cannot be used with --layout hive or --to ocsf: the lake holds those rows already, and converting them again would count them twice (convert into another destination instead)',
        );
      }
      if (!src.startsWith('s3://') && !existsSync(src)) throw new UsageError(`${src}: no such file or folder`);
      const prefixes = timePrefixes(flags);
      const view = new ProgressView(process.stderr, Boolean(flags.quiet));
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\nflowlake: interrupted, discarding unfinished outputs (Ctrl-C again to quit now)\n');
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const report = await convert(src, dst, {
          to: flags.to,
          layout: flags.layout,
          fields: flags.fields,
          logGroupFormats: flags.logGroupFormat,
          concurrency: flags.concurrency,
          inFlight: flags.inFlight,
          force: flags.force,
          compression: flags.compression,
          flowRegion: flags.flowRegion,
          sourceVersion: flags.sourceVersion,
          endpointUrl: flags.endpointUrl,
          region: flags.region,
          prefixes,
          signal: controller.signal,
          onProgress: (p) => view.update(p),
          onResult: (r) => view.objectDone(r),
          reportFile: flags.report,
        });
        view.finish();
        for (const line of summaryLines(report)) process.stderr.write(`${line}\n`);
        if (controller.signal.aborted) process.exitCode = 130;
        else if (report.objects.failed > 0) process.exitCode = 1;
      } catch (err) {
        if (!(err instanceof RunStoppedError)) throw err;
        // One message for an error that would fail every object alike; the run stopped at the first.
        view.finish();
        process.stderr.write(`flowlake: stopped: ${err.message}\n`);
        process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}

/** Bad formats are usage errors, caught before any object is read. */
function validateFormats(flags: ConvertFlags): void {
  try {
    resolveFormat(flags.fields);
    for (const spec of Object.values(flags.logGroupFormat ?? {})) resolveFormat(spec);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function timePrefixes(flags: ConvertFlags): string[] | undefined {
  try {
    return firehoseTimePrefixes(flags.since, flags.until);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
