import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerAthenaCommand } from './athena-command.js';
import { registerBackfillCommand } from './backfill-command.js';
import { registerCompactCommand } from './compact-command.js';
import { registerConvertCommand } from './convert-command.js';
import { registerHuntCommand } from './hunt-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerReportCommand } from './report-command.js';
import { registerSampleCommand } from './sample-command.js';
import { UsageError } from './usage-error.js';

// The AWS SDK warns on every Node 20 process that its support ends; flowlake supports Node 20, so keep stderr for
// what matters (set the variable to false to see the warning again).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Exit codes: 0 everything converted; 1 some objects failed; 2 bad usage. */
export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('flowlake')
    .description('Convert AWS VPC Flow Logs stashes into CSV.gz, Parquet and JSONL for spreadsheets and Athena')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  registerConvertCommand(program);
  registerCompactCommand(program);
  registerSampleCommand(program);
  registerAthenaCommand(program);
  registerBackfillCommand(program);
  registerQueryCommand(program);
  registerHuntCommand(program);
  registerReportCommand(program);
  for (const command of program.commands) command.exitOverride().showHelpAfterError('(run with --help for usage)');

  try {
    await program.parseAsync(argv as string[]);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and version are not errors; commander has printed the usage problem already.
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`flowlake: ${err.message}\n`);
    return 2;
  }
  process.stderr.write(`flowlake: ${(err as Error)?.message ?? String(err)}\n`);
  return 1;
}

await main(process.argv);
