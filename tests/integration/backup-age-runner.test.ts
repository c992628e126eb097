// encrypt-to on a host without age. With destination artifact alone the archive is encrypted on
// the runner as it streams through: the uploaded artifact (to a loopback stand-in of GitHub's
// artifact service, backupKit.ts) holds an age file that does not show a known file's bytes, and
// Debian's age CLI opens it with the identity to the volume's files, byte for byte. A copy kept on
// such a host would be plaintext: destination host is refused, with what to do, and nothing changes.
// The downloaded artifact restores through that host from the runner (backup-dir): opened there,
// never on the host; a damaged one, or one without its identity, is refused before any change.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyToServer, onServer, sh, type TestImage } from '../sandbox/Sandbox.js';
import { visibleLog, type TestApp } from '../support/deployKit.js';
import { onHost } from '../support/hostState.js';
import { backupAction, ensureHostTools, keyWithoutAge, keyWithoutTools, restoreAction } from '../support/backupKit.js';
import {
  backupsOnHost,
  extractedFingerprint,
  inVolume,
  serviceContainerIds,
  volumeFingerprint,
  webRunning,
} from '../support/appData.js';
import { suiteArtifactService, unzip } from '../support/artifactService.js';
import { backupTestImage, describeOnSandbox, sandboxInfo, suiteApps } from '../support/sandboxSuite.js';

