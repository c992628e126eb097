// restore's backup-dir: which backup a folder on the runner holds and which one each host takes,
// what is refused before any host is touched (a damaged archive, an identity that does not open
// it, a manifest naming a file outside its folder), the decrypted bytes the host is sent, and the
// host's side of receiving them, run here as the host's shell would.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import type { ArchiveEntry, BackupManifest } from '../../src/backup/BackupManifest.js';
import { backupForHost, readRunnerBackups, RunnerSource } from '../../src/backup/RunnerBackup.js';
import { HashingCounter } from '../../src/backup/RunnerFiles.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { BackupDirCommands } from '../../src/remote/backup/BackupDirCommands.js';
import { StagingCommands } from '../../src/remote/backup/StagingCommands.js';
import { scratchDir } from '../support/scratchDir.js';

const root = scratchDir('njord-runner-backup-');
const sha = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

function entry(file: string, bytes: Uint8Array, encrypted = false): ArchiveEntry {
  return {
    file,
    kind: 'volume',
    name: 'shop_data',
    size: bytes.length,
    sha256: sha(bytes),
    compression: 'gzip',
    encrypted,
  };
}

function writeBackup(dir: string, id: string, host: string, files: Record<string, Uint8Array>, encrypted = false) {
  mkdirSync(dir, { recursive: true });
  const archives = Object.entries(files).map(([f, b]) => {
    writeFileSync(join(dir, f), b);
    return entry(f, b, encrypted);
  });
  const manifest = { format: 1, id, app: 'shop', host, archives } as unknown as BackupManifest;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { dir, manifest };
}

describe('a backup folder on the runner', () => {
  it('is the backup at its top, or one per folder under it (a pattern download)', () => {
    const one = writeBackup(join(root, 'one'), '20261201-010000-000', 'deploy@a', {
      'volume-x.tar.gz': Buffer.from('x'),
    });
    expect(readRunnerBackups(one.dir).map((b) => b.manifest.id)).toEqual(['20261201-010000-000']);
    const many = join(root, 'many');
    writeBackup(join(many, 'shop-backup-1-a'), '20261201-010000-000', 'deploy@a', { 'v.tar.gz': Buffer.from('a') });
    writeBackup(join(many, 'shop-backup-1-b'), '20261201-010000-000', 'deploy@b', { 'v.tar.gz': Buffer.from('b') });
    writeBackup(join(many, 'shop-backup-2-a'), '20261202-010000-000', 'deploy@a', { 'v.tar.gz': Buffer.from('c') });
    mkdirSync(join(many, 'not-a-backup'));
    expect(
      readRunnerBackups(many)
        .map((b) => `${b.manifest.id} ${b.manifest.host}`)
        .sort(),
    ).toEqual(['20261201-010000-000 deploy@a', '20261201-010000-000 deploy@b', '20261202-010000-000 deploy@a']);
  });

  it('names the input and what to do when it holds no backup, a broken manifest, or a file outside it', () => {
    expect(() => readRunnerBackups(join(root, 'absent'))).toThrow(
      `Input 'backup-dir': '${join(root, 'absent')}' is not a folder on the runner; download the backup's artifact into it first`,
    );
    mkdirSync(join(root, 'empty'));
    expect(() => readRunnerBackups(join(root, 'empty'))).toThrow(
      `Input 'backup-dir': '${join(root, 'empty')}' holds no backup`,
    );
    mkdirSync(join(root, 'broken'));
    writeFileSync(join(root, 'broken', 'manifest.json'), '{"format":1');
    expect(() => readRunnerBackups(join(root, 'broken'))).toThrow('is not the manifest of a njord backup');
    const evil = writeBackup(join(root, 'evil'), '20261201-010000-000', 'deploy@a', { 'v.tar.gz': Buffer.from('x') });
    evil.manifest.archives[0]!.file = '../../.ssh/authorized_keys';
    writeFileSync(join(evil.dir, 'manifest.json'), JSON.stringify(evil.manifest));
    expect(() => readRunnerBackups(evil.dir)).toThrow(
      "names an archive '../../.ssh/authorized_keys' that is not a plain file name",
    );
  });

  it('gives each host the one taken on it (the newest, or the one wanted), or the only one to any host', () => {
    const many = readRunnerBackups(join(root, 'many'));
    const pick = (host: string, wanted = 'latest') => {
      const b = backupForHost(many, host, wanted);
      return `${b.manifest.id} ${b.manifest.host}`;
    };
    expect(pick('deploy@a')).toBe('20261202-010000-000 deploy@a');
    expect(pick('deploy@a', '20261201-010000-000')).toBe('20261201-010000-000 deploy@a');
    expect(pick('deploy@b')).toBe('20261201-010000-000 deploy@b');
    expect(() => pick('deploy@new')).toThrow(
      "Input 'backup-dir': holds several backups and none was taken on deploy@new",
    );
    expect(() => pick('deploy@a', '20261130-010000-000')).toThrow(
      "Input 'backup-id': '20261130-010000-000' is not in backup-dir, which holds",
    );
    // One backup restores anywhere: a new server replacing the one it was taken on.
    const one = readRunnerBackups(join(root, 'one'));
    expect(backupForHost(one, 'deploy@new', 'latest').manifest.host).toBe('deploy@a');
    // The one wanted, from several backups of which only it matches: taken on another host.
    expect(pick('deploy@new', '20261202-010000-000')).toBe('20261202-010000-000 deploy@a');
  });
});

