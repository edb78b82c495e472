/**
 * Empty arrays that already have the element kind V8 will need. A `[]` starts out holding small integers and
 * changes kind on its first string or fractional number; optimised code that saw the old kind is then thrown
 * away and compiled again. Hot code that fills fresh arrays (once per object or row group) starts from these.
 */

export function emptyStrings(): string[] {
  const strings = [''];
  strings.length = 0;
  return strings;
}

/** For numbers beyond small integers (epoch milliseconds). */
export function emptyNumbers(): number[] {
  const numbers = [0.5];
  numbers.length = 0;
  return numbers;
}
