/**
 * `--since` / `--until` as Firehose time folders: Firehose writes objects under `YYYY/MM/DD/HH/` (UTC) below its
 * prefix, so a time window becomes a short list of sub-prefixes to list instead of a listing of the whole bucket.
 *
 * Window: hours that overlap [since, until). A bare date as `--until` includes that whole day
 * (`--since 2024-01-01 --until 2024-01-31` is January). Times without a zone are UTC, like the folders.
 * Whole years, months and days collapse to `YYYY/`, `YYYY/MM/`, `YYYY/MM/DD/`; the rest are hours.
 */

const BOUND =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

const HOUR_MS = 3_600_000;

/** Parses a `--since`/`--until` value; a bare date as `until` means the end of that day. */
export function parseTimeBound(text: string, edge: 'since' | 'until'): Date {
  const match = BOUND.exec(text.trim());
  if (!match) {
    throw new Error(`--${edge} ${text}: expected an ISO date or date-time, e.g. 2024-05-01 or 2024-05-01T13:00Z`);
  }
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const ms = fraction ? Number(`0.${fraction}`) * 1000 : 0;
  const utc = Date.UTC(+year, +month - 1, +day, +(hour ?? 0), +(minute ?? 0), +(second ?? 0), ms);
  const check = new Date(Date.UTC(+year, +month - 1, +day, +(hour ?? 0), +(minute ?? 0), +(second ?? 0)));
  const fieldsValid =
    check.getUTCFullYear() === +year &&
    check.getUTCMonth() === +month - 1 &&
    check.getUTCDate() === +day &&
    check.getUTCHours() === +(hour ?? 0) &&
    check.getUTCMinutes() === +(minute ?? 0) &&
    check.getUTCSeconds() === +(second ?? 0);
  if (!fieldsValid) throw new Error(`--${edge} ${text}: not a valid date or time`);
  const offsetMs = zoneOffsetMs(zone);
  if (offsetMs === undefined) throw new Error(`--${edge} ${text}: not a valid time zone offset`);
  const wholeDayUntil = edge === 'until' && hour === undefined ? 24 * HOUR_MS : 0;
  return new Date(utc - offsetMs + wholeDayUntil);
}

function zoneOffsetMs(zone: string | undefined): number | undefined {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? 0);
  if (hours > 23 || minutes > 59) return undefined;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

/**
 * The Firehose sub-prefixes (relative to the storage root) covering [since, until); undefined when neither is
 * given (list everything). `until` defaults to `now` (its hour included). `--until` alone is an error: the
 * folders have no start to enumerate from.
 */
export function firehoseTimePrefixes(
  since: string | undefined,
  until: string | undefined,
  now: Date = new Date(),
): string[] | undefined {
  if (since === undefined && until === undefined) return undefined;
  if (since === undefined) throw new Error('--until needs --since (the time folders are listed from a start)');
  const start = floorToHour(parseTimeBound(since, 'since').getTime());
  const endExclusive = ceilToHour(until === undefined ? now.getTime() + 1 : parseTimeBound(until, 'until').getTime());
  if (endExclusive <= start) throw new Error(`--since ${since} is not before --until ${until ?? now.toISOString()}`);
  return coveringPrefixes(start, endExclusive);
}

/** Greedy walk: at each point take the largest aligned unit (year, month, day, hour) that fits in the window. */
function coveringPrefixes(start: number, endExclusive: number): string[] {
  const prefixes: string[] = [];
  let at = start;
  while (at < endExclusive) {
    const d = new Date(at);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    const startOfDay = hour === 0;
    const nextYear = Date.UTC(year + 1, 0, 1);
    const nextMonth = Date.UTC(year, month + 1, 1);
    const nextDay = Date.UTC(year, month, day + 1);
    const y = String(year).padStart(4, '0');
    const m = pad(month + 1);
    if (startOfDay && day === 1 && month === 0 && nextYear <= endExclusive) {
      prefixes.push(`${y}/`);
      at = nextYear;
    } else if (startOfDay && day === 1 && nextMonth <= endExclusive) {
      prefixes.push(`${y}/${m}/`);
      at = nextMonth;
    } else if (startOfDay && nextDay <= endExclusive) {
      prefixes.push(`${y}/${m}/${pad(day)}/`);
      at = nextDay;
    } else {
      prefixes.push(`${y}/${m}/${pad(day)}/${pad(hour)}/`);
      at += HOUR_MS;
    }
  }
  return prefixes;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function floorToHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

function ceilToHour(ms: number): number {
  return Math.ceil(ms / HOUR_MS) * HOUR_MS;
}
