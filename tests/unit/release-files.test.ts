// The files a compose file names travel with the release: found with their line, refused when they
// climb out, are missing or too big, and packed in an archive that tar unpacks with their modes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeReferences } from '../../src/release/ComposeReferences.js';
import { gatherReleaseFiles, MAX_RELEASE_FILES_BYTES } from '../../src/release/ReleaseFiles.js';
import { tarArchive } from '../../src/release/TarArchive.js';

const compose = `services:
  web:
    image: \${IMAGE}
    env_file:
      - ./app.env
    volumes:
      - ./config/\${NJORD_ENV}.yaml:/etc/app/config.yaml:ro
      - data:/var/lib/app
      - /var/run/docker.sock:/var/run/docker.sock
      - type: bind
        source: ./static
        target: /srv
configs:
  limits:
    file: ./limits.json
secrets:
  token:
    file: ./token.txt
volumes:
  data: {}
`;

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'njord-files-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const vars = new Map([['NJORD_ENV', 'staging']]);
const gather = (ws: string, content: string, extra: { globs?: string[]; keys?: string[] } = {}) =>
  gatherReleaseFiles({
    workspace: ws,
    composeSources: [{ source: 'docker-compose.yml', name: 'docker-compose.yml', content }],
    vars,
    globs: extra.globs ?? [],
    sopsKeys: extra.keys ?? [],
  });

describe('compose references', () => {
  it('finds bind sources, env_file, configs, secrets with their lines; leaves absolute paths and volumes', () => {
    const refs = composeReferences('docker-compose.yml', compose, vars);
    expect(refs.map((r) => [r.path, r.line, r.field])).toEqual([
      ['./config/staging.yaml', 7, 'services.web.volumes'],
      ['./static', 11, 'services.web.volumes'],
      ['./app.env', 5, 'services.web.env_file'],
      ['./limits.json', 15, 'configs.limits.file'],
      ['./token.txt', 18, 'secrets.token.file'],
    ]);
  });

  it('refuses a variable in a path that the env input does not set, naming file and line', () => {
    expect(() => composeReferences('docker-compose.yml', compose, new Map())).toThrow(
      /docker-compose.yml:7: .*\$\{NJORD_ENV\}.*set NJORD_ENV in env/,
    );
  });
});

describe('gathering the files of a release', () => {
  const files = {
    'app.env': 'MODE=staging\n',
    'config/staging.yaml': 'risk: 1\n',
    'config/production.yaml': 'risk: 2\n',
    'static/index.html': '<p>hi</p>\n',
    'limits.json': '{}\n',
    'token.txt': 'not a secret\n',
  };

  it('lists each file with its sha256 and packs them for tar, modes kept', async () => {
    const ws = workspace(files);
    const got = (await gather(ws, compose))!;
    expect(got.files.map((f) => f.path)).toEqual([
      'config/staging.yaml',
      'static/index.html',
      'app.env',
      'limits.json',
      'token.txt',
    ]);
    expect(got.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const out = mkdtempSync(join(tmpdir(), 'njord-untar-'));
    execFileSync('tar', ['-x', '-p', '-f', '-', '-C', out], { input: got.archive });
    expect(readFileSync(join(out, 'config/staging.yaml'), 'utf8')).toBe('risk: 1\n');
    expect(statSync(join(out, 'app.env')).mode & 0o777).toBe(0o644);
  });

  it('adds the files input, with ! excludes', async () => {
    const ws = workspace(files);
    const got = (await gather(ws, 'services:\n  a:\n    image: x\n', {
      globs: ['config/*.yaml', '!config/production.yaml'],
    }))!;
    expect(got.files.map((f) => f.path)).toEqual(['config/staging.yaml']);
  });

  it('refuses a path that climbs out, naming the compose file and line', async () => {
    const ws = workspace(files);
    const bad = 'services:\n  a:\n    image: x\n    volumes:\n      - ../../etc/passwd:/etc/passwd\n';
    await expect(gather(ws, bad)).rejects.toThrow(/docker-compose.yml:5 .*\.\.\/\.\.\/etc\/passwd.*climbs out/);
  });

  it('skips a missing env_file that compose may skip (required: false)', async () => {
    const ws = workspace({ 'app.env': 'A=1\n' });
    const c =
      'services:\n  a:\n    image: x\n    env_file:\n      - ./app.env\n      - path: ./local.env\n        required: false\n';
    expect((await gather(ws, c))!.files.map((f) => f.path)).toEqual(['app.env']);
  });

  it('refuses a missing file', async () => {
    const ws = workspace({ 'app.env': '' });
    await expect(gather(ws, compose)).rejects.toThrow(
      /Input 'compose-file': docker-compose.yml:7 .*not in the workspace/,
    );
  });

  it('refuses a total over the limit, with the sizes', async () => {
    const ws = workspace({ 'big.bin': '' });
    writeFileSync(join(ws, 'big.bin'), Buffer.alloc(MAX_RELEASE_FILES_BYTES + 1));
    const c = 'services:\n  a:\n    image: x\n    volumes:\n      - ./big.bin:/big\n';
    await expect(gather(ws, c)).rejects.toThrow(/total 10.0 MiB, over the 10.0 MiB .*big.bin/);
  });

  it('decrypts a SOPS file that travels into a 0600 file; refuses it without a key, naming recipients', async () => {
    const ws = workspace({});
    const sops = join(import.meta.dirname, '..', 'fixtures', 'sops');
    copyFileSync(join(sops, 'secret.enc.env'), join(ws, 'secret.enc.env'));
    const c = 'services:\n  a:\n    image: x\n    env_file: ./secret.enc.env\n';
    await expect(gather(ws, c)).rejects.toThrow(/Input 'sops-age-key': secret.enc.env is SOPS-encrypted \(to age1je6k/);
    const key = readFileSync(join(sops, 'key.txt'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('AGE-'))!;
    const got = (await gather(ws, c, { keys: [key] }))!;
    expect(got.files[0]).toMatchObject({ path: 'secret.enc.env', sops: true });
    expect(got.secretValues).toContain('this is a secret');
    const out = mkdtempSync(join(tmpdir(), 'njord-untar-'));
    execFileSync('tar', ['-x', '-p', '-f', '-', '-C', out], { input: got.archive });
    expect(statSync(join(out, 'secret.enc.env')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, 'secret.enc.env'), 'utf8')).toContain('secret=this is a secret');
  });

  it('keeps long paths with the ustar prefix', () => {
    const path = `${'d'.repeat(90)}/${'e'.repeat(90)}/file.txt`;
    const out = mkdtempSync(join(tmpdir(), 'njord-untar-'));
    execFileSync('tar', ['-x', '-f', '-', '-C', out], {
      input: tarArchive([{ path, content: Buffer.from('x'), mode: 0o644 }]),
    });
    expect(readFileSync(join(out, path), 'utf8')).toBe('x');
  });
});
