import { type Command, InvalidArgumentError } from 'commander';
import { UsageError } from './usage-error.js';

/** `flowlake backfill --state-machine ARN --prefix P [--follow]`: starts (and follows) a run on AWS. */
export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('start a backfill run of the deployed state machine (see docs/aws.md) and optionally follow it')
    .requiredOption('--state-machine <arn>', 'ARN of the flowlake backfill state machine')
    .requiredOption('--prefix <prefix>', 'key prefix in the source bucket to convert (under the stack source prefix)')
    .option('--follow', 'wait for the run to end, showing progress; exit 1 unless it succeeded')
    .option('--name <name>', 'execution name (the run report is _flowlake/runs/<name>.json)')
    .option('--poll-seconds <n>', 'seconds between progress polls with --follow', parsePositive, 5)
    .action(
      async (opts: { stateMachine: string; prefix: string; follow?: boolean; name?: string; pollSeconds: number }) => {
        // Loaded here: the Step Functions SDK is not worth its start-up cost for every other command.
        const { runBackfill, stateMachineRegion } = await import('../aws/backfill.js');
        if (!stateMachineRegion(opts.stateMachine)) {
          throw new UsageError(
            `--state-machine needs a state machine ARN (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME), got "${opts.stateMachine}"`,
          );
        }
        process.exitCode = await runBackfill({
          stateMachineArn: opts.stateMachine,
          prefix: opts.prefix,
          follow: opts.follow === true,
          name: opts.name,
          pollIntervalMs: opts.pollSeconds * 1000,
        });
      },
    );
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}
