/**
 * Keys are names, never paths. A key becomes a local path one `/`-separated segment at a time, and a segment
 * the file system would read as something else is percent-encoded:
 *
 * - an empty segment (`a//b`, a leading `/`) → `%`
 * - `.` → `%2E`, `..` → `%2E%2E`
 * - `%`, `\` and control characters (U+0000–U+001F, U+007F) → `%XX` (upper-case hex of the character)
 * - a leading `.` of a segment that starts like flowlake's temp files (`.flowlake-tmp-`) → `%2E`
 *
 * Every other character stays as it is, so ordinary keys are their own paths. Escaping `%` itself makes the
 * encoding reversible: `decodeSegment(encodeSegment(s)) === s` for every string, and two keys never share a path.
 */

/** Temp files of unfinished writes start with this, so listings and re-runs never take them for outputs. */
export const TEMP_PREFIX = '.flowlake-tmp-';

const EMPTY_SEGMENT = '%';

/** Characters that are escaped wherever they appear in a segment. */
const ESCAPED_CHARACTERS = /[%\\\x00-\x1f\x7f]/g;

function hex(char: string): string {
  return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The file-name form of one key segment. */
export function encodeSegment(segment: string): string {
  if (segment === '') return EMPTY_SEGMENT;
  if (segment === '.') return '%2E';
  if (segment === '..') return '%2E%2E';
  const escaped = segment.replace(ESCAPED_CHARACTERS, hex);
  return escaped.startsWith(TEMP_PREFIX) ? `%2E${escaped.slice(1)}` : escaped;
}

/** The key segment a file name stands for (the inverse of encodeSegment). */
export function decodeSegment(name: string): string {
  if (name === EMPTY_SEGMENT) return '';
  return name.replace(/%([0-9A-F]{2})/g, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)));
}

/** Whether `name` is what encodeSegment writes for some key segment (a name flowlake can read back as a key). */
export function isEncodedName(name: string): boolean {
  return encodeSegment(decodeSegment(name)) === name;
}

/** The relative path segments of a key: none of them is empty, `.`, `..`, or holds a separator. */
export function keyToSegments(key: string): string[] {
  return key.split('/').map(encodeSegment);
}

/** The key of a relative path given as its segments. */
export function segmentsToKey(names: readonly string[]): string {
  return names.map(decodeSegment).join('/');
}
