// A lock whose holder (the SSH connection that took it) is provably gone is taken over, with its
// owner named; a live holder, or one that cannot be proven gone, never is. Run through sh on this
// machine's /proc, as the host runs it: the holder file names the process that ran the command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { parseLockStatus } from '../../src/release/LockStatus.js';
import { LockCommands, TAKEN_OVER } from '../../src/remote/LockCommands.js';

const sh = (cmd: string, input = '') => {
  const r = spawnSync('sh', ['-c', cmd], { input });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};
const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const startOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/.*\) /, '').split(' ')[19]!;

function held(holder?: string): { lock: LockCommands; layout: ReleaseLayout } {
  const layout = new ReleaseLayout(join(mkdtempSync(join(tmpdir(), 'njord-takeover-')), 'shop'));
  const lock = new LockCommands(layout);
  mkdirSync(layout.lockDir, { recursive: true });
  writeFileSync(layout.lockOwner, '{"token":"old","action":"deploy","actor":"bob","since":"2026-12-06T10:00:00Z"}\n');
  if (holder !== undefined) writeFileSync(lock.holderFile, holder);
  return { lock, layout };
}

const take = (lock: LockCommands) =>
  sh(lock.acquire(), '{"token":"new","action":"deploy","actor":"eve","since":"2026-12-06T11:00:00Z"}\n');

describe('taking over a lock', () => {
  it('records the connection that took it: the process that ran the command, its start time, the boot', () => {
    const layout = new ReleaseLayout(join(mkdtempSync(join(tmpdir(), 'njord-takeover-')), 'shop'));
    const lock = new LockCommands(layout);
    expect(take(lock).code).toBe(0);
    const [pid, boot, start] = readFileSync(lock.holderFile, 'utf8').trim().split(' ');
    expect(Number(pid)).toBe(process.pid);
    expect(boot).toBe(bootId);
    expect(start).toBe(startOf(process.pid));
    expect(parseLockStatus(sh(lock.status()).stdout)).toEqual({
      owner: 'deploy by eve since 2026-12-06T11:00:00Z',
      connection: 'alive',
    });
  });

  it('takes over from a holder whose process is gone, naming its owner on stderr', () => {
    const dead = spawnSync('true').pid!;
    const { lock, layout } = held(`${dead} ${bootId} 12345\n`);
    expect(parseLockStatus(sh(lock.status()).stdout)?.connection).toBe('gone');
    const r = take(lock);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `${TAKEN_OVER}{"token":"old","action":"deploy","actor":"bob","since":"2026-12-06T10:00:00Z"}\n`,
    );
    expect(readFileSync(layout.lockOwner, 'utf8')).toContain('"new"');
    expect(existsSync(join(layout.root, '.lock-takeover'))).toBe(false);
  });

  it('takes over from a holder of an earlier boot, or whose pid now names another process', () => {
    expect(take(held(`${process.pid} 00000000-0000-0000-0000-000000000000 ${startOf(process.pid)}\n`).lock).code).toBe(
      0,
    );
    expect(take(held(`${process.pid} ${bootId} 1\n`).lock).code).toBe(0);
  });

  it('never takes over a live holder, nor one without a holder file', () => {
    for (const holder of [`${process.pid} ${bootId} ${startOf(process.pid)}\n`, undefined, '']) {
      const { lock, layout } = held(holder);
      const r = take(lock);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe('');
      expect(readFileSync(layout.lockOwner, 'utf8')).toContain('"old"');
      expect(existsSync(join(layout.root, '.lock-takeover'))).toBe(false);
    }
  });

  it('does not take over while another run is taking it over', () => {
    const dead = spawnSync('true').pid!;
    const { lock, layout } = held(`${dead} ${bootId} 12345\n`);
    mkdirSync(join(layout.root, '.lock-takeover'));
    expect(take(lock).code).not.toBe(0);
    expect(readFileSync(layout.lockOwner, 'utf8')).toContain('"old"');
  });
});
