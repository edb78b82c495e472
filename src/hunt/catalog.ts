import { coverage } from './hunts/coverage.js';
import { egress } from './hunts/egress.js';
import { exposed } from './hunts/exposed.js';
import { firstSeen } from './hunts/first-seen.js';
import { ioc } from './hunts/ioc.js';
import { ip } from './hunts/ip.js';
import { mining } from './hunts/mining.js';
import { rejected } from './hunts/rejected.js';
import { scan } from './hunts/scan.js';
import { talkers } from './hunts/talkers.js';
import type { HuntDefinition } from './types.js';

/** Every hunt, in the order `hunt --list`, the report and Athena's named queries show them. */
export const HUNTS: readonly HuntDefinition[] = [
  mining,
  exposed,
  scan,
  egress,
  rejected,
  talkers,
  firstSeen,
  coverage,
  ioc,
  ip,
];

export function findHunt(name: string): HuntDefinition | undefined {
  return HUNTS.find((h) => h.name === name);
}

/** The hunts whose required columns a set of columns has. */
export function missingColumns(hunt: HuntDefinition, has: (column: string) => boolean): string[] {
  return hunt.requires.filter((c) => !has(c));
}