describeOnSandbox('age encryption on the runner', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  let app: TestApp;
  const apps = suiteApps();
  const { uploads: uploaded, env } = suiteArtifactService();
  let noAge: ReturnType<typeof keyWithoutAge>;
  let scratch: string;
  /** Random, so compression leaves it as it is: found verbatim in any archive not encrypted. */
  const needle = randomBytes(256 * 1024);
  /** The encrypted artifact the first test uploads, as actions/download-artifact would leave it. */
  let downloaded: { dir: string; identity: string; manifest: { id: string; archives: { file: string }[] } };
  const identity = () => sh('age-keygen 2>/dev/null');
  const recipientOf = (id: string) => sh('age-keygen -y', { input: id }).trim();

  beforeAll(async () => {
    // age and zstd on the runner; the server has both, and the key below hides age from it.
    ensureHostTools();
    scratch = mkdtempSync(join(tmpdir(), 'njord-age-runner-'));
    noAge = keyWithoutAge(info);
    v1 = await backupTestImage(info);
    app = await apps.deployed('bk-agerun', v1.ref);
    writeFileSync(join(scratch, 'needle.bin'), needle);
    // The volume is on the server: the needle goes there first, then into the volume.
    const onTheServer = `/tmp/njord-needle-${process.pid}.bin`;
    copyToServer(app.server, join(scratch, 'needle.bin'), onTheServer);
    try {
      onServer(
        app.server,
        `docker run --rm -v ${app.name}_data:/data -v ${onTheServer}:/in:ro --entrypoint /bin/sh ${v1.ref} -c 'cat /in > /data/needle.bin'`,
      );
    } finally {
      onServer(app.server, `rm -f ${onTheServer}`, { user: 'root' });
    }
    inVolume(
      app,
      v1.ref,
      [
        'mkdir -p "/data/nested/deeper dir" /data/empty',
        'printf "order-1\\norder-2\\n" > "/data/nested/deeper dir/orders file.csv"',
        'ln -s nested /data/link',
        'chmod 640 /data/needle.bin && chown 1234:55 /data/needle.bin',
      ].join(' && '),
    );
  });

  afterAll(() => {
    noAge?.remove();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const webStartedAt = () => onHost(`docker inspect -f '{{.State.StartedAt}}' $(${serviceContainerIds(app, 'web')})`);

  it('the host, as the SSH user sees it through the key, has no age (the server itself has)', () => {
    expect(onHost('command -v age')).toMatch(/\/age$/);
    expect(noAge.run('command -v age || echo no-age')).toBe('no-age');
    expect(noAge.run('command -v zstd && command -v docker')).toMatch(/zstd\n.*docker$/);
  });

  it('with destination artifact, encrypts on the runner: the artifact holds an age file that the identity opens to the volume byte for byte', async () => {
    const id = identity();
    const recipient = recipientOf(id);
    const before = backupsOnHost(app);
    const b = await backupAction(
      info,
      app,
      { 'ssh-key': noAge.privateKey, destination: 'artifact', compression: 'zstd', 'encrypt-to': recipient },
      { env: env() },
    );
    expect(b.exitCode, visibleLog(b)).toBe(0);
    expect(visibleLog(b)).toContain('encrypted on the runner');

    const files = unzip(uploaded().at(-1)!.blob!);
    const manifest = JSON.parse(files.get('manifest.json')!.toString());
    expect(manifest).toEqual(JSON.parse(b.outputs.manifest!));
    expect(manifest).toMatchObject({ encryptedTo: [recipient], encryptedOn: 'runner', compression: 'zstd' });
    const entry = manifest.archives[0];
    expect(entry).toMatchObject({ kind: 'volume', encrypted: true });
    expect(entry.file).toMatch(/\.tar\.zst\.age$/);
    // The manifest describes the stored bytes: the age file.
    const stored = files.get(entry.file)!;
    expect(createHash('sha256').update(stored).digest('hex')).toBe(entry.sha256);
    expect(stored.length).toBe(entry.size);
    expect(stored.subarray(0, 32).toString('latin1')).toBe('age-encryption.org/v1\n-> X25519 ');
    expect(b.summary).toContain('**on the runner**');

    // Not plaintext: no slice of the random file is in what was uploaded…
    const slices = [0, 70_000, 200_000].map((at) => needle.subarray(at, at + 64));
    for (const s of slices) expect(uploaded().at(-1)!.blob!.includes(s)).toBe(false);
    // …while the archive Debian's age opens with the identity has them all, as they were.
    writeFileSync(join(scratch, entry.file), stored);
    const opened = join(scratch, 'opened.tar.zst');
    // The identity through a pipe (<(cat) of stdin): it is never written to a file.
    sh(`age -d -i <(cat) -o ${opened} ${join(scratch, entry.file)}`, { input: id });
    const plain = readFileSync(opened);
    for (const s of slices) expect(plain.includes(s)).toBe(true);
    const out = join(scratch, 'extracted');
    mkdirSync(out);
    sh(`zstd -dc ${opened} | tar -xpf - -C ${out}`);
    expect(readFileSync(join(out, 'needle.bin')).equals(needle)).toBe(true);
    expect(extractedFingerprint(out, v1.ref)).toBe(volumeFingerprint(app, v1.ref));
    expect(volumeFingerprint(app, v1.ref)).toContain('./needle.bin regular file 640 1234:55 262144');

    // destination artifact alone keeps nothing on the host.
    expect(backupsOnHost(app)).toEqual(before);

    const dir = join(scratch, 'downloaded');
    mkdirSync(dir);
    for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
    downloaded = { dir, identity: id, manifest };
  });

  it('with destination host, refuses: the copy kept there would be plaintext; says what to do and changes nothing', async () => {
    const recipient = recipientOf(identity());
    const uploads = uploaded().length;
    const started = webStartedAt();
    for (const destination of ['host', 'host, artifact']) {
      const b = await backupAction(
        info,
        app,
        { 'ssh-key': noAge.privateKey, destination, 'encrypt-to': recipient, 'stop-services': 'web' },
        { env: env() },
      );
      expect(b.exitCode).toBe(1);
      expect(visibleLog(b)).toContain(
        `Input 'encrypt-to': ${info.hostSpec} has no age, and destination host keeps a copy there that only the host can encrypt; install age on the host (apt-get install age), or use destination: artifact to encrypt on the runner`,
      );
      expect(b.outputs['backup-id'] ?? '').toBe('');
      expect(b.summary).toContain(`## ❌ Backup: failed: bad input (nothing changed)`);
      expect(b.summary).toContain(`Input 'encrypt-to': \`${info.hostSpec}\` has no age`);
    }
    expect(backupsOnHost(app)).toEqual([]);
    expect(onHost(`ls ${app.root}/backups 2>/dev/null | wc -l`)).toBe('0');
    expect(webStartedAt()).toBe(started);
    expect(uploaded().length).toBe(uploads);
  });

  it('refuses, before anything changes, recipients the runner cannot encrypt to', async () => {
    sh(`ssh-keygen -q -t ed25519 -N '' -f ${scratch}/recipient`);
    const sshKey = readFileSync(`${scratch}/recipient.pub`, 'utf8').trim();
    // The shape of an age1… key with its last character changed: the checksum fails.
    const good = recipientOf(identity());
    const broken = good.slice(0, -1) + (good.endsWith('q') ? 'p' : 'q');
    const uploads = uploaded().length;
    for (const [recipient, says] of [
      [sshKey, 'has no age, and the runner encrypts to age1… recipients only, not ssh-ed25519 keys'],
      [broken, `'${broken.slice(0, 20)}…' is not a valid age1… recipient (its checksum fails)`],
    ] as const) {
      const b = await backupAction(
        info,
        app,
        { 'ssh-key': noAge.privateKey, destination: 'artifact', 'encrypt-to': recipient },
        { env: env() },
      );
      expect(b.exitCode).toBe(1);
      expect(visibleLog(b)).toContain(`Input 'encrypt-to': `);
      expect(visibleLog(b)).toContain(says);
    }
    expect(uploaded().length).toBe(uploads);
    expect(backupsOnHost(app)).toEqual([]);
  });

  const staged = () => onHost(`ls -A ${app.root}/backups 2>/dev/null | grep '^\\.incoming' || true`);

  it('restores the downloaded artifact through the host without age: opened on the runner, the volume back byte for byte, nothing of it left on the host', async () => {
    const want = volumeFingerprint(app, v1.ref);
    inVolume(app, v1.ref, 'rm -rf /data/* && echo replaced > /data/other.txt');
    expect(volumeFingerprint(app, v1.ref)).not.toBe(want);
    const before = backupsOnHost(app);

    const r = await restoreAction(info, app, {
      'ssh-key': noAge.privateKey,
      'backup-dir': downloaded.dir,
      'decrypt-key': downloaded.identity,
    });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(r.outputs['backup-id']).toBe(downloaded.manifest.id);
    expect(visibleLog(r)).toContain(`sent ${downloaded.manifest.archives[0]!.file} (`);
    expect(volumeFingerprint(app, v1.ref)).toBe(want);
    expect(inVolume(app, v1.ref, 'cat /data/needle.bin').length).toBeGreaterThan(0);
    expect(webRunning(app)).toBe(true);

    // What was there is kept in a safety backup, in the clear (the host has no age to encrypt it).
    const safety = r.outputs['safety-backup-id']!;
    expect(safety).toMatch(/-pre-restore$/);
    expect(backupsOnHost(app)).toEqual([...before, { id: safety, complete: true }]);
    expect(visibleLog(r)).toContain('the safety backup is not encrypted: the host has no age');
    expect(onHost(`ls ${app.root}/backups/${safety}`)).toMatch(/^manifest\.json\nvolume-.*\.tar\.zst$/);
    // The archives sent from the runner are gone from the host.
    expect(staged()).toBe('');
    expect(r.summary).toContain(`restored backup \`${downloaded.manifest.id}\``);
    expect(r.summary).toContain(`Read from the runner (\`${downloaded.dir}\`)`);
  });

  it('refuses a backup-dir whose archive is damaged, without the identity that opens it, or on a host without its decompressor, before anything changes', async () => {
    const started = webStartedAt();
    const before = backupsOnHost(app);
    const content = volumeFingerprint(app, v1.ref);
    const bad = join(scratch, 'damaged');
    mkdirSync(bad);
    for (const f of readdirSync(downloaded.dir)) writeFileSync(join(bad, f), readFileSync(join(downloaded.dir, f)));
    const archive = join(bad, downloaded.manifest.archives[0]!.file);
    const bytes = readFileSync(archive);
    bytes[bytes.length >> 1]! ^= 0x40;
    writeFileSync(archive, bytes);
    const empty = join(scratch, 'empty');
    mkdirSync(empty);

    for (const [inputs, says] of [
      [
        { 'backup-dir': bad, 'decrypt-key': downloaded.identity },
        `refusing to restore backup ${downloaded.manifest.id}: ${archive} on the runner has sha256`,
      ],
      [{ 'backup-dir': downloaded.dir }, `Input 'decrypt-key': backup ${downloaded.manifest.id} is encrypted (age)`],
      [
        { 'backup-dir': downloaded.dir, 'decrypt-key': identity() },
        `Input 'decrypt-key': does not open ${downloaded.manifest.archives[0]!.file}`,
      ],
      [
        { 'backup-dir': join(scratch, 'nowhere') },
        `Input 'backup-dir': '${join(scratch, 'nowhere')}' is not a folder on the runner`,
      ],
      [{ 'backup-dir': empty, 'decrypt-key': downloaded.identity }, `Input 'backup-dir': '${empty}' holds no backup`],
    ] as const) {
      const r = await restoreAction(info, app, { 'ssh-key': noAge.privateKey, 'stop-services': 'web', ...inputs });
      expect(r.exitCode, visibleLog(r)).toBe(1);
      expect(visibleLog(r)).toContain(says);
    }
    // A new server without the decompressor the backup was made with: said before anything changes.
    const noZstd = keyWithoutTools(info, /^(age|zstd)($|-)/);
    try {
      const r = await restoreAction(info, app, {
        'ssh-key': noZstd.privateKey,
        'backup-dir': downloaded.dir,
        'decrypt-key': downloaded.identity,
        'stop-services': 'web',
      });
      expect(r.exitCode).toBe(1);
      expect(visibleLog(r)).toContain(
        `${info.hostSpec} has no zstd to decompress backup ${downloaded.manifest.id}; install it (apt-get install zstd). Nothing was changed.`,
      );
    } finally {
      noZstd.remove();
    }
    expect(webStartedAt()).toBe(started);
    expect(backupsOnHost(app)).toEqual(before);
    expect(volumeFingerprint(app, v1.ref)).toBe(content);
    expect(staged()).toBe('');
  });
});
