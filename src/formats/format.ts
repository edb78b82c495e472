import { FIELD_CATALOG, type FieldDef, fieldByName } from './fields.js';

/** A flow-log record format: the ordered fields of each space-separated line. */
export interface FlowFormat {
  readonly fields: readonly FieldDef[];
  /** Canonical AWS syntax (`${version} ${account-id} …`); equal formats have equal text. */
  readonly text: string;
  /** Names the catalog does not know; they are kept as strings and reported as a warning. */
  readonly unknownNames: readonly string[];
  /** Index of `start` in the line, or -1: the row time when an input has no event timestamp. */
  readonly startIndex: number;
}

export const DEFAULT_FORMAT_TEXT =
  '${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}';

export class FormatError extends Error {
  override name = 'FormatError';
}

/**
 * Parses a format in AWS syntax (`${a} ${b}`) or as a bare list of names (`a b`, the header line of files
 * delivered straight to S3, whose names may use `_` or `-`).
 */
export function parseFormat(text: string): FlowFormat {
  const trimmed = text.trim();
  if (trimmed === '') throw new FormatError('empty flow-log format');
  const names: string[] = [];
  if (trimmed.includes('${')) {
    const re = /\$\{([^}\s]+)\}|(\S+)/g;
    for (const m of trimmed.matchAll(re)) {
      if (m[2] !== undefined) throw new FormatError(`unexpected text "${m[2]}" in format "${trimmed}"`);
      names.push(m[1]);
    }
  } else {
    for (const token of trimmed.split(/\s+/)) names.push(normaliseName(token));
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new FormatError(`field "${name}" appears twice in format "${trimmed}"`);
    seen.add(name);
  }
  const fields = names.map(fieldByName);
  return {
    fields,
    text: names.map((n) => `\${${n}}`).join(' '),
    unknownNames: fields.filter((f) => f.version === 0).map((f) => f.name),
    startIndex: names.indexOf('start'),
  };
}

/** Header lines may spell names with `_` (Athena style); the catalog uses AWS's `-`. */
function normaliseName(token: string): string {
  if (FIELD_CATALOG.has(token)) return token;
  const dashed = token.replaceAll('_', '-');
  return FIELD_CATALOG.has(dashed) ? dashed : token;
}

export const DEFAULT_FORMAT: FlowFormat = parseFormat(DEFAULT_FORMAT_TEXT);

/** Named shortcuts accepted wherever a format is: `v2` (the default) and the all-fields-of-version-N sets. */
export function resolveFormat(spec: string | undefined): FlowFormat {
  if (spec === undefined || spec === '' || spec === 'v2' || spec === 'default') return DEFAULT_FORMAT;
  const m = /^v(\d+)$/.exec(spec);
  if (m) {
    const version = Number(m[1]);
    if (version < 2 || version > 11) throw new FormatError(`unknown format version "${spec}" (v2 to v11)`);
    const names = [...FIELD_CATALOG.values()].filter((f) => f.version <= version && f.version !== 6).map((f) => f.name);
    return parseFormat(names.join(' '));
  }
  return parseFormat(spec);
}
