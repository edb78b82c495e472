/**
 * Writes ISO-8601 UTC times with milliseconds (`2020-02-01T00:00:00.123Z`, 24 bytes) straight into a buffer.
 * The `YYYY-MM-DDT` part is formatted once per day; the time of day is written digit by digit, so no Date or
 * string is made per row.
 */
export class IsoTimeWriter {
  private day = Number.NaN;
  private readonly dayPrefix = Buffer.alloc(11);

  /** Writes `ms` at `pos` and returns the position after it; NaN writes nothing. */
  write(ms: number, block: Buffer, pos: number): number {
    if (Number.isNaN(ms)) return pos;
    if (!Number.isInteger(ms) || ms < 0 || ms >= MAX_FOUR_DIGIT_YEAR_MS) {
      // Fractions, and years outside 0000–9999 (the ISO form changes length): rare enough to format whole.
      return pos + block.write(new Date(ms).toISOString(), pos, 'latin1');
    }
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.dayPrefix.write(new Date(day * DAY_MS).toISOString().slice(0, 11), 0, 'latin1');
    }
    this.dayPrefix.copy(block, pos);
    let rest = ms - day * DAY_MS;
    const millis = rest % 1000;
    rest = (rest - millis) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    const minutes = rest % 60;
    const hours = (rest - minutes) / 60;
    pos = twoDigits(block, pos + 11, hours);
    block[pos++] = 0x3a; // :
    pos = twoDigits(block, pos, minutes);
    block[pos++] = 0x3a;
    pos = twoDigits(block, pos, seconds);
    block[pos++] = 0x2e; // .
    block[pos++] = 0x30 + Math.floor(millis / 100);
    block[pos++] = 0x30 + (Math.floor(millis / 10) % 10);
    block[pos++] = 0x30 + (millis % 10);
    block[pos++] = 0x5a; // Z
    return pos;
  }
}

const DAY_MS = 86_400_000;
/** Times the Date object can represent at all (±8.64e15 ms). */
export const MAX_DATE_MS = 8.64e15;
const MAX_FOUR_DIGIT_YEAR_MS = 253_402_300_800_000; // 10000-01-01T00:00:00Z

function twoDigits(block: Buffer, pos: number, value: number): number {
  block[pos] = 0x30 + Math.floor(value / 10);
  block[pos + 1] = 0x30 + (value % 10);
  return pos + 2;
}
