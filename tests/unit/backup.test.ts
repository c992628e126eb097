// Backup and restore without a host: retention, input reading, the manifest's names, the command
// builders, and the shell shapes they rely on (run for real with the local sh).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { readBackupConfig } from '../../src/backup/BackupConfig.js';
import { archiveFileName, BACKUP_ID, backupTime, newBackupId } from '../../src/backup/BackupManifest.js';
import { compressors, pickCompression, type Compressor } from '../../src/backup/Compression.js';
import { parseDatabases } from '../../src/backup/DatabaseSpec.js';
import { helperImage, parseContainers, parseVolumes, resolveVolumes } from '../../src/backup/HostInventory.js';
import { readRestoreConfig } from '../../src/backup/RestoreConfig.js';
import { backupsToPrune } from '../../src/backup/Retention.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { listArchive } from '../../src/remote/backup/ArchiveListing.js';
import { archiveScript, parseArchiveResult } from '../../src/remote/backup/ArchiveScript.js';
import { pathSource } from '../../src/remote/backup/ArchiveSource.js';
import { failOnStatus, guarded, pipeline } from '../../src/remote/backup/RemoteScript.js';
import {
  IMAGE_ID,
  parseTarImages,
  TarImageCommands,
  type TarReader,
} from '../../src/remote/backup/TarImageCommands.js';
import { parseTools } from '../../src/remote/backup/ToolsProbe.js';
import { compareFingerprints, parseCompared, tarFingerprint } from '../../src/remote/backup/VerifyCommands.js';
import { VolumeReaders } from '../../src/remote/backup/VolumeReaders.js';
import { repoRoot } from '../harness/runAction.js';
import { inputError } from '../support/inputError.js';
import { throwawayKey } from '../support/throwawayKey.js';

/** A real key, made for this run: the connection inputs check it parses. */
const KEY = throwawayKey();

function reader(values: Record<string, string>): InputReader {
  return new InputReader({ get: (n) => values[n] ?? '' });
}

const connection = {
  hosts: 'deploy@example.com',
  'known-hosts': 'example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrlLGDdJ',
  app: 'shop',
};

describe('retention', () => {
  const complete = (id: string) => ({ id, complete: true });
  const now = new Date('2026-11-23T12:00:00Z');
  const ids = ['20261119-000000-000', '20261120-000000-000', '20261121-000000-000', '20261122-000000-000'];

  it('keeps exactly `keep` complete backups, the newest ones', () => {
    expect(backupsToPrune(ids.map(complete), { keep: 2 }, now)).toEqual(ids.slice(0, 2));
    expect(backupsToPrune(ids.map(complete), { keep: 4 }, now)).toEqual([]);
    expect(backupsToPrune(ids.map(complete), { keep: 0 }, now)).toEqual([]);
  });

  it('never counts or prunes an unfinished backup', () => {
    const list = [
      ...ids.map(complete),
      { id: '20261123-000000-000', complete: false },
      { id: '20200101-000000-000', complete: false },
    ];
    expect(backupsToPrune(list, { keep: 1 }, now)).toEqual(ids.slice(0, 3));
  });

  it('prunes by age, but never the newest complete backup', () => {
    expect(backupsToPrune(ids.map(complete), { keep: 0, keepDays: 3 }, now)).toEqual(ids.slice(0, 2));
    expect(backupsToPrune(ids.map(complete), { keep: 0, keepDays: 2 }, now)).toEqual(ids.slice(0, 3));
    // All older than the limit: the newest stays anyway.
    expect(backupsToPrune(ids.map(complete), { keep: 10, keepDays: 1 }, new Date('2027-01-01T00:00:00Z'))).toEqual(
      ids.slice(0, 3),
    );
  });

  it('reads the time from the manifest when there is one, else from the id', () => {
    expect(backupTime('20261122-013000-250-pre-deploy')?.toISOString()).toBe('2026-11-22T01:30:00.250Z');
    const list = [complete(ids[3]!), { id: ids[2]!, complete: true, createdAt: '2026-11-23T11:00:00Z' }];
    expect(backupsToPrune(list, { keep: 0, keepDays: 1 }, now)).toEqual([]);
  });
});

