// The hunts `flowlake report` runs, alone: one process, one session, the same `session.hunt` calls (from the
// report's own list), for bench/report.ts to compare the whole report with. Plain JS over the build, like the CLI.
import { openFlows } from '../../dist/src/query/index.js';
import { reportHuntRuns } from '../../dist/src/report/gather.js';

const session = await openFlows(process.argv[2]);
try {
  for (const run of reportHuntRuns(session.columns)) await session.hunt(run.name, run.options, run.limit);
} finally {
  await session.close();
}
