// The helper image (the app's own) may have files of its own where backup and restore mount a
// volume (/njord-volume). Docker copies an image's files into an empty volume mounted over them;
// none of that may end up in a verified scratch volume, a restored volume, or the app's volume.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { sh, type SandboxInfo } from '../sandbox/Sandbox.js';
import { visibleLog } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { backupAction, ensureHostTools, restoreAction } from '../support/backupKit.js';
import { inVolume, volumeFingerprint } from '../support/appData.js';
import { backupTestImage, describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

/** The test app's image with files of its own at /njord-volume, pushed to the sandbox registry. */
async function imageWithFilesAtMount(info: SandboxInfo): Promise<string> {
  const base = await backupTestImage(info);
  const ref = `${info.registry}/njord-test/backup:files-at-mount`;
  const ctx = mkdtempSync(join(tmpdir(), 'njord-mount-image-'));
  try {
    writeFileSync(join(ctx, 'stray.txt'), 'shipped in the image, not in any volume\n');
    writeFileSync(
      join(ctx, 'Dockerfile'),
      `FROM ${base.ref}\nCOPY stray.txt /njord-volume/stray.txt\nCOPY stray.txt /njord-volume/sub/stray-too.txt\n`,
    );
    sh(`DOCKER_BUILDKIT=0 docker build -q -t ${ref} ${ctx} >/dev/null 2>&1 && docker push ${ref} >/dev/null`);
    return ref;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
}

describeOnSandbox('backup and restore with files in the helper image at the mount point', () => {
  const info = sandboxInfo();
  let image: string;
  const apps = suiteApps();
  const deployedApp = (prefix: string) => apps.deployed(prefix, image);

  beforeAll(async () => {
    ensureHostTools();
    image = await imageWithFilesAtMount(info);
  });

  it('verify: restore compares the scratch volume with the archive alone, and a restore puts back only the archive', async () => {
    const a = await deployedApp('bk-vmount');
    inVolume(
      a,
      image,
      'mkdir -p /data/orders && printf "order-1\\n" > /data/orders/1.csv && head -c 100000 /dev/urandom > /data/blob.bin',
    );
    const before = volumeFingerprint(a, image);

    const b = await backupAction(info, a, { compression: 'gzip', verify: 'restore' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    const archive = JSON.parse(b.outputs.manifest!).archives[0];
    const files = Number(inVolume(a, image, 'find /data -type f | wc -l'));
    expect(visibleLog(b)).toContain(
      `${archive.file}: restored into a scratch volume; all ${files} file(s) match by sha256, and all ${archive.entries} entries by type, mode, owner and size`,
    );
    const listing = onHost(`gzip -dc < ${a.root}/backups/${b.outputs['backup-id']}/${archive.file} | tar -tf -`);
    expect(listing).toContain('./orders/1.csv');
    expect(listing).not.toContain('stray');

    inVolume(a, image, 'rm -rf /data/* && echo junk > /data/junk');
    const r = await restoreAction(info, a, { 'backup-id': b.outputs['backup-id']! });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(volumeFingerprint(a, image)).toBe(before);
  });

  it("backing up an empty volume leaves it empty, with none of the image's files", async () => {
    const a = await deployedApp('bk-vempty');
    inVolume(a, image, 'rm -rf /data/* /data/.[!.]*');
    const b = await backupAction(info, a, { compression: 'gzip', verify: 'restore' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
    expect(inVolume(a, image, 'ls -A /data')).toBe('');
  });
});
