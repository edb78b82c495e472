/** The n-th space-separated value of a line without splitting the whole line. */
export function nthToken(line: string, n: number): string | undefined {
  let from = 0;
  for (let k = 0; k < n; k++) {
    const space = line.indexOf(' ', from);
    if (space === -1) return undefined;
    from = space + 1;
  }
  const end = line.indexOf(' ', from);
  return end === -1 ? line.slice(from) : line.slice(from, end);
}
