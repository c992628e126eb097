import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { all, line, quote, stdinToFile } from '../../src/remote/Shell.js';

// What the host's shell makes of a quoted line is what counts: run it through sh and read argv back.
function argvSeenBySh(cmdline: string): string[] {
  const out = execFileSync('sh', ['-c', `set -- ${cmdline}; for a in "$@"; do printf '%s\\0' "$a"; done`]);
  return out.toString('utf8').split('\0').slice(0, -1);
}

describe('Shell quoting', () => {
  const nasty = ["it's", 'a b', '$(rm -rf /)', '`id`', 'x;y', 'new\nline', '', '*', '"q"', '\\', "''"];

  it('round-trips every argument through sh unchanged', () => {
    expect(argvSeenBySh(line(nasty))).toEqual(nasty);
  });

  it('leaves plain words bare so plans stay readable', () => {
    expect(line(['docker', 'compose', '-f', '/srv/app/docker-compose.yml', 'up', '--detach'])).toBe(
      'docker compose -f /srv/app/docker-compose.yml up --detach',
    );
    expect(quote('label=com.docker.compose.project=shop')).toBe('label=com.docker.compose.project=shop');
  });

  it('joins commands with && so a failure stops the rest', () => {
    expect(all(['false'], ['echo', 'no'])).toBe('false && echo no');
    expect(() => execFileSync('sh', ['-c', all(['false'], ['echo', 'ran'])])).toThrow();
  });

  it('refuses an empty command', () => {
    expect(() => line([])).toThrow(/empty/);
  });

  it('stdinToFile creates the file 0600 without ever exposing it wider', () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    const path = `${dir}/my file.env`;
    execFileSync('sh', ['-c', stdinToFile(path)], { input: 'A=1\n' });
    const mode = execFileSync('stat', ['-c', '%a', path]).toString().trim();
    expect(mode).toBe('600');
    expect(execFileSync('cat', [path]).toString()).toBe('A=1\n');
    execFileSync('rm', ['-rf', dir]);
  });
});
