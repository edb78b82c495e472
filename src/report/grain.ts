/** A time bucket size for a chart, with the words that name it. */
export interface Grain {
  readonly seconds: number;
  /** "per 5 minutes", "per hour"… */
  readonly label: string;
}

const GRAINS: readonly Grain[] = [
  { seconds: 60, label: 'per minute' },
  { seconds: 300, label: 'per 5 minutes' },
  { seconds: 900, label: 'per 15 minutes' },
  { seconds: 3600, label: 'per hour' },
  { seconds: 3 * 3600, label: 'per 3 hours' },
  { seconds: 6 * 3600, label: 'per 6 hours' },
  { seconds: 86_400, label: 'per day' },
  { seconds: 7 * 86_400, label: 'per week' },
];

/**
 * The finest grain that cuts the span [first, last] (epoch s) into at most `maxBuckets` buckets: a chart
 * stays readable (and small) whether the data covers minutes or months.
 */
export function chooseGrain(first: number, last: number, maxBuckets: number): Grain {
  for (const grain of GRAINS) {
    if (bucketCount(first, last, grain.seconds) <= maxBuckets) return grain;
  }
  const weeks = GRAINS[GRAINS.length - 1];
  const factor = Math.ceil(bucketCount(first, last, weeks.seconds) / maxBuckets);
  return { seconds: weeks.seconds * factor, label: `per ${factor} weeks` };
}

/** Buckets of `seconds` (aligned to the epoch) from the one holding `first` to the one holding `last`. */
export function bucketCount(first: number, last: number, seconds: number): number {
  return Math.floor(last / seconds) - Math.floor(first / seconds) + 1;
}

/** The start (epoch s) of every bucket from the one holding `first` to the one holding `last`. */
export function bucketStarts(first: number, last: number, seconds: number): number[] {
  const starts: number[] = [];
  for (let t = Math.floor(first / seconds) * seconds; t <= last; t += seconds) starts.push(t);
  return starts;
}
