import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PLANTED } from '../../src/sample/incidents.js';
import { tempDir } from '../support/temp-dir.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * `npm start` in a folder of its own, then every command its summary names, run by the shell exactly as
 * printed. `npx flowlake` finds the command as it does in the repository: a local `node_modules/.bin/flowlake`
 * (here a link to this checkout's bin), and offline, so it can never fetch a package of that name instead.
 */
describe('npm start', () => {
  it('ends naming the next commands on what it wrote, and each of them works as printed', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(join(REPO, 'bin', 'flowlake.js'), join(cwd, 'node_modules', '.bin', 'flowlake'));
    const env = {
      ...process.env,
      npm_config_offline: 'true',
      npm_config_yes: 'false',
      XDG_CACHE_HOME: join(cwd, 'cache'),
    };
    const start = spawnSync(process.execPath, [join(REPO, 'scripts', 'start.js')], { cwd, env, encoding: 'utf8' });
    assert.equal(start.status, 0, start.stderr);

    const lines = start.stderr.trimEnd().split('\n');
    const from = lines.indexOf('Try next, on what was just written:');
    assert.ok(from > 0, start.stderr);
    assert.match(lines[from - 2], /^outputs are in \.\/sample-out /);
    const next = lines.slice(from + 1);
    const commands = next.filter((l) => l.startsWith('    ')).map((l) => l.trim());
    assert.equal(next.length, 2 * commands.length, 'each command under one line saying what it shows');
    assert.ok(next.at(-1)?.startsWith('    npx flowlake '), 'the last line is a command');
    for (const command of commands) assert.match(command, /^npx flowlake /);
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    for (const command of commands) assert.ok(readme.includes(`\n${command}`), `README's quick start shows ${command}`);

    const ran = new Map<string, string>();
    for (const command of commands) {
      const run = spawnSync('/bin/sh', ['-c', command], { cwd, env, encoding: 'utf8' });
      assert.equal(run.status, 0, `${command}\n${run.stderr}`);
      ran.set(command.split(' ').slice(2, 4).join(' '), run.stdout);
    }
    assert.deepEqual([...ran.keys()], ['hunt mining', 'report ./sample-out', 'query ./sample-out', 'hunt --list']);

    // What each shows: the planted miner first, a page, the SQL's answer, the catalog.
    const mining = ran.get('hunt mining')!.split('\n');
    assert.match(mining[2], new RegExp(`^\\S+\\s+${PLANTED.miner.address.replaceAll('.', '\\.')}\\s`));
    assert.match(readFileSync(join(cwd, 'sample-out', 'report.html'), 'utf8'), /^<!doctype html>/i);
    assert.match(
      ran.get('query ./sample-out')!,
      /^action\s+log_status\s+flows\s+bytes\n[- ]+\nACCEPT\s+OK\s+\d+\s+\d+\n/,
    );
    assert.match(ran.get('hunt --list')!, /^mining\s/m);

    // What they wrote in the checkout (a page among them) leaves `npm test`'s lint passing.
    copyFileSync(join(REPO, 'biome.json'), join(cwd, 'biome.json'));
    const lint = spawnSync(join(REPO, 'node_modules', '.bin', 'biome'), ['check', '.'], { cwd, encoding: 'utf8' });
    assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  });
});
