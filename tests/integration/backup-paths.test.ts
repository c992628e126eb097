// Host paths and restore's safety backup, through the bundled actions on the sandbox host: a
// directory backed up and restored byte for byte; `safety-backup: false` takes none; a restore
// that fails half-way puts back what was there from the safety backup.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { asSandboxUser, type TestImage } from '../sandbox/Sandbox.js';
import { backupAction, ensureHostTools, restoreAction } from '../support/backupKit.js';
import { backupsOnHost, dirFingerprint, inVolume, volumeFingerprint, webRunning } from '../support/appData.js';
import { served, visibleLog } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { backupTestImage, describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('host paths and safety backups', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  const apps = suiteApps();
  const dirs: string[] = [];

  const deployedApp = (prefix: string) => apps.deployed(prefix, v1.ref);

  /** A directory in the SSH user's home with nested, hidden, binary, linked and empty entries. */
  function siteDir(name: string): { rel: string; abs: string } {
    const rel = `${name}-${process.pid}`;
    const abs = `${info.homeDir}/${rel}`;
    dirs.push(abs);
    onHost(
      [
        `mkdir -p "${abs}/uploads/2026 q1" ${abs}/empty ${abs}/.cache`,
        `head -c 1500000 /dev/urandom > ${abs}/uploads/photo.bin`,
        `printf "a,b\\n1,2\\n" > "${abs}/uploads/2026 q1/report one.csv"`,
        `echo token > ${abs}/.cache/.hidden && chmod 600 ${abs}/.cache/.hidden`,
        `printf "#!/bin/sh\\necho hi\\n" > ${abs}/run.sh && chmod 755 ${abs}/run.sh`,
        `ln -s uploads/photo.bin ${abs}/latest`,
      ].join(' && '),
    );
    return { rel, abs };
  }

  beforeAll(async () => {
    ensureHostTools();
    v1 = await backupTestImage(info);
  });

  afterAll(() => dirs.forEach((d) => onHost(`rm -rf ${d}`)));

  it('backs up a host path and restores it byte for byte; safety-backup: false takes no safety backup', async () => {
    const a = await deployedApp('bk-paths');
    const site = siteDir('bk-paths-site');
    const before = dirFingerprint(site.abs);
    expect(before).toContain('./.cache/.hidden regular file 600');
    expect(before).toContain('./latest symbolic link');

    const b = await backupAction(info, a, { paths: `~/${site.rel}`, volumes: 'none', compression: 'zstd' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    const m = JSON.parse(b.outputs.manifest!);
    expect(m.archives).toHaveLength(1);
    // ~/ is resolved on the host; ., uploads, uploads/2026 q1, its csv, photo.bin, empty, .cache, .hidden, run.sh, latest.
    expect(m.archives[0]).toMatchObject({ kind: 'path', name: site.abs, path: site.abs, entries: 10 });
    expect(m.archives[0].file).toMatch(/^path-.*\.tar\.zst$/);

    onHost(
      `cd ${site.abs} && rm -rf uploads/2026* .cache && printf X | dd of=uploads/photo.bin bs=1 seek=700000 conv=notrunc 2>/dev/null && chmod 644 run.sh && echo junk > junk`,
    );
    expect(dirFingerprint(site.abs)).not.toBe(before);

    // The subset named as it was given to the backup (~/…).
    const r = await restoreAction(info, a, { 'backup-id': id, paths: `~/${site.rel}` });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(dirFingerprint(site.abs)).toBe(before);
    expect(JSON.parse(r.outputs.restored!)).toEqual([{ kind: 'path', name: site.abs, file: m.archives[0].file }]);
    const safetyId = r.outputs['safety-backup-id']!;
    expect(safetyId).toMatch(/-pre-restore$/);
    expect(onHost(`zstd -dc < ${a.root}/backups/${safetyId}/${m.archives[0].file} | tar -tf - | sort`)).toContain(
      './junk',
    );

    onHost(`echo junk again > ${site.abs}/junk`);
    const bare = await restoreAction(info, a, { 'backup-id': id, 'safety-backup': 'false' });
    expect(bare.exitCode, visibleLog(bare)).toBe(0);
    expect(bare.outputs['safety-backup-id']).toBe('');
    expect(visibleLog(bare)).not.toContain('taking a safety backup');
    expect(dirFingerprint(site.abs)).toBe(before);
    // The backup and the first restore's safety backup: nothing new on the host.
    expect(backupsOnHost(a).map((x) => x.id)).toEqual([id, safetyId].sort());
  });

  it('puts the volume back from the safety backup when the restore fails half-way', async () => {
    const a = await deployedApp('bk-recover');
    inVolume(a, v1.ref, 'head -c 3000000 /dev/urandom > /data/blob.bin && echo order-1 > /data/orders.csv');
    const b = await backupAction(info, a, { compression: 'gzip' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const id = b.outputs['backup-id']!;
    const dir = `${a.root}/backups/${id}`;
    const file = JSON.parse(b.outputs.manifest!).archives[0].file as string;
    // An archive that was already bad when it was hashed (cut short, its manifest agreeing): the
    // checksum check passes, and gzip fails only after the volume was emptied and partly written.
    onHost(`head -c 1500000 ${dir}/${file} > ${dir}/cut && mv ${dir}/cut ${dir}/${file}`);
    const m = JSON.parse(onHost(`cat ${dir}/manifest.json`));
    m.archives[0].sha256 = onHost(`sha256sum < ${dir}/${file} | cut -c1-64`);
    m.archives[0].size = 1500000;
    asSandboxUser(`cat > ${dir}/manifest.json`, { input: JSON.stringify(m, null, 2) + '\n' });

    inVolume(a, v1.ref, 'echo order-2 >> /data/orders.csv && echo newer > /data/newer');
    const before = volumeFingerprint(a, v1.ref);

    const r = await restoreAction(info, a, { 'backup-id': id });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.status).toBe('failed');
    const safetyId = r.outputs['safety-backup-id']!;
    expect(safetyId).toMatch(/-pre-restore$/);
    const log = visibleLog(r);
    expect(log).toMatch(new RegExp(`restoring volume ${a.name}_data from ${file} failed .*gzip failed`));
    expect(log).toContain(`put volume ${a.name}_data back as it was, from safety backup ${safetyId}`);
    expect(r.summary).toContain(`failed, put back from ${safetyId}`);
    expect(volumeFingerprint(a, v1.ref)).toBe(before);
    expect(inVolume(a, v1.ref, 'cat /data/newer')).toBe('newer');
    expect(webRunning(a)).toBe(true);
    expect(await served(a)).toBe('v1');
    expect(onHost(`ls -A ${a.root}`)).not.toContain('.lock');
  });
});
