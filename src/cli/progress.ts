import type { RunProgress } from '../convert/run.js';
import type { ObjectResult } from '../convert/types.js';
import { formatBytes, formatCount, formatDuration } from './format-numbers.js';

/** Shows a run's progress: a redrawn bar on a terminal, one plain line per object otherwise. */
export class ProgressView {
  private readonly started = Date.now();
  private lastDraw = 0;
  private latest: RunProgress | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
  ) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY) && !this.quiet;
  }

  update(progress: RunProgress): void {
    this.latest = progress;
    if (!this.tty) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && (progress.listing || progress.objectsDone < progress.objectsTotal)) return;
    this.lastDraw = now;
    this.out.write(`\r\x1b[2K${this.barLine(progress)}`);
  }

  /** A finished object: failures are always shown; other objects only as plain lines off a terminal. */
  objectDone(result: ObjectResult): void {
    if (result.status === 'failed') {
      this.clearLine();
      this.out.write(`flowlake: failed: ${result.key}: ${result.error}\n`);
      return;
    }
    if (this.tty || this.quiet) return;
    const latest = this.latest;
    const position = latest ? `[${latest.objectsDone + 1}/${latest.objectsTotal}${latest.listing ? '+' : ''}] ` : '';
    this.out.write(
      `${position}${result.status} ${result.key} (${formatCount(result.rows)} rows, ${result.seconds.toFixed(2)} s)\n`,
    );
  }

  finish(): void {
    if (this.tty && this.latest) this.out.write(`\r\x1b[2K${this.barLine(this.latest)}\n`);
  }

  private clearLine(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }

  private barLine(p: RunProgress): string {
    const width = 24;
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? p.rows / elapsed : 0;
    const failed = p.failed > 0 ? ` ${p.failed} failed` : '';
    if (p.listing) {
      // The totals are still growing: no bar and no ETA until the listing has ended.
      return `listing… ${p.objectsDone}/${p.objectsTotal}+ objects ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}+ ${formatCount(rate)} rows/s${failed}`;
    }
    const fraction =
      p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.objectsTotal > 0 ? p.objectsDone / p.objectsTotal : 1;
    const filled = Math.round(fraction * width);
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${p.objectsDone}/${p.objectsTotal} objects ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} ${formatCount(rate)} rows/s ETA ${formatDuration(eta)}${failed}`;
  }
}
