// The host starts the services a backup or restore stopped whatever happens to the runner: when
// the runner ends the guard's stdin, or when its heartbeat falls silent. Run through sh with a
// stand-in `docker` that records its calls, as the host runs the command.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stopUntilReleasedCommand } from '../../src/remote/backup/ServiceGuardCommand.js';

function guard(silenceS: number) {
  const dir = mkdtempSync(join(tmpdir(), 'njord-guard-'));
  writeFileSync(join(dir, 'docker'), `#!/bin/sh\necho "$*" >> ${dir}/calls\n`);
  chmodSync(join(dir, 'docker'), 0o755);
  const child = spawn('sh', ['-c', stopUntilReleasedCommand(['c1', 'c2'], silenceS)], {
    env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  const exited = new Promise<number>((r) => child.on('exit', () => r(Date.now() - started)));
  const calls = () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  return { child, exited, calls, out: () => out };
}

describe('the host-side guard of stopped services', () => {
  it('is one command: stop, say so, wait on stdin with a silence limit (EOF alone without timeout), start', () => {
    expect(stopUntilReleasedCommand(['c1', 'c2'])).toBe(
      'docker stop c1 c2 >/dev/null; echo "stopped $?"; if command -v timeout >/dev/null 2>&1; then while l=$(timeout 25 head -n 1) && [ -n "$l" ]; do :; done; else cat >/dev/null; fi; docker start c1 c2 >/dev/null',
    );
  });

  it('stops, says so, and starts again when the runner ends stdin', async () => {
    const g = guard(20);
    await new Promise((r) => setTimeout(r, 300));
    expect(g.out()).toBe('stopped 0\n');
    expect(g.calls()).toEqual(['stop c1 c2']);
    g.child.stdin.end();
    expect(await g.exited).toBeLessThan(5000);
    expect(g.calls()).toEqual(['stop c1 c2', 'start c1 c2']);
  });

  it('waits while the heartbeat comes, and starts them once it falls silent', async () => {
    const g = guard(1);
    for (let i = 0; i < 4; i++) {
      g.child.stdin.write('alive\n');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(g.calls()).toEqual(['stop c1 c2']);
    const ms = await g.exited;
    expect(ms).toBeGreaterThanOrEqual(2000);
    expect(g.calls()).toEqual(['stop c1 c2', 'start c1 c2']);
  });
});
