import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { addSourceOptions, type SourceFlags, withSource } from './flows-options.js';
import { formatBytes } from './format-numbers.js';
import { UsageError } from './usage-error.js';

interface ReportFlags extends SourceFlags {
  html: string;
  since?: string;
  until?: string;
  enis?: string;
  ioc?: string;
}

/** `flowlake report <src> --html FILE`: one self-contained page with the traffic overview and every hunt. */
export function registerReportCommand(program: Command): void {
  const command = program
    .command('report')
    .description(
      "one HTML page over SRC: totals, traffic over time, top talkers and ports, coverage, every hunt's findings",
    )
    .argument('<src>', 'outputs (folder or file) or a stash (folder, file or s3://bucket/prefix)')
    .requiredOption('--html <file>', 'the page to write (an existing file is replaced whole)')
    .option('--since <time>', 'only flows that start at or after this ISO time or date')
    .option('--until <time>', 'only flows that start before this ISO time or date')
    .option('--enis <file>', 'JSON of `aws ec2 describe-network-interfaces`: adds instance, name, subnet, VPC')
    .option('--ioc <file>', 'addresses or CIDRs (pools, indicators): runs the ioc hunt, and mining matches them');
  addSourceOptions(command).action(async (src: string, flags: ReportFlags) => {
    checkPageFolder(flags.html);
    const extra = { since: flags.since, until: flags.until, enis: flags.enis, ioc: flags.ioc };
    await withSource(src, flags, extra, async (session) => {
      // The charting library loads here only: no other command pays for it.
      const { writeReport } = await import('../report/index.js');
      const page = await writeReport(session, flags.html, {
        since: flags.since,
        until: flags.until,
        ioc: flags.ioc !== undefined,
      });
      process.stderr.write(`wrote ${page.file} (${formatBytes(page.bytes)}, ${findingsWord(page.findings)})\n`);
    });
  });
}

/** `1 finding`, `12 findings`. */
export function findingsWord(n: number): string {
  return `${n} finding${n === 1 ? '' : 's'}`;
}

/** A page needs an existing folder: say so before reading any data. */
export function checkPageFolder(file: string): void {
  const folder = dirname(resolve(file));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new UsageError(`--html ${file}: the folder ${folder} does not exist`);
  }
  if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--html ${file} is a folder`);
}
