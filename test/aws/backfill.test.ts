import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DescribeExecutionCommand,
  DescribeMapRunCommand,
  ListMapRunsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { Command } from 'commander';
import { conversionMapRun, runBackfill, stateMachineRegion } from '../../src/aws/backfill.js';
import { registerBackfillCommand } from '../../src/cli/backfill-command.js';
import { UsageError } from '../../src/cli/usage-error.js';

const MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:FlowlakeBackfill';
const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:FlowlakeBackfill:backfill-1';
const MAP_RUN = 'arn:aws:states:eu-west-1:123456789012:mapRun:FlowlakeBackfill/flowlake:1234';

const sfn = mockClient(SFNClient);

function counts(succeeded: number, failed: number, running: number, pending: number) {
  const total = succeeded + failed + running + pending;
  return { itemCounts: { succeeded, failed, running, pending, total, timedOut: 0, aborted: 0, resultsWritten: 0 } };
}

/** A run that is listing, then converting, then ends with `final`. */
function scriptRun(final: Record<string, unknown>) {
  sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
  sfn
    .on(DescribeExecutionCommand)
    .resolvesOnce({ status: 'RUNNING' })
    .resolvesOnce({ status: 'RUNNING' })
    .resolves(final);
  sfn
    .on(ListMapRunsCommand)
    .resolvesOnce({ mapRuns: [] })
    .resolves({
      mapRuns: [{ mapRunArn: MAP_RUN, executionArn: EXECUTION, stateMachineArn: MACHINE, startDate: new Date() }],
    });
  sfn
    .on(DescribeMapRunCommand)
    .resolvesOnce(counts(2, 0, 3, 5))
    .resolves(counts(9, 1, 0, 0));
}

function capture() {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => {
    text += chunk;
  });
  return { out, text: () => text };
}

