import type { FormatChoice } from '../decode/context.js';
import { resolveFormat } from '../formats/format.js';
import type { ConvertOptions } from './types.js';

/** Output-group key of a log group with its own format: safe in a file name, readable, stable. */
export function logGroupSlug(logGroup: string): string {
  return logGroup.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'log-group';
}

/** Chooses each log group's format: its `--log-group-format`, else `--fields`, else the v2 default. */
export class FormatResolver {
  private readonly defaultChoice: FormatChoice;
  private readonly perGroup = new Map<string, FormatChoice>();

  constructor(options: Pick<ConvertOptions, 'fields' | 'logGroupFormats'>) {
    this.defaultChoice = { format: resolveFormat(options.fields), key: '' };
    for (const [group, spec] of Object.entries(options.logGroupFormats ?? {})) {
      this.perGroup.set(group, { format: resolveFormat(spec), key: logGroupSlug(group) });
    }
  }

  formatFor(logGroup: string | undefined): FormatChoice {
    return (logGroup !== undefined && this.perGroup.get(logGroup)) || this.defaultChoice;
  }
}
