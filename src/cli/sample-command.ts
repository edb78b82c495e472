import { type Command, Option } from 'commander';
import { writeIncidentStash } from '../sample/incidents.js';
import { writeSampleStash } from '../sample/stash.js';
import { formatBytes, formatCount } from './format-numbers.js';
import { parseNonNegativeInt, parsePositiveInt } from './options.js';

export function registerSampleCommand(program: Command): void {
  program
    .command('sample')
    .description('write a realistic synthetic stash (CloudWatch Logs → Firehose → S3 objects) into DIR')
    .argument('<dir>', 'folder to write into')
    .option('--objects <n>', 'objects to write', parsePositiveInt, 8)
    .option('--events <n>', 'flow-log events per object', parsePositiveInt, 5000)
    .addOption(new Option('--format <name>', 'flow-log format of the events').choices(['v2', 'v5']).default('v2'))
    .option('--seed <n>', 'random seed (the same seed writes the same stash)', parseNonNegativeInt, 1)
    .option('--incidents', 'three days with planted incidents for `flowlake hunt` (a miner, scans, exposures…)')
    .action(
      async (
        dir: string,
        flags: { objects: number; events: number; format: 'v2' | 'v5'; seed: number; incidents?: boolean },
      ) => {
        if (flags.incidents) {
          const planted = await writeIncidentStash(dir, { format: flags.format, seed: flags.seed });
          process.stderr.write(
            `wrote ${planted.objects} objects (${formatCount(planted.events)} events over three days, with planted incidents, ${formatBytes(planted.bytes)}) to ${dir}\n`,
          );
          if (flags.format !== 'v2') process.stderr.write(`read with: --fields ${flags.format}\n`);
          return;
        }
        const summary = await writeSampleStash(dir, flags);
        process.stderr.write(
          `wrote ${summary.objects} objects (${formatCount(summary.events)} events, ${summary.controlMessages} control messages, ${formatBytes(summary.bytes)}) to ${dir}\n`,
        );
        if (flags.format !== 'v2') {
          process.stderr.write(`convert with: --log-group-format ${summary.logGroup}=${flags.format}\n`);
        }
      },
    );
}
