import type { Command } from 'commander';
import { findHunt, HUNTS } from '../hunt/catalog.js';
import type { HuntDefinition } from '../hunt/types.js';
import { addressOrCidr } from '../query/address-list.js';
import { formatResult, type HuntOptions, type OutputFormat } from '../query/index.js';
import { addOutputOptions, addSourceOptions, type SourceFlags, withSource } from './flows-options.js';
import { parsePositiveInt } from './options.js';
import { checkPageFolder, findingsWord } from './report-command.js';
import { UsageError } from './usage-error.js';

interface HuntFlags extends SourceFlags {
  format: OutputFormat;
  limit: number;
  since?: string;
  until?: string;
  enis?: string;
  /** `hunt --list`: the catalog; `hunt ioc SRC --list FILE`: the address list. */
  list?: string | boolean;
  ioc?: string;
  by?: string;
  ports?: number;
  hosts?: number;
  baselineUntil?: string;
  html?: string;
}

/** Hunt options on the command line, and the hunt each belongs to. */
const HUNT_FLAGS: ReadonlyArray<{ flag: keyof HuntFlags; option: string; hunt: string }> = [
  { flag: 'ioc', option: '--ioc', hunt: 'mining' },
  { flag: 'by', option: '--by', hunt: 'talkers' },
  { flag: 'ports', option: '--ports', hunt: 'scan' },
  { flag: 'hosts', option: '--hosts', hunt: 'scan' },
  { flag: 'baselineUntil', option: '--baseline-until', hunt: 'new' },
];

/** `flowlake hunt <name> <src> [args]` and `flowlake hunt --list`. */
export function registerHuntCommand(program: Command): void {
  const command = program
    .command('hunt')
    .description('run a hunt from the catalog over SRC (`flowlake hunt --list` names them)')
    .argument('[name]', 'the hunt')
    .argument('[src]', 'outputs (folder or file) or a stash (folder, file or s3://bucket/prefix)')
    .argument('[args...]', "the hunt's arguments (ip: ADDR|CIDR…)")
    .option('--list [file]', 'without a hunt: list the hunts; with `ioc`: the address/CIDR list')
    .option('--since <time>', 'only flows that start at or after this ISO time or date')
    .option('--until <time>', 'only flows that start before this ISO time or date')
    .option('--enis <file>', 'JSON of `aws ec2 describe-network-interfaces`: adds instance, name, subnet, VPC')
    .option('--ioc <file>', 'mining: pool addresses or CIDRs, matched on any port')
    .option('--by <by>', 'talkers: ip, pair, eni or port (default pair)')
    .option('--ports <n>', 'scan: distinct ports in a minute (default 50)', parsePositiveInt)
    .option('--hosts <n>', 'scan: distinct hosts on a port in an hour (default 100)', parsePositiveInt)
    .option('--baseline-until <time>', 'new: end of the baseline window (default: a day before the latest flow)')
    .option('--html <file>', 'write the findings as an HTML page, a chart of each one over time, instead of printing');
  addSourceOptions(addOutputOptions(command, 50)).action(
    async (name: string | undefined, src: string | undefined, args: string[], flags: HuntFlags) => {
      if (flags.list === true || (name === undefined && flags.list !== undefined)) {
        process.stdout.write(huntList());
        return;
      }
      if (name === undefined) throw new UsageError(`name a hunt:\n${huntList()}`);
      const hunt = findHunt(name);
      if (!hunt) throw new UsageError(`unknown hunt "${name}"; the hunts are:\n${huntList()}`);
      if (src === undefined) throw new UsageError(`hunt ${name} needs a source: flowlake hunt ${name} <src>`);
      const options = huntOptions(hunt, args, flags);
      if (flags.html !== undefined) checkPageFolder(flags.html);
      const extra = {
        since: flags.since,
        until: flags.until,
        enis: flags.enis,
        ioc: hunt.name === 'ioc' ? (flags.list as string) : flags.ioc,
      };
      await withSource(src, flags, extra, async (session) => {
        if (flags.html !== undefined) {
          const { writeHuntPage } = await import('../report/index.js');
          const page = await writeHuntPage(session, hunt.name, flags.html, {
            huntOptions: options,
            limit: flags.limit,
            since: flags.since,
            until: flags.until,
          });
          process.stderr.write(`wrote ${page.file} (${findingsWord(page.findings)})\n`);
        } else {
          const result = await session.hunt(hunt.name, options, flags.limit);
          process.stdout.write(formatResult(result, flags.format));
        }
      });
    },
  );
}

/** The hunt's own options from the flags; flags of other hunts are usage errors, not silently ignored. */
function huntOptions(hunt: HuntDefinition, args: string[], flags: HuntFlags): HuntOptions {
  for (const { flag, option, hunt: owner } of HUNT_FLAGS) {
    if (flags[flag] !== undefined && owner !== hunt.name)
      throw new UsageError(`${option} is an option of hunt ${owner}`);
  }
  if (typeof flags.list === 'string' && hunt.name !== 'ioc')
    throw new UsageError('--list FILE is an option of hunt ioc');
  if (hunt.name === 'ioc' && typeof flags.list !== 'string') throw new UsageError('hunt ioc needs --list FILE');
  if (hunt.positional) {
    if (args.length === 0) throw new UsageError(`hunt ${hunt.name} needs ${hunt.positional.name}`);
    for (const target of args) {
      if (!addressOrCidr(target)) throw new UsageError(`"${target}" is not an address or CIDR`);
    }
  } else if (args.length > 0) {
    throw new UsageError(`hunt ${hunt.name} takes no arguments after the source (got ${args.join(' ')})`);
  }
  const byChoices = findHunt('talkers')?.options?.find((o) => o.name === 'by')?.choices ?? [];
  if (flags.by !== undefined && !byChoices.includes(flags.by)) {
    throw new UsageError(`--by must be ${byChoices.slice(0, -1).join(', ')} or ${byChoices.at(-1)}`);
  }
  if (flags.baselineUntil !== undefined && Number.isNaN(Date.parse(flags.baselineUntil))) {
    throw new UsageError(`--baseline-until "${flags.baselineUntil}" is not an ISO time`);
  }
  return {
    targets: hunt.positional ? args : undefined,
    by: flags.by,
    ports: flags.ports,
    hosts: flags.hosts,
    'baseline-until': flags.baselineUntil,
  };
}

/** One line per hunt: what it finds and why (the README's Hunt table gives each ranking rule). */
export function huntList(): string {
  const width = Math.max(...HUNTS.map((h) => h.name.length));
  return `${HUNTS.map((h) => `${h.name.padEnd(width)}  ${h.summary}`).join('\n')}\n`;
}
