// The CDK app `npx cdk deploy` runs (cdk.json): settings come from context, see infra/context.ts.
import { App } from 'aws-cdk-lib';
import { propsFromContext } from './context.js';
import { applyNagChecks } from './nag.js';
import { FlowlakeStack } from './stack.js';

const app = new App();
const stack = new FlowlakeStack(app, app.node.tryGetContext('stackName') ?? 'Flowlake', {
  ...propsFromContext(app.node),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
applyNagChecks(app, stack);