describe('RunnerSource', () => {
  it('refuses an archive whose bytes are not the manifest’s, and sends the file’s bytes as they are', async () => {
    const b = writeBackup(join(root, 'plain'), '20261201-010000-000', 'deploy@a', {
      'volume-a.tar.gz': Buffer.from('archive a'),
    });
    const a = b.manifest.archives[0]!;
    const src = new RunnerSource(b, []);
    await src.check(a);
    expect(await text(await src.read(a))).toBe('archive a');
    writeFileSync(join(b.dir, a.file), 'archive b');
    // Checked once per archive: a second host reuses the first check.
    await src.check(a);
    await expect(new RunnerSource(b, []).check(a)).rejects.toThrow(
      `refusing to restore backup 20261201-010000-000: ${join(b.dir, a.file)} on the runner has sha256 ${sha(Buffer.from('archive b'))}, but its manifest says ${a.sha256}. Nothing was changed.`,
    );
    rmSync(join(b.dir, a.file));
    await expect(new RunnerSource(b, []).check(a)).rejects.toThrow('on the runner has sha256 (missing)');
  });

  it('opens an age archive on the runner with the identity, and refuses it without one that opens it', async () => {
    const identity = await generateIdentity();
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(identity));
    const plain = Buffer.alloc(300_000, 'log line\n');
    const sealed = await e.encrypt(plain);
    const b = writeBackup(
      join(root, 'sealed'),
      '20261201-010000-000',
      'deploy@a',
      { 'volume-a.tar.gz.age': sealed },
      true,
    );
    const a = b.manifest.archives[0]!;

    await expect(new RunnerSource(b, []).check(a)).rejects.toThrow(
      "Input 'decrypt-key': backup 20261201-010000-000 is encrypted (age); give the identity",
    );
    await expect(new RunnerSource(b, [await generateIdentity()]).check(a)).rejects.toThrow(
      "Input 'decrypt-key': does not open volume-a.tar.gz.age of backup 20261201-010000-000",
    );
    const src = new RunnerSource(b, [identity]);
    await src.check(a);
    const out: Buffer[] = [];
    for await (const c of await src.read(a)) out.push(Buffer.from(c));
    expect(Buffer.concat(out).equals(plain)).toBe(true);
  });
});

describe('HashingCounter', () => {
  it('gives the same sha256 however often it is asked, once the bytes have passed', async () => {
    const c = new HashingCounter();
    const out: Buffer[] = [];
    c.on('data', (d: Buffer) => out.push(d));
    c.end(Buffer.from('archive bytes'));
    await new Promise((r) => c.on('end', r));
    expect(Buffer.concat(out).toString()).toBe('archive bytes');
    expect(c.bytes).toBe(13);
    expect(c.digest()).toBe(sha(Buffer.from('archive bytes')));
    expect(c.digest()).toBe(c.digest());
  });
});

describe('receiving an archive on the host', () => {
  it('writes stdin into the run’s hidden staging folder and prints the sha256 of what landed', () => {
    const dir = join(root, 'host');
    const cmd = new StagingCommands(new ReleaseLayout(dir), 'tok');
    const bytes = Buffer.alloc(200_000, 7);
    const r = spawnSync('sh', ['-c', cmd.receive('volume-a.tar.gz')], { input: bytes, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(sha(bytes));
    expect(cmd.id).toBe('.incoming-tok');
    const landed = join(dir, 'backups', '.incoming-tok', 'volume-a.tar.gz');
    expect(readFileSync(landed).equals(bytes)).toBe(true);
    // Private to the SSH user, and not a backup the host lists.
    expect(
      spawnSync('stat', ['-c', '%a', join(dir, 'backups', '.incoming-tok')], { encoding: 'utf8' }).stdout.trim(),
    ).toBe('700');
    expect(
      spawnSync('sh', ['-c', new BackupDirCommands(new ReleaseLayout(dir)).list()], { encoding: 'utf8' }).stdout,
    ).toBe('');
    expect(spawnSync('sh', ['-c', cmd.remove()]).status).toBe(0);
    expect(spawnSync('ls', ['-A', join(dir, 'backups')], { encoding: 'utf8' }).stdout).toBe('');
  });
});
