import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type CompressionName, defaultCompression } from '../encode/parquet/codecs.js';
import {
  type CompactProgress,
  type CompactReport,
  compactLake,
  DEFAULT_TARGET_BYTES,
  PUBLISH_DELAY_MS,
} from '../lake/compact.js';
import { parseDay } from '../lake/lake-keys.js';
import { openStorage } from '../storage/index.js';
import { formatBytes, formatCount } from './format-numbers.js';
import { parseCompressionOption, parseNonNegativeInt, parsePositiveInt } from './options.js';
import { UsageError } from './usage-error.js';

interface CompactFlags {
  since?: string;
  until?: string;
  targetSize?: number;
  concurrency?: number;
  compression?: CompressionName;
  publishDelay?: number;
  endpointUrl?: string;
  region?: string;
  report?: string;
  quiet?: boolean;
}

/** `flowlake compact DST`: merges the lake's recent hourly files into few sorted files per day (DESIGN §10). */
export function registerCompactCommand(program: Command): void {
  program
    .command('compact')
    .description('merge the hive lake at DST into few files per account, region and day, sorted by start')
    .argument('<dst>', 'a lake written by convert --to parquet --layout hive (folder or s3://bucket/prefix)')
    .option('--since <day>', 'first UTC day to compact (YYYY-MM-DD)', parseDayOption)
    .option('--until <day>', 'last UTC day to compact, included (YYYY-MM-DD)', parseDayOption)
    .option(
      '--target-size <MiB>',
      `cut files at about this size (default ${DEFAULT_TARGET_BYTES / 2 ** 20}; a smaller day is one file)`,
      parseTargetSize,
    )
    .addOption(
      new Option(
        '--compression <codec>',
        `Parquet page codec: snappy, zstd, gzip or none (default here: ${defaultCompression()})`,
      ).argParser(parseCompressionOption),
    )
    .option(
      '--concurrency <n>',
      'days compacted at once, one worker thread each (default: every core)',
      parsePositiveInt,
    )
    .option(
      '--publish-delay <seconds>',
      `wait this long between writing a day's files and publishing them (default: ${PUBLISH_DELAY_MS / 1000} on S3, where Athena lists files before it reads the state; 0 locally)`,
      parseNonNegativeInt,
    )
    .option('--endpoint-url <url>', 'S3-compatible endpoint (path-style addressing)')
    .option('--region <region>', 'AWS region of the bucket')
    .option('--report <file>', 'write the compaction report as JSON')
    .option('--quiet', 'no progress line, only failures and the summary')
    .action(async (dst: string, flags: CompactFlags) => {
      if (flags.since && flags.until && flags.since > flags.until) {
        throw new UsageError(`--since ${flags.since} is after --until ${flags.until}`);
      }
      const storage = { endpointUrl: flags.endpointUrl, region: flags.region };
      const dest = await openStorage(dst, storage);
      const progress = new CompactProgressLine(process.stderr, Boolean(flags.quiet));
      const report = await compactLake(dest, {
        since: flags.since,
        until: flags.until,
        targetBytes: flags.targetSize,
        compression: flags.compression,
        ...(flags.publishDelay !== undefined ? { publishDelayMs: flags.publishDelay * 1000 } : {}),
        onProgress: (p) => progress.update(p),
        threads: { url: dst, storage, count: flags.concurrency ?? availableParallelism() },
      });
      progress.finish();
      for (const failure of report.failures) process.stderr.write(`flowlake: day left as it was: ${failure.error}\n`);
      for (const line of compactSummaryLines(report)) process.stderr.write(`${line}\n`);
      if (flags.report) await writeFile(flags.report, `${JSON.stringify(report, null, 2)}\n`);
      if (report.failures.length > 0) process.exitCode = 1;
    });
}

export function compactSummaryLines(report: CompactReport): string[] {
  const { days } = report;
  const lines = [
    `${days.compacted} days compacted, ${days.unchanged} already compacted, ${days.failed} failed`,
    `${formatCount(report.filesIn)} files (${formatBytes(report.bytesIn)}) into ${formatCount(report.filesOut)} files (${formatBytes(report.bytesOut)}), ${formatCount(report.rows)} rows, ${report.seconds.toFixed(2)} s`,
  ];
  const tidy = [
    report.retiredDeleted > 0 ? `${formatCount(report.retiredDeleted)} replaced files deleted` : '',
    report.retiredWaiting > 0
      ? `${formatCount(report.retiredWaiting)} replaced files kept for readers until their grace ends`
      : '',
    report.orphansRemoved > 0 ? `${formatCount(report.orphansRemoved)} files of an unfinished compaction removed` : '',
  ].filter(Boolean);
  if (tidy.length > 0) lines.push(`  ${tidy.join(', ')}`);
  return lines;
}

/** A redrawn line on a terminal (days and rows), nothing otherwise: the summary says the rest. */
class CompactProgressLine {
  private lastDraw = 0;
  private latest: CompactProgress | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {}

  update(p: CompactProgress): void {
    this.latest = p;
    if (!this.out.isTTY || this.quiet) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && p.daysDone < p.daysTotal) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${line(p)}`);
  }

  finish(): void {
    if (this.out.isTTY && !this.quiet && this.latest) this.out.write(`\r\x1b[2K${line(this.latest)}\n`);
  }
}

function line(p: CompactProgress): string {
  const width = 24;
  const fraction = p.rowsTotal > 0 ? p.rowsDone / p.rowsTotal : p.daysTotal > 0 ? p.daysDone / p.daysTotal : 1;
  const filled = Math.min(width, Math.round(fraction * width));
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.daysDone}/${p.daysTotal} days ${formatCount(p.rowsDone)}/${formatCount(p.rowsTotal)} rows`;
}

function parseDayOption(value: string): string {
  const day = parseDay(value);
  if (!day) throw new InvalidArgumentError('expected a UTC day, YYYY-MM-DD');
  return day;
}

function parseTargetSize(value: string): number {
  const mib = Number(value);
  if (!Number.isFinite(mib) || mib < 1 || mib > 4096) throw new InvalidArgumentError('expected MiB from 1 to 4096');
  return Math.round(mib * 2 ** 20);
}
