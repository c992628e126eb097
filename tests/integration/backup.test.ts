// actions/backup and actions/restore end to end on the sandbox host, through the bundled dist as
// the runner runs them: a volume backed up, wiped and restored byte for byte; a damaged archive
// refused; retention; stop-services on failure; a killed backup; age encryption.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BACKUP_ID } from '../../src/backup/BackupManifest.js';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/runAction.js';
import { buildTestImage, sandboxUnavailableReason, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import {
  connectionInputs,
  deploy,
  newApp,
  onHost,
  removeApp,
  served,
  visibleLog,
  type TestApp,
} from '../support/deployKit.js';

const reason = sandboxUnavailableReason();

export function backupAction(
  info: SandboxInfo,
  app: TestApp,
  inputs: Record<string, string> = {},
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  return runAction('actions/backup', { ...connectionInputs(info), app: app.name, ...inputs }, opts);
}

export function restoreAction(
  info: SandboxInfo,
  app: TestApp,
  inputs: Record<string, string> = {},
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  return runAction('actions/restore', { ...connectionInputs(info), app: app.name, ...inputs }, opts);
}

/** Runs a shell script in a throwaway container of `image` with the app's volume at /data. */
export function inVolume(app: TestApp, image: string, script: string): string {
  return onHost(`docker run --rm -v ${app.name}_data:/data --entrypoint /bin/sh ${image} -c '${script}'`);
}

/** Every entry of the volume: type, mode, owner, size, link target and content hash, sorted. */
export function volumeFingerprint(app: TestApp, image: string, skip = 'boots'): string {
  return inVolume(
    app,
    image,
    `cd /data && find . ! -name ${skip} | sort | while IFS= read -r f; do stat -c "%n %F %a %u:%g %s" "$f"; if [ -L "$f" ]; then readlink "$f"; elif [ -f "$f" ]; then sha256sum < "$f"; fi; done`,
  );
}

export function backupsOnHost(app: TestApp): { id: string; complete: boolean }[] {
  return onHost(
    `cd ${app.root}/backups 2>/dev/null && for d in */; do d=\${d%/}; [ -e "$d/manifest.json" ] && echo "$d 1" || echo "$d 0"; done || true`,
  )
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ id: l.split(' ')[0]!, complete: l.endsWith(' 1') }));
}

describe.skipIf(!!reason)(`backup and restore actions${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let info: SandboxInfo;
  let v1: TestImage;
  const apps: TestApp[] = [];

  /** A deployed app (v1) with known files in its `data` volume. */
  async function deployedApp(prefix: string): Promise<TestApp> {
    const a = await newApp(info, prefix);
    apps.push(a);
    const d = await deploy(info, a, v1.ref);
    expect(d.exitCode, visibleLog(d)).toBe(0);
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
    info = inject('sandbox')!;
    v1 = await buildTestImage(info, { repo: 'njord-test/backup', tag: 'v1', version: 'v1' });
  });

  afterAll(() => apps.forEach(removeApp));

  it('backs up a volume, and restores it byte for byte after it was wiped', async () => {
    const a = await deployedApp('bk-volume');
    const before = volumeFingerprint(a, v1.ref);
    expect(before).toContain('./blob.bin regular file 640 1234:55 3000000');

    const b = await backupAction(info, a, { compression: 'gzip', verify: 'restore' });
    expect(b.exitCode, visibleLog(b)).toBe(0);
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
    expect(b.summary).toMatch(/restored into a scratch volume|Throughput/);

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
});
