// actions/backup and actions/restore end to end on the sandbox host, through the bundled dist as
// the runner runs them: a volume backed up, wiped and restored byte for byte; a damaged archive
// refused; retention; stop-services on failure; a killed backup; age encryption.
import { beforeAll, expect, it } from 'vitest';
import { backupBeforeDeploy } from '../../src/backup/Backup.js';
import { BACKUP_ID } from '../../src/backup/BackupManifest.js';
import { closeHosts, openHosts } from '../../src/ssh/HostSession.js';
import { silentLog } from '../../src/report/Log.js';
import { parseHostList } from '../../src/ssh/HostSpec.js';
import { KnownHosts } from '../../src/ssh/KnownHosts.js';
import { sh, type TestImage } from '../sandbox/Sandbox.js';
import { backupAction, emptyImage, tarOnlyImage, ensureHostTools, restoreAction } from '../support/backupKit.js';
import { killWhen } from '../support/stepKiller.js';
import { backupsOnHost, inVolume, serviceContainerIds, volumeFingerprint, webRunning } from '../support/appData.js';
import { served, visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { backupTestImage, describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('backup and restore actions', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  const apps = suiteApps();

  /** A deployed app (v1) with known files in its `data` volume. */
  async function deployedApp(prefix: string): Promise<TestApp> {
    const a = await apps.deployed(prefix, v1.ref);
    inVolume(
      a,
      v1.ref,
      [
        'mkdir -p "/data/nested/deeper dir" /data/empty',
        'head -c 3000000 /dev/urandom > /data/blob.bin',
        'printf "order-1\\norder-2\\n" > "/data/nested/deeper dir/orders file.csv"',
        ': > /data/nested/zero',
        'ln -s nested/zero /data/link',
        'chmod 640 /data/blob.bin && chown 1234:55 /data/blob.bin',
      ].join(' && '),
    );
    return a;
  }

  beforeAll(async () => {
    ensureHostTools();
    v1 = await backupTestImage(info);
  });

  it('backs up a volume, and restores it byte for byte after it was wiped', async () => {
    const a = await deployedApp('bk-volume');
    const before = volumeFingerprint(a, v1.ref);
    expect(before).toContain('./blob.bin regular file 640 1234:55 3000000');

    const b = await backupAction(info, a, { compression: 'gzip', verify: 'restore' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    // The app's image has tar: it reads the volume in a throwaway container, into a host fifo.
    expect(visibleLog(b)).toContain('(reading the volume)');
    expect(visibleLog(b)).not.toContain('docker cp (reading');
    const id = b.outputs['backup-id']!;
    expect(id).toMatch(BACKUP_ID);
    const manifest = JSON.parse(b.outputs.manifest!);
    expect(manifest).toMatchObject({ id, app: a.name, compression: 'gzip', verified: 'restore' });
    expect(manifest.archives).toHaveLength(1);
    const archive = manifest.archives[0];
    expect(archive).toMatchObject({ kind: 'volume', name: `${a.name}_data`, services: ['web'] });
    const dir = `${a.root}/backups/${id}`;
    expect(onHost(`sha256sum < ${dir}/${archive.file} | cut -c1-64`)).toBe(archive.sha256);
    expect(onHost(`sha256sum < ${dir}/manifest.json | cut -c1-64`)).toBe(b.outputs.sha256);
    expect(Number(b.outputs.size)).toBe(Number(onHost(`wc -c < ${dir}/${archive.file}`)));
    expect(onHost(`gzip -dc < ${dir}/${archive.file} | tar -tf - | sort`)).toContain(
      './nested/deeper dir/orders file.csv',
    );
    expect(b.summary).toContain(`Backup ${a.name}: backup \`${id}\` is complete`);
    // verify: restore extracted the archive into a scratch volume and compared it file by file.
    const files = Number(inVolume(a, v1.ref, 'find /data -type f | wc -l'));
    expect(files).toBeGreaterThanOrEqual(3);
    expect(visibleLog(b)).toContain(
      `${archive.file}: restored into a scratch volume; all ${files} file(s) match by sha256, and all ${archive.entries} entries by type, mode, owner and size`,
    );
    expect(b.summary).toContain(
      `\`${archive.file}\` was restored into a scratch volume and read back: ${files} file(s) match by sha256, ${archive.entries} entries`,
    );
    expect(onHost(`docker volume ls -q --filter name=njord-verify-${id}`)).toBe('');

    inVolume(a, v1.ref, 'rm -rf /data/nested /data/blob.bin /data/link && echo junk > /data/junk');
    expect(volumeFingerprint(a, v1.ref)).not.toBe(before);

    const r = await restoreAction(info, a, { 'backup-id': id });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(r.outputs).toMatchObject({ status: 'restored', 'backup-id': id });
    expect(r.outputs['safety-backup-id']).toMatch(/-pre-restore$/);
    expect(volumeFingerprint(a, v1.ref)).toBe(before);
    expect(await served(a)).toBe('v1');
    // The safety backup holds what was there: the junk file, not the orders.
    const safety = `${a.root}/backups/${r.outputs['safety-backup-id']}`;
    expect(onHost(`zcat ${safety}/volume-*.tar.gz | tar -tf - | sort`)).toContain('./junk');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });

  it('refuses an archive whose checksum does not match, changing nothing', async () => {
    const a = await deployedApp('bk-corrupt');
    const b = await backupAction(info, a, { compression: 'zstd' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    const file = JSON.parse(b.outputs.manifest!).archives[0].file;
    // One byte changed in the middle of the stored archive.
    onHost(`printf X | dd of=${a.root}/backups/${id}/${file} bs=1 seek=4000 conv=notrunc 2>/dev/null`);
    inVolume(a, v1.ref, 'echo newer > /data/newer');
    const before = volumeFingerprint(a, v1.ref);
    const startedAt = onHost(
      `docker ps -q --filter label=com.docker.compose.project=${a.name} | xargs docker inspect -f '{{.State.StartedAt}}'`,
    );

    const r = await restoreAction(info, a, { 'backup-id': id });
    expect(r.exitCode).toBe(1);
    expect(visibleLog(r)).toMatch(
      new RegExp(
        `refusing to restore backup ${id}: ${file} has sha256 [0-9a-f]{64}, but its manifest says ${JSON.parse(b.outputs.manifest!).archives[0].sha256}`,
      ),
    );
    expect(volumeFingerprint(a, v1.ref)).toBe(before);
    // Nothing stopped, no safety backup taken, the lock free.
    expect(
      onHost(
        `docker ps -q --filter label=com.docker.compose.project=${a.name} | xargs docker inspect -f '{{.State.StartedAt}}'`,
      ),
    ).toBe(startedAt);
    expect(backupsOnHost(a).map((x) => x.id)).toEqual([id]);
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
    // What the probe found is kept for the next backup, by the image's id.
    const image = onHost(`docker inspect -f '{{.Image}}' $(${serviceContainerIds(a, 'web')})`);
    expect(onHost(`cat ${a.root}/backups/.tar-images`)).toBe(`${image} sh`);
  });

  it('asks an image whether it runs tar once: later backups read the answer kept on the host, and a wrong one is dropped once it fails', async () => {
    const a = await deployedApp('bk-tarcache');
    const cache = `${a.root}/backups/.tar-images`;
    const image = onHost(`docker inspect -f '{{.Image}}' $(${serviceContainerIds(a, 'web')})`);
    // Told the app's image has no tar, the backup takes the word and reads with docker cp.
    onHost(`mkdir -p ${a.root}/backups && echo "${image} no" > ${cache}`);
    const told = await backupAction(info, a, { verify: 'checksum' });
    expect(told.exitCode, visibleLog(told)).toBe(0);
    expect(visibleLog(told)).toContain('(docker cp (reading the volume))');
    expect(onHost(`cat ${cache}`)).toBe(`${image} no`);

    // An image without sh or tar (its id on the server), wrongly said to have them: the backup fails saying why,
    // and the kept answers are dropped, so the next backup asks again and succeeds.
    const empty = onHost(`docker image inspect -f '{{.Id}}' ${emptyImage(info)}`);
    onHost(`echo "${empty} sh" > ${cache}`);
    const wrong = await backupAction(info, a, { verify: 'checksum', 'helper-image': empty });
    expect(wrong.exitCode).toBe(1);
    expect(visibleLog(wrong)).toContain(`tar in a container of ${empty} failed`);
    expect(onHost(`cat ${cache} 2>/dev/null || echo dropped`)).toBe('dropped');
    const asked = await backupAction(info, a, { verify: 'list', 'helper-image': empty });
    expect(asked.exitCode, visibleLog(asked)).toBe(0);
    expect(visibleLog(asked)).toContain('(docker cp (reading the volume))');
    expect(onHost(`cat ${cache}`)).toBe(`${empty} no`);

    // An image with tar and no shell: tar alone reads the volume, and the archive lists whole.
    const tarOnly = onHost(`docker image inspect -f '{{.Id}}' ${tarOnlyImage(info)}`);
    const alone = await backupAction(info, a, { verify: 'list', 'helper-image': tarOnly });
    expect(alone.exitCode, visibleLog(alone)).toBe(0);
    expect(visibleLog(alone)).toContain('(reading the volume)');
    expect(onHost(`tail -1 ${cache}`)).toBe(`${tarOnly} tar`);
    const viaCp = JSON.parse(asked.outputs.manifest!).archives[0];
    const viaTar = JSON.parse(alone.outputs.manifest!).archives[0];
    expect(viaTar.entries).toBeGreaterThan(0);
    expect(viaTar.rawSize).toBe(viaCp.rawSize);
    expect(backupsOnHost(a).map((b) => b.complete)).toEqual([true, true, true]);
  });

  it('keeps exactly `keep` complete backups, never touching an unfinished one', async () => {
    const a = await deployedApp('bk-keep');
    onHost(
      `mkdir -p ${a.root}/backups/20200101-000000-000 && echo partial > ${a.root}/backups/20200101-000000-000/volume-x.tar.gz`,
    );
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      // An image without tar: the volume is read with docker cp instead.
      const b = await backupAction(info, a, { keep: '2', verify: 'checksum', 'helper-image': emptyImage(info) });
      expect(b.exitCode, visibleLog(b)).toBe(0);
      expect(visibleLog(b)).toContain('(docker cp (reading the volume))');
      ids.push(b.outputs['backup-id']!);
      if (i === 3) {
        expect(b.summary).toContain(ids[1]);
        expect(b.summary).toContain('never finished (no manifest)');
      }
    }
    expect(backupsOnHost(a)).toEqual([
      { id: '20200101-000000-000', complete: false },
      { id: ids[2], complete: true },
      { id: ids[3], complete: true },
    ]);
  });

  it('starts the stopped services again when the backup fails', async () => {
    const a = await deployedApp('bk-stopfail');
    // A file the SSH user cannot read makes tar fail half-way, after web was stopped.
    const dir = `${info.homeDir}/bk-stopfail-${process.pid}`;
    onHost(`mkdir -p ${dir} && echo ok > ${dir}/a && echo secret > ${dir}/b && chmod 000 ${dir}/b`);
    try {
      const b = await backupAction(info, a, { paths: dir, 'stop-services': 'web' });
      expect(b.exitCode).toBe(1);
      const log = visibleLog(b);
      expect(log).toContain('stopping web');
      expect(log).toMatch(/archiving path .* failed .*tar failed/);
      expect(log).toContain('started web again');
      expect(webRunning(a)).toBe(true);
      expect(await served(a)).toBe('v1');
      expect(b.outputs['backup-id']).toBe('');
      // The half-made backup is gone, not left looking complete.
      expect(backupsOnHost(a)).toEqual([]);
      expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
    } finally {
      onHost(`rm -rf ${dir}`);
    }
  });

  it('leaves no complete-looking backup when the run is killed mid-stream; the post step restarts the services', async () => {
    const a = await deployedApp('bk-kill');
    inVolume(a, v1.ref, 'dd if=/dev/urandom of=/data/big bs=1M count=400 2>/dev/null');
    const b = await backupAction(
      info,
      a,
      { compression: 'gzip', 'stop-services': 'web' },
      { onSpawn: killWhen('archiving volume', 1500) },
    );
    expect(b.signal).toBe('SIGKILL');
    expect(b.post?.exitCode, visibleLog(b)).toBe(0);
    expect(visibleLog(b)).toContain('started the services the run had stopped');
    expect(backupsOnHost(a)).toEqual([]);
    expect(webRunning(a)).toBe(true);
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
    const token = JSON.parse(b.state.cleanup!).token;
    expect(onHost(`docker ps -aq --filter label=dev.njord.backup=${token}`)).toBe('');
    // The watchdog ended the host side with the connection: nothing of this app's backup still runs.
    expect(onHost(`pgrep -u njord -f '${a.root}/[b]ackups' || true`)).toBe('');
  });

  it('without the post step, a killed backup stays unfinished and is never restored', async () => {
    const a = await deployedApp('bk-kill-nopost');
    inVolume(a, v1.ref, 'dd if=/dev/urandom of=/data/big bs=1M count=400 2>/dev/null');
    const b = await backupAction(
      info,
      a,
      { compression: 'gzip' },
      { onSpawn: killWhen('archiving volume', 1500), skipPost: true },
    );
    expect(b.signal).toBe('SIGKILL');
    const left = backupsOnHost(a);
    expect(left).toHaveLength(1);
    expect(left[0]!.complete).toBe(false);
    await new Promise((r) => setTimeout(r, 1000));
    expect(onHost(`pgrep -u njord -f '${a.root}/[b]ackups' || true`)).toBe('');
    // What the post step would have done: the lock and the throwaway container go.
    onHost(`rm -rf ${a.root}/.lock`);
    onHost(
      `docker ps -aq --filter label=dev.njord.backup=${JSON.parse(b.state.cleanup!).token} | xargs -r docker rm -f`,
    );
    const r = await restoreAction(info, a, {});
    expect(r.exitCode).toBe(1);
    expect(visibleLog(r)).toContain(`Input 'backup-id': ${info.hostSpec} has no complete backup of ${a.name}`);
    const named = await restoreAction(info, a, { 'backup-id': left[0]!.id });
    expect(visibleLog(named)).toContain(`${left[0]!.id} on ${info.hostSpec} never finished (it has no manifest)`);
  });

  it('encrypts with age on the host: the stored archive is not plaintext, and the identity restores it', async () => {
    const identity = sh('age-keygen 2>/dev/null');
    const recipient = sh('age-keygen -y', { input: identity }).trim();
    const secretLine = identity.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const a = await deployedApp('bk-age');
    const before = volumeFingerprint(a, v1.ref);
    const b = await backupAction(info, a, { 'encrypt-to': recipient, compression: 'gzip' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    const m = JSON.parse(b.outputs.manifest!);
    expect(m.encryptedTo).toEqual([recipient]);
    expect(m.encryptedOn).toBe('host');
    expect(b.summary).toContain('**on the host**, before the archives were written or left it');
    const file = `${a.root}/backups/${id}/${m.archives[0].file}`;
    expect(file).toMatch(/\.tar\.gz\.age$/);
    expect(onHost(`head -c 21 ${file}`)).toBe('age-encryption.org/v1');
    expect(onHost(`gzip -t < ${file} 2>/dev/null && echo gzip || echo not-gzip`)).toBe('not-gzip');
    expect(onHost(`grep -c order-1 ${file} || true`)).toBe('0');

    inVolume(a, v1.ref, 'rm -rf /data/* && echo junk > /data/junk');
    const wrong = sh('age-keygen 2>/dev/null');
    const bad = await restoreAction(info, a, { 'backup-id': id, 'decrypt-key': wrong });
    expect(bad.exitCode).toBe(1);
    expect(visibleLog(bad)).toMatch(/Input 'decrypt-key': does not open/);
    expect(inVolume(a, v1.ref, 'cat /data/junk')).toBe('junk');

    const r = await restoreAction(info, a, { 'backup-id': id, 'decrypt-key': identity });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(volumeFingerprint(a, v1.ref)).toBe(before);
    for (const run of [r, bad]) expect(visibleLog(run)).not.toContain(secretLine.slice(15));
    // The safety backup of the junk is encrypted to the same recipient.
    const safety = `${a.root}/backups/${r.outputs['safety-backup-id']}`;
    expect(onHost(`head -c 21 ${safety}/volume-*.age`)).toBe('age-encryption.org/v1');
  });

  it("backupBeforeDeploy (for the deploy's backup-before) takes a verified -pre-deploy backup on an open session", async () => {
    const a = await deployedApp('bk-predeploy');
    const before = volumeFingerprint(a, v1.ref);
    const sessions = await openHosts(
      {
        hosts: parseHostList([info.hostSpec]),
        privateKey: info.privateKey,
        knownHosts: KnownHosts.parse(info.knownHosts),
        app: a.name,
        remoteDir: `~/njord/${a.name}`,
      },
      silentLog,
    );
    try {
      const r = await backupBeforeDeploy(sessions[0]!, { app: a.name }, silentLog);
      expect(r?.status).toBe('complete');
      expect(r!.id).toMatch(/-pre-deploy$/);
      expect(r!.manifest).toMatchObject({ reason: 'pre-deploy', verified: 'list' });
      expect(backupsOnHost(a)).toEqual([{ id: r!.id, complete: true }]);
      // An app with nothing on the host yet (a first deploy) has nothing to back up.
      const none = await backupBeforeDeploy(sessions[0]!, { app: `${a.name}-new` }, silentLog);
      expect(none).toBeUndefined();
    } finally {
      closeHosts(sessions);
    }
    inVolume(a, v1.ref, 'rm -rf /data/*');
    const r = await restoreAction(info, a, {});
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(volumeFingerprint(a, v1.ref)).toBe(before);
  });
});
