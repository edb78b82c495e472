import type { Command } from 'commander';
import { formatResult, type OutputFormat } from '../query/index.js';
import { addOutputOptions, addSourceOptions, type SourceFlags, withSource } from './flows-options.js';

interface QueryFlags extends SourceFlags {
  format: OutputFormat;
  limit: number;
}

/** `flowlake query <src> "<SQL>"`: the user's SQL over the `flows` view. */
export function registerQueryCommand(program: Command): void {
  const command = program
    .command('query')
    .description('run SQL over the flows of SRC (flowlake outputs, or a stash converted to a Parquet cache)')
    .argument('<src>', 'outputs (folder or file) or a stash (folder, file or s3://bucket/prefix)')
    .argument(
      '<sql>',
      'one read-only statement over the view `flows`; helpers: is_private(a), is_public(a), in_cidr(a, cidr)',
    );
  addSourceOptions(addOutputOptions(command, 50)).action(async (src: string, sql: string, flags: QueryFlags) => {
    await withSource(src, flags, {}, async (session) => {
      const result = await session.query(sql, flags.limit);
      process.stdout.write(formatResult(result, flags.format));
    });
  });
}