describe('backup ids and archive names', () => {
  it('sorts by time and names safety backups', () => {
    const t = new Date('2026-11-23T18:16:52.123Z');
    expect(newBackupId(t)).toBe('20261123-181652-123');
    expect(newBackupId(t, 'pre-restore')).toBe('20261123-181652-123-pre-restore');
    expect(BACKUP_ID.test(newBackupId(t, 'pre-deploy'))).toBe(true);
    expect(BACKUP_ID.test('../etc')).toBe(false);
  });

  it('makes a readable, unique file name from any volume name or path', () => {
    const taken = new Set<string>();
    expect(archiveFileName('path', '/srv/shop uploads', 'tar.gz', taken)).toBe('path-srv_shop_uploads.tar.gz');
    expect(archiveFileName('path', '/srv/shop:uploads', 'tar.gz', taken)).toBe('path-srv_shop_uploads-2.tar.gz');
    expect(archiveFileName('volume', 'shop_data', 'tar.zst.age', taken)).toBe('volume-shop_data.tar.zst.age');
  });
});

describe('databases input', () => {
  it('reads service: engine lines', () => {
    expect(
      parseDatabases([
        'db: postgres',
        'db2: postgresql:orders',
        'cache: redis',
        'app: sqlite:/data/app.db',
        'm: mariadb',
      ]),
    ).toEqual([
      { service: 'db', engine: 'postgres', arg: undefined },
      { service: 'db2', engine: 'postgres', arg: 'orders' },
      { service: 'cache', engine: 'redis', arg: undefined },
      { service: 'app', engine: 'sqlite', arg: '/data/app.db' },
      { service: 'm', engine: 'mysql', arg: undefined },
    ]);
  });

  it('names the input and what to fix', () => {
    expect(() => parseDatabases(['db postgres'])).toThrow(/Input 'databases': 'db postgres' is not 'service: engine'/);
    expect(() => parseDatabases(['db: oracle'])).toThrow(/'oracle' \(for db\) is not one of/);
    expect(() => parseDatabases(['app: sqlite'])).toThrow(/sqlite needs the database file's absolute path/);
    expect(() => parseDatabases(["db: postgres:x'y"])).toThrow(/not a plain PostgreSQL database name/);
    expect(() => parseDatabases(['db: postgres', 'db: postgres'])).toThrow(/listed twice/);
  });
});

describe('backup inputs', () => {
  const read = (extra: Record<string, string>) => readBackupConfig(reader({ ...connection, 'ssh-key': KEY, ...extra }));

  it('has defaults: every volume, on the host, verified by listing, 7 kept', () => {
    const c = read({});
    expect(c.spec).toMatchObject({
      volumes: undefined,
      toHost: true,
      toRunner: false,
      verify: 'list',
      keep: 7,
      compression: 'auto',
    });
    expect(c.lockTimeoutMs).toBe(300_000);
    expect(read({ volumes: 'none' }).spec.volumes).toEqual([]);
    expect(read({ destination: 'host, artifact', 'unencrypted-artifact': 'true' }).spec).toMatchObject({
      toHost: true,
      toRunner: true,
    });
    expect(
      read({ destination: 'artifact', 'encrypt-to': 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p' })
        .spec.toRunner,
    ).toBe(true);
    expect(read({ 'keep-days': '120' }).artifactRetentionDays).toBe(90);
  });

  it('refuses bad values, naming the input', () => {
    expect(inputError(() => read({ destination: 's3' })).input).toBe('destination');
    expect(inputError(() => read({ destination: 'artifact', verify: 'restore' })).message).toMatch(
      /Input 'verify': restore works on the host copy/,
    );
    expect(inputError(() => read({ compression: 'xz' })).input).toBe('compression');
    expect(inputError(() => read({ paths: 'data/uploads' })).message).toMatch(/not an absolute path/);
    expect(inputError(() => read({ paths: '/' })).message).toMatch(/the whole host/);
    expect(inputError(() => read({ 'encrypt-to': 'age1nope' })).input).toBe('encrypt-to');
    expect(inputError(() => read({ 'encrypt-to': 'AGE-SECRET-KEY-1QQQ' })).message).toMatch(/holds an age identity/);
    expect(inputError(() => read({ keep: '-1' })).input).toBe('keep');
  });

  it('refuses an artifact in the clear unless unencrypted-artifact says so', () => {
    const e = inputError(() => read({ destination: 'host, artifact' }));
    expect(e.input).toBe('encrypt-to');
    expect(e.message).toContain('anyone who can read the repository can download them');
    expect(e.message).toContain('set unencrypted-artifact: true');
    expect(inputError(() => read({ destination: 'artifact', 'unencrypted-artifact': 'maybe' })).input).toBe(
      'unencrypted-artifact',
    );
  });

  it('takes age and ssh recipients', () => {
    const age = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
    const ssh = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrlLGDdJ ops@example';
    expect(read({ 'encrypt-to': `${age}\n${ssh}` }).spec.encryptTo).toEqual([age, ssh]);
  });
});

describe('restore inputs', () => {
  const read = (extra: Record<string, string>) =>
    readRestoreConfig(reader({ ...connection, 'ssh-key': KEY, ...extra }));

  it('restores everything from the latest backup by default, with a safety backup', () => {
    expect(read({}).spec).toMatchObject({
      backupId: 'latest',
      volumes: undefined,
      paths: undefined,
      databases: undefined,
      stopServices: undefined,
      safetyBackup: true,
      identities: [],
    });
    expect(read({ 'stop-services': 'none' }).spec.stopServices).toEqual([]);
    expect(read({ databases: 'db, cache' }).spec.databases).toEqual(['db', 'cache']);
  });

  it('reads the identity lines of an age key file, and refuses anything else', () => {
    const id = 'AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSTU6HK7';
    expect(read({ 'decrypt-key': `# created: 2026-11-23\n# public key: age1xyz\n${id}\n` }).spec.identities).toEqual([
      id,
    ]);
    expect(inputError(() => read({ 'decrypt-key': 'hunter2' })).message).toMatch(
      /Input 'decrypt-key': is not an age identity/,
    );
    expect(inputError(() => read({ 'backup-id': '../x' })).input).toBe('backup-id');
  });
});

describe('host inventory', () => {
  const volumes = parseVolumes(
    JSON.stringify([
      { Name: 'shop_data', Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.volume': 'data' } },
      { Name: 'shop_pg', Labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.volume': 'pg' } },
      { Name: 'external', Labels: null },
    ]),
  );
  const containers = parseContainers(
    JSON.stringify([
      {
        Id: 'c1',
        Name: '/shop_web_1',
        Image: 'sha256:web',
        Config: { Labels: { 'com.docker.compose.service': 'web' } },
        State: { Running: true },
        Mounts: [
          { Type: 'volume', Name: 'shop_data' },
          { Type: 'bind', Source: '/etc' },
        ],
      },
      {
        Id: 'c2',
        Name: '/shop_db_1',
        Image: 'sha256:pg',
        Config: { Labels: { 'com.docker.compose.service': 'db' } },
        State: { Running: false },
        Mounts: null,
      },
    ]),
  );
  const inv = { volumes, containers };

  it('reads volumes and containers from docker inspect', () => {
    expect(containers[0]).toEqual({
      id: 'c1',
      name: 'shop_web_1',
      service: 'web',
      running: true,
      image: 'sha256:web',
      volumes: ['shop_data'],
    });
    expect(parseVolumes('')).toEqual([]);
  });

  it('finds volumes by compose name or Docker name; all of the project by default', () => {
    expect(resolveVolumes(inv, 'shop', undefined, 'h').map((v) => v.name)).toEqual(['shop_data', 'shop_pg']);
    expect(resolveVolumes(inv, 'shop', ['data', 'external'], 'h').map((v) => v.name)).toEqual([
      'shop_data',
      'external',
    ]);
    expect(() => resolveVolumes(inv, 'shop', ['uploads'], 'h')).toThrow(/Input 'volumes': h has no volume 'uploads'/);
  });

  it('takes the helper image from the container using the volume', () => {
    expect(helperImage(inv, 'shop_data', undefined)).toBe('sha256:web');
    expect(helperImage(inv, 'shop_pg', undefined)).toBe('sha256:web');
    expect(helperImage(inv, 'shop_pg', 'busybox:1')).toBe('busybox:1');
    expect(helperImage({ volumes, containers: [] }, 'shop_pg', undefined)).toBeUndefined();
  });
});

describe('compression and tools', () => {
  it('takes zstd when the host has it, and names the input when a choice is missing', () => {
    expect(pickCompression('auto', { gzip: true, zstd: true }, 'h')).toBe('zstd');
    expect(pickCompression('auto', { gzip: true, zstd: false }, 'h')).toBe('gzip');
    expect(() => pickCompression('zstd', { gzip: true, zstd: false }, 'h')).toThrow(
      /Input 'compression': h has no zstd/,
    );
    expect(parseTools('gzip=1\nzstd=0\nage=1\ngnutar=1\n')).toMatchObject({
      gzip: true,
      zstd: false,
      age: true,
      gnutar: true,
    });
  });
});

describe('shell shapes, run with the local sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'njord-backup-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // In a session of its own, as sshd runs commands: the watchdog's `kill 0` must not reach vitest.
  const sh = (script: string, input?: string) => {
    const r = spawnSync('setsid', ['-w', 'sh', '-c', script], { input, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('keeps which image ids run tar beside the backups: read back by the next backup, newest 200, a tag never', () => {
    const local = new TarImageCommands(new ReleaseLayout(join(dir, 'tar-images')), 't');
    const id = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
    spawnSync('mkdir', ['-p', join(dir, 'tar-images', 'backups')]);
    expect(sh(local.read()).stdout).toBe('');
    expect(parseTarImages(sh(local.read()).stdout).size).toBe(0);
    const first = new Map<string, TarReader>([
      [id(1), 'sh'],
      [id(2), 'no'],
      [id(4), 'tar'],
    ]);
    expect(sh(local.remember(first)).code).toBe(0);
    expect(parseTarImages(sh(local.read()).stdout)).toEqual(first);
    // A later probe's word wins; the file keeps the newest 200 lines.
    for (let i = 0; i < 3; i++)
      sh(local.remember(new Map(Array.from({ length: 100 }, (_, k) => [id(1000 + i * 100 + k), 'sh']))));
    sh(local.remember(new Map([[id(2), 'tar']])));
    const known = parseTarImages(sh(local.read()).stdout);
    expect(known.size).toBe(200);
    expect(known.get(id(2))).toBe('tar');
    expect(known.has(id(1))).toBe(false);
    // Lines that are not an image id and a verdict are ignored (a tag's content can change).
    expect(parseTarImages('tarimage busybox:latest sh\ntarimage sha256:abc sh\n').size).toBe(0);
    // An earlier version's `yes` (tar runs, sh unknown) is asked again.
    expect(parseTarImages(`tarimage ${id(5)} yes\n`).size).toBe(0);
    expect(IMAGE_ID.test(id(3))).toBe(true);
  });

  it('a pipeline records which stage failed, even when the last one succeeds', () => {
    const st = join(dir, 'status');
    const script = `: > ${st}; ${pipeline(
      [
        { name: 'source', cmd: 'printf abc' },
        { name: 'middle', cmd: 'false' },
        { name: 'sink', cmd: 'cat > /dev/null' },
      ],
      st,
    )}; ${failOnStatus(st)}; echo reached`;
    const r = sh(script);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('middle failed (exit 1)');
    expect(r.stdout).not.toContain('reached');
    const ok = sh(
      `: > ${st}; ${pipeline(
        [
          { name: 'a', cmd: 'printf abc' },
          { name: 'b', cmd: 'cat' },
        ],
        st,
      )}; ${failOnStatus(st)}`,
    );
    expect(ok).toMatchObject({ code: 0, stdout: 'abc' });
  });

  it('guarded reads the secret line first, keeps stdin from the script, and passes the exit code', async () => {
    // stdin stays open while the script runs, as the runner holds the SSH channel's stdin.
    const child = spawn('setsid', [
      '-w',
      'sh',
      '-c',
      guarded('printf "%s|" "$NJORD_SECRET"; cat; exit 7', { secretLine: true }),
    ]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.write('AGE-SECRET-KEY-1X\nrest of stdin\n');
    const code = await new Promise((r) => child.on('exit', (c) => r(c)));
    child.stdin.end();
    expect(code).toBe(7);
    expect(out).toBe('AGE-SECRET-KEY-1X|');
  });

  it('guarded ends the script and its children when stdin closes (the connection died)', async () => {
    const marker = join(dir, 'finished');
    const child = spawn('setsid', ['-w', 'sh', '-c', guarded(`sleep 7.31 | cat; touch ${marker}`)]);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    child.stdin.end();
    await new Promise((r) => child.on('exit', r));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(spawnSync('pgrep', ['-f', 'sleep 7.31'], { encoding: 'utf8' }).stdout.trim()).toBe('');
    expect(spawnSync('ls', [marker]).status).not.toBe(0);
  });

  it('an archive script writes the file and a checksum that matches; the listing counts entries and bytes', () => {
    const local = new ReleaseLayout(dir);
    spawnSync('mkdir', ['-p', join(dir, 'backups', 'b1'), join(dir, 'src')]);
    spawnSync('sh', ['-c', `head -c 200000 /dev/urandom > ${dir}/src/f && echo hi > ${dir}/src/g`]);
    const r = sh(
      archiveScript(local, {
        id: 'b1',
        file: 'path-src.tar.gz',
        source: pathSource(join(dir, 'src')),
        compressor: compressors.gzip,
        encryptTo: [],
        toHost: true,
        toRunner: false,
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    const res = parseArchiveResult(r.stderr);
    const file = join(dir, 'backups', 'b1', 'path-src.tar.gz');
    const sum = spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.slice(0, 64);
    expect(res.sha256).toBe(sum);
    expect(res.size).toBe(readFileSync(file).length);
    // Three entries (., f, g); their sizes sum to the data: 200000 random bytes and "hi\n".
    expect(sh(listArchive(local, 'b1', 'path-src.tar.gz', compressors.gzip, true))).toMatchObject({
      code: 0,
      stdout: '3 200003\n',
    });
    const dump = sh(
      `gzip -c < ${dir}/src/f > ${dir}/backups/b1/db.gz && ${listArchive(local, 'b1', 'db.gz', compressors.gzip, false)}`,
    );
    expect(dump).toMatchObject({ code: 0, stdout: '0 200000\n' });
    spawnSync('rm', [join(dir, 'backups', 'b1', 'db.gz')]);
    // A damaged archive fails the listing, naming the stage.
    spawnSync('sh', ['-c', `printf 'not gzip' > ${dir}/backups/b1/bad.gz`]);
    const bad = sh(listArchive(local, 'b1', 'bad.gz', compressors.gzip, true));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('gzip failed');
    spawnSync('rm', [join(dir, 'backups', 'b1', 'bad.gz')]);
    // Only the archive is left behind: no fifos, status or temp files.
    expect(spawnSync('ls', ['-A', join(dir, 'backups', 'b1')], { encoding: 'utf8' }).stdout.trim()).toBe(
      'path-src.tar.gz',
    );
  });

  it('lists an archive as it is written: the same counts, and a stream that does not decompress fails it, leaving nothing', () => {
    const local = new ReleaseLayout(dir);
    const b = join(dir, 'backups', 'b-list');
    spawnSync('mkdir', ['-p', b, join(dir, 'src2')]);
    spawnSync('sh', ['-c', `head -c 300000 /dev/urandom > ${dir}/src2/f && echo hi > ${dir}/src2/g`]);
    const archive = (
      file: string,
      compressor: Compressor,
      listAs: 'tar' | 'bytes',
      source = pathSource(join(dir, 'src2')),
    ) =>
      sh(
        archiveScript(local, {
          id: 'b-list',
          file,
          source,
          compressor,
          encryptTo: [],
          toHost: true,
          toRunner: false,
          listAs,
        }),
      );
    for (const c of ['gzip', 'zstd'] as const) {
      const file = `path-src2.tar.${compressors[c].ext}`;
      const r = archive(file, compressors[c], 'tar');
      expect(r.code, r.stderr).toBe(0);
      const res = parseArchiveResult(r.stderr);
      expect(res.listed).toEqual({ entries: 3, bytes: 300003 });
      const stored = readFileSync(join(b, file));
      expect(res.sha256).toBe(createHash('sha256').update(stored).digest('hex'));
      expect(res.size).toBe(stored.length);
    }
    const dump = archive('db.gz', compressors.gzip, 'bytes', { name: 'the dump', cmd: `cat ${dir}/src2/f` });
    expect(parseArchiveResult(dump.stderr).listed).toEqual({ entries: 0, bytes: 300000 });
    // A compressor whose output gzip cannot read (here: none at all): the listing fails the archive.
    const broken: Compressor = { ext: 'gz', compress: ['cat'], decompress: ['gzip', '-dc'] };
    const bad = archive('path-bad.tar.gz', broken, 'tar');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('gzip (listing) failed');
    expect(bad.stderr).not.toContain('njord-result');
    expect(spawnSync('ls', ['-A', b], { encoding: 'utf8' }).stdout.trim().split('\n').sort()).toEqual([
      'db.gz',
      'path-src2.tar.gz',
      'path-src2.tar.zst',
    ]);
  });

  it("verify: restore's comparison counts what matched, and catches a changed byte, mode or extra file", () => {
    const tree = join(dir, 'tree');
    spawnSync('sh', [
      '-c',
      `mkdir -p "${tree}/sub dir" && head -c 100000 /dev/urandom > ${tree}/blob && echo order-1 > "${tree}/sub dir/orders.csv" && ln -s blob ${tree}/link`,
    ]);
    const tarOf = (from: string, to: string) => spawnSync('tar', ['-C', from, '-cf', to, '.']);
    tarOf(tree, join(dir, 'want.tar'));
    /** The archive (want.tar) against a copy of the tree changed by `change`, read back as tar. */
    const compare = (change: string) => {
      const copy = join(dir, 'copy');
      spawnSync('sh', ['-c', `rm -rf ${copy} && cp -a ${tree} ${copy} && cd ${copy} && ${change}`]);
      tarOf(copy, join(dir, 'got.tar'));
      const [a, b] = [join(dir, 'a'), join(dir, 'b')];
      return sh(
        `${tarFingerprint(`cat ${dir}/want.tar`)} > ${a}; ${tarFingerprint(`cat ${dir}/got.tar`)} > ${b}; ${compareFingerprints(a, b)}`,
      );
    };
    const same = compare('true');
    expect(same.code, same.stderr).toBe(0);
    // blob and orders.csv; entries ., blob, link, sub dir, sub dir/orders.csv.
    expect(parseCompared(same.stderr)).toEqual({ files: 2, entries: 5 });

    // One byte of the same file, same size: only its hash tells.
    const byte = compare('printf X | dd of=blob bs=1 seek=5000 conv=notrunc 2>/dev/null');
    expect(byte.code).toBe(1);
    expect(byte.stderr).toMatch(/^> [0-9a-f]{64} \.\/blob$/m);
    expect(parseCompared(byte.stderr)).toBeUndefined();
    const mode = compare('chmod 600 "sub dir/orders.csv"');
    expect(mode.code).toBe(1);
    expect(mode.stderr).toMatch(/^> -rw------- .*sub dir\/orders\.csv$/m);
    const extra = compare('echo junk > junk');
    expect(extra.code).toBe(1);
    expect(extra.stderr).toContain('./junk');
  });

  // A stand-in for docker run with tar run by sh: writes `data` into the fifo mounted at /njord-out,
  // the status into the file at /njord-rc, then "tears the container down" (waits for a release
  // file, as Docker's unmount waits for the disk) before it returns.
  function fakeDocker(bin: string, body: string): Record<string, string> {
    spawnSync('mkdir', ['-p', bin]);
    spawnSync('sh', [
      '-c',
      `cat > ${bin}/docker <<'EOF'\n#!/bin/sh\nfor a in "$@"; do case "$a" in *:/njord-out) out=\${a%:/njord-out};; *:/njord-rc) rc=\${a%:/njord-rc};; esac; done\n${body}\nEOF\nchmod +x ${bin}/docker`,
    ]);
    return { PATH: `${bin}:${process.env.PATH}` };
  }
  const shEnv = (script: string, env: Record<string, string>) => {
    const r = spawnSync('setsid', ['-w', 'sh', '-c', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const volumeArchive = (local: ReleaseLayout, id: string) =>
    archiveScript(local, {
      id,
      file: 'volume-v.tar.gz',
      source: new VolumeReaders(local, 't').source('v', 'sha256:abc', 'sh'),
      compressor: compressors.gzip,
      encryptTo: [],
      toHost: true,
      toRunner: false,
    });

  it("tar run by the image's sh: the archive is done when tar reports, not when Docker has torn the container down", () => {
    const local = new ReleaseLayout(join(dir, 'bysh'));
    const backup = join(dir, 'bysh', 'backups', 'b1');
    spawnSync('mkdir', ['-p', backup]);
    const release = join(dir, 'bysh', 'release');
    const returned = join(dir, 'bysh', 'returned');
    const env = fakeDocker(
      join(dir, 'bysh', 'bin'),
      `printf 'volume data' > "$out"; echo 0 > "$rc"; while [ ! -e ${release} ]; do sleep 0.05; done; touch ${returned}`,
    );
    const r = shEnv(volumeArchive(local, 'b1'), env);
    expect(r.code, r.stderr).toBe(0);
    // The script ended while "docker run" was still tearing down.
    expect(spawnSync('test', ['-e', returned]).status).toBe(1);
    const file = join(backup, 'volume-v.tar.gz');
    expect(spawnSync('sh', ['-c', `gzip -dc < ${file}`], { encoding: 'utf8' }).stdout).toBe('volume data');
    expect(parseArchiveResult(r.stderr).sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    // Once it returns, the wrapper removes its plumbing: only the archive is left.
    spawnSync('touch', [release]);
    spawnSync(
      'sh',
      ['-c', `while [ ! -e ${returned} ] || [ -e ${backup}/.volume-v.tar.gz.run ]; do sleep 0.05; done`],
      {
        timeout: 10_000,
      },
    );
    expect(spawnSync('ls', ['-A', backup], { encoding: 'utf8' }).stdout.trim()).toBe('volume-v.tar.gz');
  });

  it("tar run by sh: a failing tar's status and error fail the archive, and a container that never started cannot hang it", () => {
    const local = new ReleaseLayout(join(dir, 'bysh-bad'));
    const backup = join(dir, 'bysh-bad', 'backups', 'b1');
    spawnSync('mkdir', ['-p', backup]);
    spawnSync('sh', ['-c', `echo 'sha256:abc sh' > ${join(dir, 'bysh-bad', 'backups', '.tar-images')}`]);
    const failing = shEnv(
      volumeArchive(local, 'b1'),
      fakeDocker(
        join(dir, 'bysh-bad', 'bin1'),
        `printf 'part' > "$out"; echo 'tar: ./x: Permission denied' >&2; echo 1 > "$rc"`,
      ),
    );
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('tar in a container of sha256:abc failed (exit 1): tar: ./x: Permission denied');
    // The kept answer is dropped (asked again next time), and nothing is left.
    expect(spawnSync('ls', ['-A', join(dir, 'bysh-bad', 'backups')], { encoding: 'utf8' }).stdout.trim()).toBe('b1');
    expect(spawnSync('ls', ['-A', backup], { encoding: 'utf8' }).stdout.trim()).toBe('');
    const never = shEnv(
      volumeArchive(local, 'b1'),
      fakeDocker(
        join(dir, 'bysh-bad', 'bin2'),
        `echo 'docker: Error response from daemon: no such image' >&2; exit 125`,
      ),
    );
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('failed (exit 125): docker: Error response from daemon: no such image');
    expect(spawnSync('ls', ['-A', backup], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });

  it('a failing source leaves no archive behind', () => {
    const local = new ReleaseLayout(dir);
    spawnSync('mkdir', ['-p', join(dir, 'backups', 'b2')]);
    const r = sh(
      archiveScript(local, {
        id: 'b2',
        file: 'path-missing.tar.gz',
        source: pathSource(join(dir, 'missing')),
        compressor: compressors.gzip,
        encryptTo: [],
        toHost: true,
        toRunner: false,
      }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tar failed');
    expect(spawnSync('ls', ['-A', join(dir, 'backups', 'b2')], { encoding: 'utf8' }).stdout.trim()).toBe('');
  });
});

describe('the reusable backup workflow', () => {
  const wf = parseYaml(readFileSync(join(repoRoot, '.github/workflows/backup.yml'), 'utf8'));
  const action = parseYaml(readFileSync(join(repoRoot, 'actions/backup/action.yml'), 'utf8'));

  it('is callable and dispatchable, with least privilege and the deploy workflow secret names', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_call', 'workflow_dispatch']);
    expect(wf.permissions).toEqual({});
    expect(Object.keys(wf.on.workflow_call.secrets)).toEqual(['SSH_PRIVATE_KEY', 'SSH_KNOWN_HOSTS', 'NOTIFY_WEBHOOKS']);
    for (const name of ['environment', 'hosts', 'app', 'remote-dir', 'age-recipients'])
      expect(Object.keys(wf.on.workflow_call.inputs)).toContain(name);
  });

  it('passes only inputs the action has, and reads only inputs it declares', () => {
    const step = wf.jobs.backup.steps.find((s: { id?: string }) => s.id === 'backup');
    expect(step.uses).toBe('njord/deploy/actions/backup@v1');
    for (const key of Object.keys(step.with)) expect(Object.keys(action.inputs)).toContain(key);
    const used = [...JSON.stringify(wf.jobs).matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1]!);
    for (const name of used) expect(Object.keys(wf.on.workflow_call.inputs)).toContain(name);
    // Its outputs are the action's, by the same names.
    for (const [name, value] of Object.entries(wf.jobs.backup.outputs)) {
      expect(value).toBe(`\${{ steps.backup.outputs.${name} }}`);
      expect(Object.keys(action.outputs)).toContain(name);
      expect(wf.on.workflow_call.outputs[name].value).toBe(`\${{ jobs.backup.outputs.${name} }}`);
    }
  });
});

describe('the reusable restore workflow', () => {
  const wf = parseYaml(readFileSync(join(repoRoot, '.github/workflows/restore.yml'), 'utf8'));

  it('is callable and dispatchable, reads artifacts only, and takes the identity as an optional secret', () => {
    expect(Object.keys(wf.on)).toEqual(['workflow_call', 'workflow_dispatch']);
    expect(wf.permissions).toEqual({ actions: 'read' });
    expect(wf.on.workflow_call.secrets).toEqual({
      SSH_PRIVATE_KEY: { required: true },
      SSH_KNOWN_HOSTS: { required: true },
      AGE_IDENTITY: { required: false },
      NOTIFY_WEBHOOKS: { required: false },
    });
    expect(wf.jobs.restore.environment).toEqual({ name: '${{ inputs.environment }}', deployment: false });
  });

  it('downloads an artifact only when named, and restores from where it put it', () => {
    const [download, restore] = wf.jobs.restore.steps;
    expect(download.uses).toMatch(/^actions\/download-artifact@v4$/);
    expect(download.if).toBe("${{ inputs.artifact-name != '' }}");
    expect(restore.uses).toBe('njord/deploy/actions/restore@v1');
    expect(restore.with['backup-dir']).toBe(`\${{ inputs.artifact-name != '' && '${download.with.path}' || '' }}`);
    expect(restore.with['decrypt-key']).toBe('${{ secrets.AGE_IDENTITY }}');
  });
});
