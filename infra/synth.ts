// `npm run synth`: synthesises the stack into cdk.out/ with cdk-nag's AwsSolutions checks and exits 1 on any
// unsuppressed finding. Without context it uses example names and the default outputs (the lake: Parquet in the
// hive layout, compacted), with every optional part (real time, its compaction schedule) switched on.
import { App, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { propsFromContext } from './context.js';
import { applyNagChecks, nagFindings } from './nag.js';
import { FlowlakeStack } from './stack.js';

const EXAMPLE_CONTEXT = {
  sourceBucket: 'example-flowlogs-stash',
  sourcePrefix: 'firehose/vpc-flow-logs/',
  destinationPrefix: 'flowlake/',
  realTime: 'true',
};

const app = new App({ outdir: 'cdk.out', context: { ...EXAMPLE_CONTEXT, ...contextFromArgs(process.argv.slice(2)) } });
const stack = new FlowlakeStack(app, app.node.tryGetContext('stackName') ?? 'Flowlake', propsFromContext(app.node));
applyNagChecks(app, stack);
// CDK runs the cdk-nag plugin during synthesis and throws on findings; count and list them either way.
let synthError: unknown;
let outdir = 'cdk.out';
try {
  outdir = app.synth().directory;
} catch (error) {
  synthError = error;
}

const findings = nagFindings(stack);
for (const finding of findings) {
  const where = finding.violatingResources.map((r) => r.constructPath).join(', ');
  console.error(`${finding.severity} ${finding.ruleName} at ${where}\n  ${finding.description}`);
}
const acknowledgments = listAcknowledgments(stack);
if (!synthError) console.log(`synthesised ${stack.stackName} into ${outdir}`);
console.log(
  `cdk-nag AwsSolutions: ${findings.length} unacknowledged finding(s), ${acknowledgments.length} acknowledged, each with its reason:`,
);
for (const a of acknowledgments) console.log(`  ${a.id}\n    on ${a.path}: ${a.reason}`);
if (synthError) console.error(`synthesis failed: ${(synthError as Error).message}`);
process.exitCode = findings.length > 0 || synthError ? 1 : 0;

/** `-c key=value` pairs, as the cdk CLI takes them. */
function contextFromArgs(args: string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '-c' || args[i] === '--context') && args[i + 1]?.includes('=')) {
      const [key, ...rest] = args[++i].split('=');
      context[key] = rest.join('=');
    }
  }
  return context;
}

/** The acknowledgments where they were made (construct metadata), not copied down to every resource. */
function listAcknowledgments(root: IConstruct) {
  const out: Array<{ id: string; path: string; reason: string }> = [];
  for (const construct of root.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ id: id.replace(/^annotation::/i, ''), path: construct.node.path, reason });
      }
    }
  }
  return out;
}
