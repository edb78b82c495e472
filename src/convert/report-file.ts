import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import type { ObjectResult, RunReport } from './types.js';

/**
 * The `--report` JSON, written as the run goes so that no result is held in memory: each result (and each
 * failure) is appended to a side file as it arrives, and finish() assembles the report — totals first, then
 * `failures`, `warnings` and `results` — into a temp file renamed into place. The fields are those of
 * RunReport; `results` and `failures` come in completion order and hold every object.
 */
export class ReportFile {
  private readonly results: SideFile;
  private readonly failures: SideFile;

  constructor(private readonly path: string) {
    // The report often lives in the destination (`--report out/report.json`), which the run has not made yet.
    mkdirSync(dirname(path), { recursive: true });
    this.results = new SideFile(`${path}.results.tmp`);
    this.failures = new SideFile(`${path}.failures.tmp`);
  }

  add(result: ObjectResult): void {
    this.results.append(result);
    if (result.status === 'failed') this.failures.append({ key: result.key, error: result.error ?? 'unknown error' });
  }

  /** Writes the report with `summary`'s totals and every result streamed so far. */
  async finish(summary: RunReport): Promise<void> {
    await Promise.all([this.results.close(), this.failures.close()]);
    const { failures: _f, warnings, results: _r, resultsOmitted: _o, ...head } = summary;
    const headText = JSON.stringify(head, null, 2);
    const temp = `${this.path}.tmp`;
    const out = createWriteStream(temp);
    try {
      out.write(`${headText.slice(0, -2)},\n  "failures": [`);
      await this.failures.copyTo(out);
      out.write(`\n  ],\n  "warnings": ${JSON.stringify(warnings)},\n  "results": [`);
      await this.results.copyTo(out);
      out.end('\n  ]\n}\n');
      await finished(out);
      await rename(temp, this.path);
    } finally {
      out.destroy();
      await Promise.allSettled([rm(temp, { force: true }), this.results.remove(), this.failures.remove()]);
    }
  }
}

/** Array elements written one by one as JSON, comma-separated, to be copied into the report later. */
class SideFile {
  private readonly stream: WriteStream;
  private count = 0;
  /** A write error is kept and thrown by close(), rather than crashing the run as an unhandled event. */
  private error: Error | undefined;

  constructor(private readonly path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (err) => {
      this.error ??= err;
    });
  }

  append(value: unknown): void {
    this.stream.write(`${this.count++ === 0 ? '' : ','}\n    ${JSON.stringify(value)}`);
  }

  async close(): Promise<void> {
    if (!this.stream.writableEnded && !this.error) {
      this.stream.end();
      await finished(this.stream).catch(() => {});
    }
    if (this.error) throw this.error;
  }

  async copyTo(out: NodeJS.WritableStream): Promise<void> {
    if (this.count === 0) return;
    await pipeline(createReadStream(this.path), out, { end: false });
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
