import type { RunReport } from '../convert/types.js';
import { formatBytes, formatCount } from './format-numbers.js';

/** The few lines printed at the end of a run. */
export function summaryLines(report: RunReport): string[] {
  const { objects } = report;
  const rate = report.seconds > 0 ? report.rows / report.seconds : 0;
  const lines = [
    `${objects.converted} converted, ${objects.skipped} skipped (already complete), ${objects.failed} failed of ${objects.total} objects`,
    `${formatCount(report.rows)} rows, ${formatCount(report.rejectedRows)} rejected, ${formatCount(report.controlMessages)} control messages skipped`,
    `${formatBytes(report.bytesIn)} in, ${formatBytes(report.bytesOut)} out, ${report.seconds.toFixed(2)} s (${formatCount(rate)} rows/s)`,
  ];
  if (report.externalAccountRows) {
    lines.push(
      `  ${formatCount(report.externalAccountRows)} rows of no AWS account (unknown, -) under accountId=external`,
    );
  }
  for (const [reason, n] of Object.entries(report.rejectedByReason))
    lines.push(`  rejected: ${reason}: ${formatCount(n)}`);
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  return lines;
}
