import { col, sqlString } from './dialect.js';
import type { HuntContext } from './types.js';

/**
 * Column expressions the hunts share. Where the format has `pkt-srcaddr` / `pkt-dstaddr`, they name the host
 * behind a NAT gateway or load balancer, so hunts use them before `srcaddr` / `dstaddr`.
 */
export function sourceAddress(ctx: HuntContext, table = ''): string {
  return ctx.has('pkt_srcaddr') ? `coalesce(${table}pkt_srcaddr, ${table}srcaddr)` : `${table}srcaddr`;
}

export function destinationAddress(ctx: HuntContext, table = ''): string {
  return ctx.has('pkt_dstaddr') ? `coalesce(${table}pkt_dstaddr, ${table}dstaddr)` : `${table}dstaddr`;
}

/** The instance id where the format has it, else a typed NULL (`--enis` fills it in locally). */
export function instanceId(ctx: HuntContext): string {
  return ctx.has('instance_id') ? 'instance_id' : `CAST(NULL AS ${ctx.d.name === 'duckdb' ? 'VARCHAR' : 'varchar'})`;
}

export const START = col('start');
export const BYTES = col('bytes');
export const ACTION = col('action');

/** `column = 'value'` with the value quoted, or `column IS NULL`. */
export function equals(column: string, value: unknown): string {
  if (value === null || value === undefined) return `${column} IS NULL`;
  if (typeof value === 'number' || typeof value === 'bigint') return `${column} = ${value}`;
  return `${column} = ${sqlString(String(value))}`;
}

/** An integer list for IN (…). */
export function intList(values: readonly number[]): string {
  return values.join(', ');
}

/** The option as a number (the CLI has parsed it; defaults apply on Athena). */
export function numberOption(ctx: HuntContext, name: string, fallback: number): number {
  const value = ctx.options[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Epoch seconds of an ISO time option, or undefined. */
export function timeOption(ctx: HuntContext, name: string): number | undefined {
  const value = ctx.options[name];
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}
