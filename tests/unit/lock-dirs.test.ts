// Taking the app lock makes the app's root when it is missing; a run that stops before its rollout
// takes away exactly the directories it made, never one that was there. Run through sh, as the host runs it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { LockCommands, ROOT_UNWRITABLE } from '../../src/remote/LockCommands.js';
import { missingPathsCommand, parseMissingPaths } from '../../src/remote/MissingPaths.js';

const sh = (cmd: string, input = '') => execFileSync('sh', ['-c', cmd], { input }).toString();

/** Takes the lock as HostLock does; returns the outermost directory it made. */
function take(lock: LockCommands): string {
  return sh(lock.acquire(), '{"token":"t1"}\n').split('\n')[0]!;
}

describe('the lock and the directories it makes', () => {
  it('on a fresh host: reports the outermost directory it made, and takes it all away again', () => {
    const home = mkdtempSync(join(tmpdir(), 'njord-home-'));
    const layout = new ReleaseLayout(join(home, 'njord', 'shop'));
    const lock = new LockCommands(layout);
    expect(take(lock)).toBe(join(home, 'njord'));
    expect(existsSync(layout.lockOwner)).toBe(true);
    sh(`${lock.release('t1')}; ${lock.removeMadeDirs(join(home, 'njord'))}`);
    expect(readdirSync(home)).toEqual([]);
  });

  it('where the parent was there: removes only the root it made, and leaves the parent and its files', () => {
    const home = mkdtempSync(join(tmpdir(), 'njord-home-'));
    mkdirSync(join(home, 'njord'));
    writeFileSync(join(home, 'njord', 'other-app.txt'), 'x');
    const layout = new ReleaseLayout(join(home, 'njord', 'shop'));
    const lock = new LockCommands(layout);
    expect(take(lock)).toBe(layout.root);
    sh(`${lock.release('t1')}; ${lock.removeMadeDirs(layout.root)}`);
    expect(readdirSync(join(home, 'njord'))).toEqual(['other-app.txt']);
  });

  it('where the root was there: reports nothing made', () => {
    const home = mkdtempSync(join(tmpdir(), 'njord-home-'));
    const layout = new ReleaseLayout(join(home, 'shop'));
    mkdirSync(layout.root);
    expect(take(new LockCommands(layout))).toBe('');
  });

  it('never removes a made directory that is no longer empty', () => {
    const home = mkdtempSync(join(tmpdir(), 'njord-home-'));
    const layout = new ReleaseLayout(join(home, 'njord', 'shop'));
    const lock = new LockCommands(layout);
    const made = take(lock);
    writeFileSync(join(layout.root, 'history.jsonl'), '{}\n');
    sh(`${lock.release('t1')}; ${lock.removeMadeDirs(made)}`);
    expect(readdirSync(layout.root)).toEqual(['history.jsonl']);
  });

  it('lists the paths that are missing, ahead of the output that follows', () => {
    const home = mkdtempSync(join(tmpdir(), 'njord-home-'));
    mkdirSync(join(home, 'releases'));
    const out = sh(`${missingPathsCommand([join(home, 'releases'), join(home, '.docker')])}; echo current`);
    expect(parseMissingPaths(out)).toEqual({ missing: [join(home, '.docker')], rest: 'current\n' });
  });

  it("a root that cannot be made says so at once, with mkdir's reason, and takes nothing", () => {
    const home = mkdtempSync(join(tmpdir(), 'njord-home-'));
    writeFileSync(join(home, 'a-file'), 'x');
    const layout = new ReleaseLayout(join(home, 'a-file', 'shop'));
    const r = spawnSync('sh', ['-c', new LockCommands(layout).acquire()], {
      input: '{"token":"t1"}\n',
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(ROOT_UNWRITABLE);
    expect(r.stderr).toContain('Not a directory');
    expect(readdirSync(home)).toEqual(['a-file']);
  });
});
