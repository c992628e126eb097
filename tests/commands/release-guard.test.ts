// The host holds the way back while a release is gated: it starts the release, waits for the
// runner's word, and brings the previous release back itself when the runner is lost (stdin ends,
// or the heartbeat falls silent). Run through sh, with commands that record what ran, as the host
// runs it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardedSwitchCommand } from '../../src/remote/ReleaseGuardCommand.js';
import { parseStep } from '../../src/deploy/ReleaseGuard.js';

function guard(silenceS: number, upFails = false) {
  const dir = mkdtempSync(join(tmpdir(), 'njord-switch-'));
  const rec = (what: string) => `echo ${what} >> ${dir}/ran; echo ${what} said this`;
  const cmd = guardedSwitchCommand(
    { up: upFails ? `${rec('up')}; false` : rec('up'), keep: rec('keep'), undo: rec('undo') },
    silenceS,
  );
  const child = spawn('sh', ['-c', cmd]);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  const exited = new Promise<number>((r) => child.on('exit', () => r(Date.now() - started)));
  const ran = () => readFileSync(join(dir, 'ran'), 'utf8').trim().split('\n');
  return { child, exited, ran, out: () => out };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('the host-side guard of a release switch', () => {
  it('is one command: up reported, then a line at a time with a silence limit, then the word', () => {
    expect(guardedSwitchCommand({ up: 'UP', keep: 'KEEP', undo: 'UNDO' })).toBe(
      `trap '' HUP PIPE; out=$({ UP; } </dev/null 2>&1); rc=$?; echo "up $rc $(printf %s "$out" | tail -n 1)"; ` +
        `if command -v timeout >/dev/null 2>&1; then t="timeout 25"; else t=; fi; ` +
        `while w=$($t sh -c 'IFS= read -r w && printf %s "$w"') && [ "$w" = alive ]; do :; done; ` +
        `case "$w" in keep) out=$({ KEEP; } </dev/null 2>&1); rc=$?; echo "kept $rc $(printf %s "$out" | tail -n 1)";; leave) echo left;; ` +
        `*) out=$({ UNDO; } </dev/null 2>&1); rc=$?; echo "undone $rc $(printf %s "$out" | tail -n 1)";; esac`,
    );
    expect(guardedSwitchCommand({ up: 'UP', keep: 'KEEP' })).toContain('*) echo left;; esac');
  });

  it("reads a step's code and last line through compose's carriage returns and escapes", () => {
    expect(parseStep('up 0 \x1b[1A\x1b[2K\rCreating shop_web_1 ... done\x1b[1B')).toEqual({
      code: 0,
      lastLine: 'Creating shop_web_1 ... done',
    });
    expect(parseStep('undone 1')).toEqual({ code: 1, lastLine: '' });
    expect(parseStep('left')).toBeUndefined();
  });

  it('keeps the release on keep, even right after a heartbeat in the same write', async () => {
    const g = guard(20);
    await settle();
    expect(g.out()).toBe('up 0 up said this\n');
    g.child.stdin.end('alive\nalive\nkeep\n');
    await g.exited;
    expect(g.ran()).toEqual(['up', 'keep']);
    expect(g.out()).toBe('up 0 up said this\nkept 0 keep said this\n');
  });

  it('reports a failed up with its last line, and undoes on undo', async () => {
    const g = guard(20, true);
    await settle();
    expect(g.out()).toBe('up 1 up said this\n');
    g.child.stdin.end('undo\n');
    await g.exited;
    expect(g.ran()).toEqual(['up', 'undo']);
  });

  it('leaves things as they are on leave', async () => {
    const g = guard(20);
    await settle();
    g.child.stdin.end('leave\n');
    await g.exited;
    expect(g.ran()).toEqual(['up']);
    expect(g.out()).toContain('left\n');
  });

  it('brings the previous release back when stdin ends before a word (a lost connection)', async () => {
    const g = guard(20);
    await settle();
    g.child.stdin.end();
    expect(await g.exited).toBeLessThan(5000);
    expect(g.ran()).toEqual(['up', 'undo']);
  });

  it('waits while the heartbeat comes, and goes back once it falls silent', async () => {
    const g = guard(1);
    for (let i = 0; i < 4; i++) {
      g.child.stdin.write('alive\n');
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(g.ran()).toEqual(['up']);
    const ms = await g.exited;
    expect(ms).toBeGreaterThanOrEqual(2500);
    expect(g.ran()).toEqual(['up', 'undo']);
  });
});
