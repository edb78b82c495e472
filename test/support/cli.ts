import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cliEnvForTestS3 } from './s3-server.js';

/** The real command, as a user runs it (the built bin: `npm test` builds first), run to its end. */
export function flowlake(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/flowlake.js', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The built command in a child process that talks to the test S3 server, which answers from this process
 * meanwhile (so the child cannot be waited on synchronously). `exited` gives its exit code and stderr.
 */
export function startFlowlake(args: readonly string[]): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stderr: string }>;
} {
  const child = spawn(process.execPath, ['bin/flowlake.js', ...args], {
    env: cliEnvForTestS3(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  return { child, exited };
}
