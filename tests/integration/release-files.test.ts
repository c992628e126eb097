// Files the compose file names travel with each release and come back with a rollback; SOPS files
// reach the container decrypted, 0600 on the host, their values nowhere in the log, the summary or
// release.json; a tampered file, a wrong key and a ../ path are refused with the host unchanged.
// A promotion through promote.yml deploys the source's digest with the target's own config file.
// Through the bundled dist/deploy, dist/rollback and dist/current-release, looked at on the servers.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity } from 'age-encryption';
import { beforeAll, expect, it } from 'vitest';
import { onServer, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, visibleLog, type TestApp } from '../support/deployKit.js';
import { startGithubApi } from '../support/githubApiServer.js';
import { runWorkflow } from '../support/workflowRun.js';
import { currentOnHost, onHost, releasesOnHost } from '../support/hostState.js';
import { rollback } from '../support/rollbackKit.js';
import { describeOnSandbox, sandboxInfo, suiteApps, versionImage } from '../support/sandboxSuite.js';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sops');
const sopsKey = readFileSync(join(fixtures, 'key.txt'), 'utf8');
const SECRET = 'this is a secret';

describeOnSandbox('release files', () => {
  const info = sandboxInfo();
  let v1: TestImage;
  const { app, track } = suiteApps();
  const container = (a: TestApp) => `$(docker ps -q --filter label=com.docker.compose.project=${a.name} | head -1)`;
  const inContainer = (a: TestApp, cmd: string) => onHost(`docker exec ${container(a)} /bin/sh -c '${cmd}'`);
  /** Adds lines under the web service of the app's compose file. */
  const addToService = (a: TestApp, lines: string[]) => {
    const file = join(a.workspace, 'docker-compose.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('    volumes:\n', `${lines.join('\n')}\n    volumes:\n`));
  };
  const addVolume = (a: TestApp, spec: string) => {
    const file = join(a.workspace, 'docker-compose.yml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('      - data:/data\n', `      - data:/data\n      - ${spec}\n`),
    );
  };
  const write = (a: TestApp, path: string, content: string) => {
    mkdirSync(join(a.workspace, path, '..'), { recursive: true });
    writeFileSync(join(a.workspace, path), content);
  };
  const manifest = (a: TestApp, id: string) =>
    JSON.parse(onHost(`cat ${a.root}/releases/${id}/release.json`)) as {
      files?: { path: string; sha256: string; sops?: boolean }[];
    };

  beforeAll(async () => {
    v1 = await versionImage(info, 'njord-test/files', 'v1');
  });

  it('a bind-mounted config file and an env_file change across releases and come back on rollback', async () => {
    const a = await app('files');
    addToService(a, ['    env_file: ./app.env']);
    addVolume(a, './config/app.yaml:/etc/app/config.yaml:ro');
    write(a, 'config/app.yaml', 'risk: 1\n');
    write(a, 'app.env', 'MODE=one\n');
    const first = await deploy(info, a, v1.refByDigest);
    expect(first.exitCode, visibleLog(first)).toBe(0);
    expect(inContainer(a, 'cat /etc/app/config.yaml; echo "$MODE"')).toBe('risk: 1\none');
    expect(manifest(a, first.outputs.release!).files?.map((f) => f.path)).toEqual(['config/app.yaml', 'app.env']);

    write(a, 'config/app.yaml', 'risk: 2\n');
    write(a, 'app.env', 'MODE=two\n');
    const second = await deploy(info, a, v1.refByDigest);
    expect(second.exitCode, visibleLog(second)).toBe(0);
    expect(inContainer(a, 'cat /etc/app/config.yaml; echo "$MODE"')).toBe('risk: 2\ntwo');

    const back = await rollback(info, a);
    expect(back.exitCode, visibleLog(back)).toBe(0);
    expect(currentOnHost(a)).toBe(first.outputs.release);
    expect(inContainer(a, 'cat /etc/app/config.yaml; echo "$MODE"')).toBe('risk: 1\none');
  });

  it('SOPS dotenv and YAML reach the container decrypted, 0600 on the host, their values shown nowhere', async () => {
    const a = await app('sops');
    copyFileSync(join(fixtures, 'secret.enc.env'), join(a.workspace, 'secrets.enc.env'));
    copyFileSync(join(fixtures, 'secret.enc.yaml'), join(a.workspace, 'secrets.enc.yaml'));
    addToService(a, ['    env_file: ./secrets.enc.env']);
    addVolume(a, './secrets.enc.yaml:/run/app/secrets.yaml:ro');
    const run = await deploy(info, a, v1.refByDigest, { 'sops-age-key': sopsKey });
    expect(run.exitCode, visibleLog(run)).toBe(0);
    const id = run.outputs.release!;
    expect(inContainer(a, 'echo "$secret"; grep "^secret:" /run/app/secrets.yaml')).toBe(
      `${SECRET}\nsecret: ${SECRET}`,
    );
    expect(onHost(`stat -c '%a %n' ${a.root}/releases/${id}/secrets.enc.*`).split('\n')).toEqual([
      `600 ${a.root}/releases/${id}/secrets.enc.env`,
      `600 ${a.root}/releases/${id}/secrets.enc.yaml`,
    ]);
    const json = onHost(`cat ${a.root}/releases/${id}/release.json`);
    expect(manifest(a, id).files).toEqual([
      { path: 'secrets.enc.yaml', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sops: true },
      { path: 'secrets.enc.env', sha256: expect.stringMatching(/^[0-9a-f]{64}$/), sops: true },
    ]);
    for (const where of [visibleLog(run), run.summary, json]) expect(where).not.toContain(SECRET);
    // The value is masked for the runner, and the key never reaches the host.
    expect(run.stdout).toContain(`::add-mask::${SECRET}`);
    expect(onHost(`grep -rl AGE-SECRET-KEY ${a.root} || echo none`)).toBe('none');

    // Refused before any host change: a tampered file, a key that opens none of its recipients, a ../ path.
    const before = { releases: releasesOnHost(a), current: currentOnHost(a) };
    const original = readFileSync(join(a.workspace, 'secrets.enc.yaml'), 'utf8');
    const lines = original.split('\n');
    const firstItem = lines.findIndex((l) => l.trim().startsWith('- ENC['));
    writeFileSync(join(a.workspace, 'secrets.enc.yaml'), lines.filter((_, i) => i !== firstItem).join('\n'));
    const tampered = await deploy(info, a, v1.refByDigest, { 'sops-age-key': sopsKey });
    expect(tampered.exitCode).toBe(1);
    expect(tampered.stderr + tampered.stdout).toMatch(/secrets\.enc\.yaml \(SOPS\): its MAC does not match/);
    writeFileSync(join(a.workspace, 'secrets.enc.yaml'), original);

    const wrongKey = await deploy(info, a, v1.refByDigest, { 'sops-age-key': await generateIdentity() });
    expect(wrongKey.exitCode).toBe(1);
    expect(wrongKey.stderr + wrongKey.stdout).toMatch(/sops-age-key.*opens none of its recipients: age1je6k/);

    addVolume(a, '../../etc/passwd:/etc/host-passwd:ro');
    const escape = await deploy(info, a, v1.refByDigest, { 'sops-age-key': sopsKey });
    expect(escape.exitCode).toBe(1);
    expect(escape.stderr + escape.stdout).toMatch(/docker-compose\.yml:\d+ .*\.\.\/\.\.\/etc\/passwd.*climbs out/);

    expect({ releases: releasesOnHost(a), current: currentOnHost(a) }).toEqual(before);
    expect(inContainer(a, 'echo "$secret"')).toBe(SECRET);
  });

  it('promote.yml deploys the digest that runs in staging to production, with production’s own config', async () => {
    const [staging, production] = info.servers;
    const a = await app('promote');
    // The same app on the second server is production; removed after the suite too.
    const prod: TestApp = { ...a, server: production!.name };
    track(prod);
    addVolume(a, './config/environments/${NJORD_ENV}.yaml:/etc/app/config.yaml:ro');
    write(a, 'config/environments/staging.yaml', 'env: staging\n');
    write(a, 'config/environments/production.yaml', 'env: production\n');
    const gitSha = 'c0ffee'.padEnd(40, '0');
    const staged = await deploy(
      info,
      a,
      v1.ref,
      { hosts: staging!.hostSpec, env: 'NJORD_ENV=staging' },
      { env: { GITHUB_SHA: gitSha } },
    );
    expect(staged.exitCode, visibleLog(staged)).toBe(0);
    const source = JSON.parse(onHost(`cat ${a.root}/releases/${staged.outputs.release}/release.json`)) as {
      digest: string;
    };

    const token = 'ghs_promoteWorkflowToken42';
    const api = await startGithubApi({ token });
    try {
      const r = await runWorkflow('.github/workflows/promote.yml', {
        inputs: {
          from: 'staging',
          to: 'production',
          'source-hosts': staging!.hostSpec,
          hosts: production!.hostSpec,
          app: a.name,
          env: 'NJORD_ENV=production',
          'health-url': `http://127.0.0.1:${a.port}/health`,
          'health-timeout': '8',
        },
        secrets: { SSH_PRIVATE_KEY: info.privateKey, SSH_KNOWN_HOSTS: info.knownHosts },
        workspace: a.workspace,
        env: { GITHUB_TOKEN: token, GITHUB_API_URL: api.url },
      });
      const step = r.step('deploy');
      expect(step.result, step.run ? visibleLog(step.run) : '').toBe('success');
      const imageRef = `${v1.ref.replace(/:[^/:]+$/, '')}@${source.digest}`;
      expect(r.outputs).toMatchObject({ status: 'deployed', 'image-ref': imageRef });
      const onProd = (cmd: string) => onServer(production!.name, cmd).trim();
      const release = JSON.parse(onProd(`cat ${a.root}/releases/${r.outputs.release}/release.json`)) as Record<
        string,
        unknown
      >;
      expect(release).toMatchObject({ image: imageRef, digest: source.digest, gitSha });
      expect(
        onProd(
          `docker exec $(docker ps -q --filter label=com.docker.compose.project=${a.name} | head -1) cat /etc/app/config.yaml`,
        ),
      ).toBe('env: production');
      expect(api.deployments.map((d) => [d.environment, d.sha])).toEqual([['production', gitSha]]);
    } finally {
      await api.close();
    }
  });
});