describe('flowlake backfill (Step Functions mocked)', () => {
  beforeEach(() => sfn.reset());
  afterEach(() => {
    process.exitCode = undefined;
  });

  it('starts an execution with {prefix} as input and follows it to SUCCEEDED (exit 0)', async () => {
    scriptRun({
      status: 'SUCCEEDED',
      output: JSON.stringify({ message: '10 objects done; run report s3://d/r.json' }),
    });
    const { out, text } = capture();
    const code = await runBackfill({
      stateMachineArn: MACHINE,
      prefix: 'firehose/2024/05/',
      follow: true,
      name: 'backfill-1',
      client: new SFNClient({ region: 'eu-west-1' }),
      out,
      pollIntervalMs: 0,
      sleep: async () => {},
    });
    assert.equal(code, 0);
    const start = sfn.commandCalls(StartExecutionCommand)[0].args[0].input;
    assert.deepEqual(start, { stateMachineArn: MACHINE, name: 'backfill-1', input: '{"prefix":"firehose/2024/05/"}' });
    assert.equal(sfn.commandCalls(DescribeMapRunCommand)[0].args[0].input.mapRunArn, MAP_RUN);
    const lines = text().trimEnd().split('\n');
    assert.deepEqual(lines, [
      `started ${EXECUTION}`,
      'running: listing objects…',
      'running: 2/10 objects (succeeded 2, failed 0, running 3, pending 5)',
      'succeeded: 10/10 objects (succeeded 9, failed 1, running 0, pending 0)',
      'SUCCEEDED: 10 objects done; run report s3://d/r.json',
    ]);
  });

  it("follows the conversion map's counts, not the compaction map's of the lake stack", () => {
    const compact = 'arn:aws:states:eu-west-1:123456789012:mapRun:FlowlakeBackfill/compact:99';
    assert.equal(conversionMapRun([{ mapRunArn: compact }, { mapRunArn: MAP_RUN }]), MAP_RUN);
    assert.equal(conversionMapRun([{ mapRunArn: compact }]), undefined, 'the conversion map is not listed yet');
    assert.equal(conversionMapRun([]), undefined);
    assert.equal(conversionMapRun(undefined), undefined);
  });

  it('then follows the compaction map of the lake stack, in day chunks', async () => {
    const compact = 'arn:aws:states:eu-west-1:123456789012:mapRun:FlowlakeBackfill/compact:77';
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' })
      .resolvesOnce({ status: 'RUNNING' })
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ message: '4 objects done' }) });
    sfn
      .on(ListMapRunsCommand)
      .resolvesOnce({
        mapRuns: [{ mapRunArn: MAP_RUN, executionArn: EXECUTION, stateMachineArn: MACHINE, startDate: new Date() }],
      })
      .resolves({
        mapRuns: [
          { mapRunArn: compact, executionArn: EXECUTION, stateMachineArn: MACHINE, startDate: new Date() },
          { mapRunArn: MAP_RUN, executionArn: EXECUTION, stateMachineArn: MACHINE, startDate: new Date() },
        ],
      });
    sfn.on(DescribeMapRunCommand, { mapRunArn: MAP_RUN }).resolves(counts(4, 0, 0, 0));
    sfn
      .on(DescribeMapRunCommand, { mapRunArn: compact })
      .resolvesOnce(counts(1, 0, 2, 0))
      .resolves(counts(3, 0, 0, 0));
    const { out, text } = capture();
    const code = await runBackfill({
      stateMachineArn: MACHINE,
      prefix: 'p/',
      follow: true,
      client: new SFNClient({ region: 'eu-west-1' }),
      out,
      pollIntervalMs: 0,
      sleep: async () => {},
    });
    assert.equal(code, 0);
    assert.deepEqual(text().trimEnd().split('\n').slice(1), [
      'running: 4/4 objects (succeeded 4, failed 0, running 0, pending 0); compacting: 1/3 day chunks (failed 0)',
      'running: 4/4 objects (succeeded 4, failed 0, running 0, pending 0); compacting: 3/3 day chunks (failed 0)',
      'succeeded: 4/4 objects (succeeded 4, failed 0, running 0, pending 0); compacting: 3/3 day chunks (failed 0)',
      'SUCCEEDED: 4 objects done',
    ]);
  });

  it('exits 1 when the run FAILED, showing its cause', async () => {
    scriptRun({
      status: 'FAILED',
      error: 'FlowlakeObjectsFailed',
      cause: '1 of 10 objects failed; run report s3://d/r',
    });
    const { out, text } = capture();
    const code = await runBackfill({
      stateMachineArn: MACHINE,
      prefix: 'p/',
      follow: true,
      client: new SFNClient({ region: 'eu-west-1' }),
      out,
      pollIntervalMs: 0,
      sleep: async () => {},
    });
    assert.equal(code, 1);
    assert.match(text(), /FAILED: FlowlakeObjectsFailed: 1 of 10 objects failed; run report s3:\/\/d\/r\n$/);
    assert.match(
      sfn.commandCalls(StartExecutionCommand)[0].args[0].input.name ?? '',
      /^backfill-\d{8}T\d{6}Z-[0-9a-f]{6}$/,
    );
  });

  it('without --follow only starts the run', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date() });
    const { out } = capture();
    const code = await runBackfill({ stateMachineArn: MACHINE, prefix: 'p/', client: new SFNClient({}), out });
    assert.equal(code, 0);
    assert.equal(sfn.commandCalls(DescribeExecutionCommand).length, 0);
  });

  it('takes the region from the state machine ARN and refuses anything else as bad usage', async () => {
    assert.equal(stateMachineRegion(MACHINE), 'eu-west-1');
    assert.equal(stateMachineRegion('arn:aws:states:eu-west-1:123456789012:execution:FlowlakeBackfill:x'), undefined);
    const program = new Command().exitOverride();
    registerBackfillCommand(program);
    await assert.rejects(
      program.parseAsync(['backfill', '--state-machine', 'FlowlakeBackfill', '--prefix', 'p/'], { from: 'user' }),
      UsageError,
    );
    assert.equal(sfn.commandCalls(StartExecutionCommand).length, 0);
  });

  for (const [status, expected] of [
    ['SUCCEEDED', 0],
    ['FAILED', 1],
    ['TIMED_OUT', 1],
    ['ABORTED', 1],
  ] as const) {
    it(`the command sets exit code ${expected} for a run that ends ${status}`, async () => {
      scriptRun({ status });
      const program = new Command().exitOverride();
      registerBackfillCommand(program);
      const stderr = process.stderr.write;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      try {
        await program.parseAsync(
          ['backfill', '--state-machine', MACHINE, '--prefix', 'p/', '--follow', '--poll-seconds', '0.001'],
          { from: 'user' },
        );
      } finally {
        process.stderr.write = stderr;
      }
      assert.equal(process.exitCode, expected);
    });
  }
});
