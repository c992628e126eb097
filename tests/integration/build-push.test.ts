// The build-push action end to end, through the bundled dist/build-push as the runner runs it: real
// builds with this machine's docker (the classic builder), pushed to the sandbox registry and to a
// registry with basic auth behind TLS. What is checked is what a user would check: the registry's
// own digest of each tag, the labels on the pulled image, the logs, the job summary.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAction, type ActionRun, type RunActionOptions } from '../harness/runAction.js';
import {
  startAuthRegistry,
  startTokenRegistry,
  type AuthRegistry,
  type TokenRegistry,
} from '../sandbox/AuthRegistry.js';
import { sh } from '../sandbox/Sandbox.js';
import { visibleLog } from '../support/deployKit.js';
import { watchProcesses } from '../support/processWatch.js';
import { describeOnSandbox, sandboxInfo } from '../support/sandboxSuite.js';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Reply {
  status: number;
  digestHeader: string;
  body: string;
}

/** A GET to a registry's API, plain HTTP or TLS with our CA and basic auth (the test's own client). */
function registryGet(host: string, path: string, auth?: AuthRegistry): Promise<Reply> {
  if (!auth)
    return fetch(`http://${host}${path}`, { headers: { Accept: ACCEPT } }).then(async (r) => ({
      status: r.status,
      digestHeader: r.headers.get('docker-content-digest') ?? '',
      body: await r.text(),
    }));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: host.split(':')[0],
        port: Number(host.split(':')[1]),
        path,
        ca: readFileSync(auth.caCert),
        headers: {
          Accept: ACCEPT,
          Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (b: Buffer) => chunks.push(b));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            digestHeader: String(res.headers['docker-content-digest'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The digest the registry has for repo:tag, checked against the manifest's own bytes. */
async function digestInRegistry(host: string, repo: string, tag: string, auth?: AuthRegistry): Promise<string> {
  const r = await registryGet(host, `/v2/${repo}/manifests/${tag}`, auth);
  if (r.status !== 200) return `HTTP ${r.status}`;
  const own = `sha256:${createHash('sha256').update(r.body).digest('hex')}`;
  expect(r.digestHeader).toBe(own);
  return own;
}

async function tagsInRegistry(host: string, repo: string, auth?: AuthRegistry): Promise<string[]> {
  const r = await registryGet(host, `/v2/${repo}/tags/list`, auth);
  if (r.status === 404) return [];
  expect(r.status).toBe(200);
  return ((JSON.parse(r.body) as { tags?: string[] }).tags ?? []).sort();
}

/** The OCI labels the action computes for a push of `sha` on the main branch of acme/shop. */
const mainBranchLabels = (sha: string) => ({
  'org.opencontainers.image.source': 'https://github.com/acme/shop',
  'org.opencontainers.image.url': 'https://github.com/acme/shop',
  'org.opencontainers.image.revision': sha,
  'org.opencontainers.image.version': 'main',
  'org.opencontainers.image.title': 'shop',
  'org.opencontainers.image.description': 'The shop',
});

/** The tags a push of `sha` to main gets (TagRules), as a user expects them: not the action's word. */
const mainBranchTags = (sha: string) => ['main', 'latest', `sha-${sha.slice(0, 7)}`];

/** Pulls image@digest afresh (a DOCKER_CONFIG with a login, for a registry that wants one) and reads its labels. */
function pulledLabels(image: string, digest: string, dockerConfig?: string): Record<string, string> {
  const env = dockerConfig ? { ...process.env, DOCKER_CONFIG: dockerConfig } : undefined;
  sh(`docker images -q ${image} | sort -u | xargs -r docker rmi -f >/dev/null`);
  sh(`docker pull -q ${image}@${digest}`, { env });
  return JSON.parse(sh(`docker image inspect --format '{{json .Config.Labels}}' ${image}@${digest}`)) as Record<
    string,
    string
  >;
}

/**
 * A tiny FROM-scratch build context: static busybox, a build arg written at build time, a stamp file
 * that makes each image new, and a second stage for `target`.
 */
function buildContext(stamp: string, dockerfile = true): string {
  const ws = mkdtempSync(join(tmpdir(), 'njord-bp-ws-'));
  mkdirSync(join(ws, 'bin'));
  const busybox = existsSync('/bin/busybox') ? '/bin/busybox' : '/usr/bin/busybox';
  copyFileSync(busybox, join(ws, 'bin', 'busybox'));
  chmodSync(join(ws, 'bin', 'busybox'), 0o755);
  writeFileSync(join(ws, 'stamp.txt'), `${stamp}\n`);
  if (dockerfile)
    writeFileSync(
      join(ws, 'Dockerfile'),
      [
        'FROM scratch AS base',
        'COPY bin/busybox /bin/busybox',
        'ARG GREETING=hello',
        'RUN ["/bin/busybox", "sh", "-c", "echo \\"$GREETING\\" > /greeting"]',
        'COPY stamp.txt /stamp.txt',
        'CMD ["/bin/busybox", "cat", "/greeting", "/stamp.txt"]',
        '',
        'FROM base AS full',
        'RUN ["/bin/busybox", "touch", "/full"]',
        '',
      ].join('\n'),
    );
  return ws;
}

let counter = 0;
const repoName = (what: string) => `njord-test/bp-${what}-${process.pid}-${++counter}`;
const hex40 = () => createHash('sha1').update(`${Date.now()}-${Math.random()}`).digest('hex');

interface Event {
  name?: string;
  ref?: string;
  sha?: string;
  payload?: object;
}

function eventEnv(scratch: string, e: Event = {}): Record<string, string> {
  const file = join(scratch, `event-${++counter}.json`);
  writeFileSync(file, JSON.stringify(e.payload ?? { repository: { default_branch: 'main', description: 'The shop' } }));
  return {
    GITHUB_EVENT_NAME: e.name ?? 'push',
    GITHUB_REF: e.ref ?? 'refs/heads/main',
    GITHUB_SHA: e.sha ?? hex40(),
    GITHUB_EVENT_PATH: file,
  };
}

describeOnSandbox('build-push action', () => {
  const info = sandboxInfo();
  let scratch: string;
  const images = new Set<string>();
  const dirs: string[] = [];

  const run = (
    ws: string,
    inputs: Record<string, string>,
    event: Event = {},
    opts: RunActionOptions = {},
  ): Promise<ActionRun> => {
    dirs.push(ws);
    if (inputs.image) images.add(inputs.image.toLowerCase());
    return runAction('actions/build-push', inputs, {
      workspace: ws,
      ...opts,
      env: { ...eventEnv(scratch, event), ...opts.env },
    });
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'njord-bp-'));
  });

  afterAll(() => {
    // By id: the images pulled by digest have no tag.
    for (const image of images)
      sh(`docker images -q ${image} | sort -u | xargs -r docker rmi -f >/dev/null 2>&1 || true`);
    for (const d of [scratch, ...dirs]) rmSync(d, { recursive: true, force: true });
  });

  it('pushes to the sandbox registry: the digest output is the manifest every computed tag resolves to, labels on the pulled image', async () => {
    const repo = repoName('main');
    const image = `${info.registry}/${repo}`;
    const sha = hex40();
    const ws = buildContext('main-1');
    const r = await run(
      ws,
      {
        image,
        'build-args': 'GREETING=hi from the build arg',
        labels:
          'org.example.team=web\norg.opencontainers.image.vendor=Acme\norg.example.note=say "hi" to $HOME \\ later',
      },
      { sha },
    );
    expect(r.exitCode, visibleLog(r)).toBe(0);

    const short = sha.slice(0, 7);
    const digest = r.outputs.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(r.outputs).toMatchObject({
      image,
      'image-ref': `${image}@${digest}`,
      version: 'main',
      tags: mainBranchTags(sha)
        .map((t) => `${image}:${t}`)
        .join('\n'),
    });
    for (const tag of mainBranchTags(sha)) expect(await digestInRegistry(info.registry, repo, tag), tag).toBe(digest);
    // cache: gha (the default) falls back to a registry cache tag on the classic builder.
    expect(await tagsInRegistry(info.registry, repo)).toEqual(['buildcache', 'latest', 'main', `sha-${short}`]);
    expect(r.stdout).toContain('Builder: classic docker build');
    // The first tag is pushed by docker; the others get the same manifest through the registry API.
    expect(r.stdout).toContain(`[push main] docker push ${image}:main`);
    expect(r.stdout).toContain(`Tagged latest, sha-${short}, buildcache in the registry: the same manifest, ${digest}`);

    // What a user pulls: the labels, and the image runs with the build arg baked in.
    const labels = pulledLabels(image, digest);
    expect(labels).toMatchObject({
      ...mainBranchLabels(sha),
      'org.opencontainers.image.vendor': 'Acme',
      'org.example.team': 'web',
      'org.example.note': 'say "hi" to $HOME \\ later',
    });
    // All labels in one LABEL step appended to a copy of the Dockerfile, not a step per --label.
    expect(r.stdout.match(/^Step \d+\/\d+ : LABEL /gm)).toHaveLength(1);
    expect(r.stdout).not.toContain('--label');
    expect(Date.now() - Date.parse(labels['org.opencontainers.image.created'] ?? '')).toBeLessThan(10 * 60_000);
    expect(sh(`docker run --rm ${image}@${digest}`)).toBe('hi from the build arg\nmain-1\n');
    // The last stage is built when no target is given.
    expect(sh(`docker run --rm ${image}@${digest} /bin/busybox ls /full`).trim()).toBe('/full');

    expect(r.summary).toContain(`Build and push: pushed ${image}@${digest}`);
    expect(r.summary).toContain(`\`${digest}\``);
    expect(r.summary).toMatch(/`main` `latest` `sha-[0-9a-f]{7}`/);
    expect(r.summary).toMatch(/\| \d+(\.\d)? (kB|MB) compressed \|/);
    expect(r.summary).toContain('Every tag was read back from the registry');
    expect(r.summary).toContain('org.example.team=web');
    expect(r.annotations.filter((a) => a.kind !== 'notice')).toEqual([]);
    // Nothing left to clean up after a successful step: no post step (post-if: failure() || cancelled()).
    expect(r.post).toBeUndefined();
  });

  describe("buildx (Debian trixie's plugin, in a DOCKER_CONFIG of this test's own), the default docker driver", () => {
    /** A runner whose docker CLI has buildx: DOCKER_CONFIG with the plugin in its cli-plugins. */
    const buildxConfig = (): string => {
      if (!info.buildxPlugin) throw new Error(`the sandbox has no buildx plugin: ${info.buildxMissing}`);
      const config = mkdtempSync(join(scratch, 'buildx-config-'));
      mkdirSync(join(config, 'cli-plugins'));
      symlinkSync(info.buildxPlugin, join(config, 'cli-plugins', 'docker-buildx'));
      return config;
    };

    it('one buildx build --push: the digest from its metadata file is the manifest every computed tag resolves to, labels on the pulled image', async () => {
      const repo = repoName('buildx');
      const image = `${info.registry}/${repo}`;
      const sha = hex40();
      const r = await run(
        buildContext('buildx-1'),
        { image, cache: 'none', 'build-args': 'GREETING=hi from buildx', labels: 'org.example.team=web' },
        { sha },
        { env: { DOCKER_CONFIG: buildxConfig() } },
      );
      expect(r.exitCode, visibleLog(r)).toBe(0);
      expect(r.stdout).toMatch(/^Builder: buildx \S+ \('default', docker driver\)$/m);
      expect(r.stdout).toMatch(/\[build and push\] docker buildx build .*--push --metadata-file \S+metadata\.json /);
      expect(r.stdout).not.toContain('docker push');

      const digest = r.outputs.digest!;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(r.outputs['image-ref']).toBe(`${image}@${digest}`);
      for (const tag of mainBranchTags(sha)) expect(await digestInRegistry(info.registry, repo, tag), tag).toBe(digest);
      expect(await tagsInRegistry(info.registry, repo)).toEqual(mainBranchTags(sha).sort());

      expect(pulledLabels(image, digest)).toMatchObject({ ...mainBranchLabels(sha), 'org.example.team': 'web' });
      expect(sh(`docker run --rm ${image}@${digest}`)).toBe('hi from buildx\nbuildx-1\n');

      expect(r.summary).toContain(`Build and push: pushed ${image}@${digest}`);
      expect(r.summary).toMatch(/\| buildx \S+ \(docker\) \|/);
      expect(r.summary).toContain('in the build');
      expect(r.summary).toContain('Every tag was read back from the registry');
      expect(r.annotations.filter((a) => a.kind !== 'notice')).toEqual([]);
    });

    it('cache: registry needs a docker-container builder; where it cannot start, the error says what to do and nothing is pushed', async () => {
      const repo = repoName('buildx-cache');
      const image = `${info.registry}/${repo}`;
      const config = buildxConfig();
      const r = await run(
        buildContext('buildx-cache'),
        { image, cache: 'registry' },
        {},
        { env: { DOCKER_CONFIG: config } },
      );
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('docker buildx create --name njord-');
      expect(r.annotations.find((a) => a.kind === 'error')?.message).toMatch(
        /^docker buildx create failed \(create a docker-container builder \(the 'default' builder's docker driver cannot export a build cache\)\): [^]*\. cache: registry needs this builder, which runs the moby\/buildkit image; set cache: none, or set up a builder before this step \(docker\/setup-buildx-action\)$/,
      );
      expect(r.stdout).not.toContain('[build and push]');
      expect(await tagsInRegistry(info.registry, repo)).toEqual([]);
      // The half-made builder is gone: buildx knows only its default one.
      const builders = sh('docker buildx ls --format "{{.Name}}"', { env: { ...process.env, DOCKER_CONFIG: config } });
      expect(builders.split('\n').filter((b) => b.startsWith('njord-'))).toEqual([]);
    });
  });

  it('a v1.2.3 tag under node24: 1.2.3, 1.2, 1, latest; a pre-release after it moves none of them', async () => {
    const repo = repoName('semver');
    const image = `${info.registry}/${repo}`;
    const pushTag = (ref: string) =>
      run(buildContext(ref), { image, cache: 'none' }, { ref: `refs/tags/${ref}` }, { node: 'node24' });
    const release = await pushTag('v1.2.3');
    expect(release.exitCode, visibleLog(release)).toBe(0);
    expect(release.outputs.version).toBe('1.2.3');
    const d1 = release.outputs.digest!;
    for (const tag of ['1.2.3', '1.2', '1', 'latest'])
      expect(await digestInRegistry(info.registry, repo, tag), tag).toBe(d1);

    const rc = await pushTag('v2.0.0-rc.1');
    expect(rc.exitCode, visibleLog(rc)).toBe(0);
    expect(rc.outputs.version).toBe('2.0.0-rc.1');
    const d2 = rc.outputs.digest!;
    expect(d2).not.toBe(d1);
    expect(await digestInRegistry(info.registry, repo, '2.0.0-rc.1')).toBe(d2);
    for (const tag of ['1.2.3', '1.2', '1', 'latest'])
      expect(await digestInRegistry(info.registry, repo, tag), tag).toBe(d1);
    expect(await tagsInRegistry(info.registry, repo)).not.toContain('2');
    expect(await tagsInRegistry(info.registry, repo)).not.toContain('buildcache');
  });

  describe('a registry with basic auth behind TLS', () => {
    let auth: AuthRegistry;
    beforeAll(async () => {
      auth = await startAuthRegistry();
    });
    afterAll(() => auth?.stop());

    it('logs in through stdin with a private docker config, pushes, and leaves no login behind', async () => {
      const repo = repoName('auth');
      const image = `${auth.host}/${repo}`;
      const runnerTemp = mkdtempSync(join(scratch, 'runner-temp-'));
      const leaks = new Set<string>();
      let sawLogin = false;
      let sawPrivateConfig = false;
      const watch = watchProcesses(({ args, environ }) => {
        if (args.includes(auth.password)) leaks.add(args.replace(/\0/g, ' '));
        if (args.startsWith('docker\0login\0') && args.includes('--password-stdin')) {
          sawLogin = true;
          if (environ().includes(`DOCKER_CONFIG=${runnerTemp}/njord-docker-`)) sawPrivateConfig = true;
        }
      }, 2);
      const sha = hex40();
      const r = await run(
        buildContext('auth'),
        { image, username: auth.username, password: auth.password, cache: 'none' },
        { sha },
        { env: { RUNNER_TEMP: runnerTemp } },
      );
      watch.stop();
      expect(r.exitCode, visibleLog(r)).toBe(0);
      const digest = r.outputs.digest!;
      expect(digest).toMatch(/^sha256:/);
      for (const tag of mainBranchTags(sha))
        expect(await digestInRegistry(auth.host, repo, tag, auth), tag).toBe(digest);
      expect(await tagsInRegistry(auth.host, repo, auth)).toEqual(mainBranchTags(sha).sort());
      // The labels on what a user pulls with their own login (the action's login is gone by now).
      const userConfig = mkdtempSync(join(scratch, 'docker-config-'));
      sh(`docker login --username ${auth.username} --password-stdin ${auth.host} >/dev/null 2>&1`, {
        env: { ...process.env, DOCKER_CONFIG: userConfig },
        input: auth.password,
      });
      expect(pulledLabels(image, digest, userConfig)).toMatchObject(mainBranchLabels(sha));
      expect(r.summary).toContain('Every tag was read back from the registry');
      expect(r.summary).toMatch(/\| \d+(\.\d)? (kB|MB) compressed \|/);

      // The password: on stdin only, masked, nowhere on disk; the login gone with its folder.
      expect(sawLogin).toBe(true);
      expect(sawPrivateConfig).toBe(true);
      expect([...leaks]).toEqual([]);
      expect(r.stdout).toContain(`::add-mask::${auth.password}`);
      expect(visibleLog(r)).not.toContain(auth.password);
      expect(r.stdout).toContain(`Logged out of ${auth.host}`);
      expect(readdirSync(runnerTemp)).toEqual([]);
      const homeConfig = join(homedir(), '.docker', 'config.json');
      if (existsSync(homeConfig)) expect(readFileSync(homeConfig, 'utf8')).not.toContain(auth.host);
    });

    it('logged in by an earlier step (docker config, no password): docker pushes each tag, the digest stands', async () => {
      const repo = repoName('outside');
      const image = `${auth.host}/${repo}`;
      const config = mkdtempSync(join(scratch, 'docker-config-'));
      sh(`docker login --username ${auth.username} --password-stdin ${auth.host} >/dev/null 2>&1`, {
        env: { ...process.env, DOCKER_CONFIG: config },
        input: auth.password,
      });
      const r = await run(buildContext('outside'), { image, cache: 'none' }, {}, { env: { DOCKER_CONFIG: config } });
      expect(r.exitCode, visibleLog(r)).toBe(0);
      const digest = r.outputs.digest!;
      expect(r.stdout).toMatch(/\(tagging through the registry API: .*401.*; pushing each tag instead\)/);
      expect(r.stdout).toMatch(/\[push sha-[0-9a-f]{7}\] docker push/);
      for (const tag of r.outputs.tags!.split('\n').map((t) => t.split(':').pop()!))
        expect(await digestInRegistry(auth.host, repo, tag, auth), tag).toBe(digest);
      // This action holds no credentials to read the registry with: it says so rather than guess.
      expect(r.annotations).toContainEqual(
        expect.objectContaining({
          kind: 'warning',
          message: expect.stringMatching(/^Could not read the tags back from the registry/),
        }),
      );
      expect(r.summary).toContain('the digest is the one docker push reported');
      // The earlier step's login is the user's: still there.
      expect(readFileSync(join(config, 'config.json'), 'utf8')).toContain(auth.host);
    });

    it('a killed build: the post step logs out and removes the private docker config', async () => {
      const image = `${auth.host}/${repoName('killed')}`;
      const runnerTemp = mkdtempSync(join(scratch, 'runner-temp-'));
      let killed = false;
      const r = await run(
        buildContext('killed'),
        { image, username: auth.username, password: auth.password },
        {},
        {
          env: { RUNNER_TEMP: runnerTemp },
          onSpawn: (child, step) => {
            if (step !== 'main') return;
            child.stdout!.on('data', (b: Buffer) => {
              if (!killed && b.toString().includes('[build]')) {
                killed = true;
                process.kill(-child.pid!, 'SIGKILL');
              }
            });
          },
        },
      );
      expect(killed).toBe(true);
      expect(r.exitCode).not.toBe(0);
      expect(r.state['docker-config']).toMatch(new RegExp(`^${runnerTemp}/njord-docker-`));
      expect(r.post?.exitCode).toBe(0);
      expect(r.post?.stdout).toContain(
        `Logged out of ${auth.host} and removed the private docker config the build step left`,
      );
      expect(readdirSync(runnerTemp).filter((f) => f.startsWith('njord-docker-'))).toEqual([]);
    });

    it('a wrong password fails with a clear error before anything is built or pushed', async () => {
      const repo = repoName('denied');
      const image = `${auth.host}/${repo}`;
      const r = await run(buildContext('denied'), { image, username: auth.username, password: 'not-the-password' });
      expect(r.exitCode).toBe(1);
      const error = r.annotations.find((a) => a.kind === 'error');
      expect(error?.message).toBe(
        `${auth.host} refused the login of '${auth.username}': wrong username or password (Error response from daemon: login attempt to https://${auth.host}/v2/ failed with status: 401 Unauthorized). Check the username and password inputs.`,
      );
      expect(r.stdout).not.toContain('[build]');
      expect(r.outputs.digest ?? '').toBe('');
      // The run page says so too: the outcome, the image, what failed; never the password.
      expect(r.summary).toContain(`## ❌ Build and push: failed, ${image} not pushed`);
      expect(r.summary).toContain(`| ${image} | ${auth.host} refused the login of '${auth.username}': wrong username`);
      expect(r.summary).not.toContain('not-the-password');
      expect(await tagsInRegistry(auth.host, repo, auth)).toEqual([]);
      expect(r.post?.exitCode).toBe(0);
    });

    it('not logged in: the push is refused and the error says to log in', async () => {
      const repo = repoName('anon');
      const image = `${auth.host}/${repo}`;
      const r = await run(buildContext('anon'), { image, cache: 'none' });
      expect(r.exitCode).toBe(1);
      expect(r.annotations.find((a) => a.kind === 'error')?.message).toMatch(
        new RegExp(
          `^${auth.host.replace(/\./g, '\\.')} wants a login to push ${image}: .*Set the username and password inputs\\.$`,
        ),
      );
      expect(await tagsInRegistry(auth.host, repo, auth)).toEqual([]);
    });
  });

  describe('a registry with token auth, as GHCR and Docker Hub do it', () => {
    let reg: TokenRegistry;
    beforeAll(async () => {
      reg = await startTokenRegistry();
    });
    afterAll(() => reg?.stop());

    /** The test's own token flow: a pull token from the realm the registry names, then the GET. */
    async function getWithToken(repo: string, path: string): Promise<Response> {
      const url = `http://${reg.host}/v2/${repo}/${path}`;
      const challenge = (await fetch(url, { method: 'HEAD' })).headers.get('www-authenticate') ?? '';
      const realm = /realm="([^"]+)"/.exec(challenge)![1]!;
      const service = /service="([^"]+)"/.exec(challenge)![1]!;
      const basic = Buffer.from(`${reg.username}:${reg.password}`).toString('base64');
      const tokenUrl = `${realm}?service=${service}&scope=repository:${repo}:pull`;
      const { token } = (await (await fetch(tokenUrl, { headers: { Authorization: `Basic ${basic}` } })).json()) as {
        token: string;
      };
      return fetch(url, { headers: { Accept: ACCEPT, Authorization: `Bearer ${token}` } });
    }

    async function digestWithToken(repo: string, tag: string): Promise<string> {
      const r = await getWithToken(repo, `manifests/${tag}`);
      if (r.status !== 200) return `HTTP ${r.status}`;
      const own = `sha256:${createHash('sha256')
        .update(Buffer.from(await r.arrayBuffer()))
        .digest('hex')}`;
      expect(r.headers.get('docker-content-digest')).toBe(own);
      return own;
    }

    it('gets tokens with the password for its reads and its tagging; every tag on the digest', async () => {
      const repo = repoName('token');
      const image = `${reg.host}/${repo}`;
      // The token service is in this process: nothing here may block it (no synchronous docker calls).
      const r = await run(buildContext('token'), {
        image,
        username: reg.username,
        password: reg.password,
        cache: 'none',
      });
      expect(r.exitCode, visibleLog(r)).toBe(0);
      const digest = r.outputs.digest!;
      const tags = r.outputs.tags!.split('\n').map((t) => t.split(':').pop()!);
      expect(tags).toHaveLength(3);
      for (const tag of tags) expect(await digestWithToken(repo, tag), tag).toBe(digest);
      expect(r.stdout).toContain(`Tagged ${tags.slice(1).join(', ')} in the registry: the same manifest, ${digest}`);
      expect(r.summary).toContain('Every tag was read back from the registry');
      expect(r.summary).toMatch(/\| \d+(\.\d)? (kB|MB) compressed \|/);
      // The action's own client asked for (and got) a push token for this repository.
      expect(reg.grants).toContainEqual({
        scope: `repository:${repo}:pull,push`,
        account: reg.username,
        actions: ['pull', 'push'],
      });
      expect(visibleLog(r)).not.toContain(reg.password);
    });

    it('a logged-in user without push rights: the push is refused with the explained error, and nothing is pushed', async () => {
      const repo = repoName('reader');
      const image = `${reg.host}/${repo}`;
      const { username, password } = reg.reader;
      const r = await run(buildContext('reader'), { image, username, password, cache: 'none' });
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(`Logged in to ${reg.host} as ${username}`);
      const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      expect(r.annotations.find((a) => a.kind === 'error')?.message).toMatch(
        new RegExp(
          `^${esc(reg.host)} refused the push to ${esc(image)}: .+\\. The user may not write to this repository; check its permissions and the username input\\.$`,
        ),
      );
      // Refused for want of rights, not of a login: docker asked for push, the token service gave pull.
      expect(reg.grants).toContainEqual({
        scope: expect.stringMatching(new RegExp(`^repository:${esc(repo)}:(push,pull|pull,push)$`)),
        account: username,
        actions: ['pull'],
      });
      const tags = await getWithToken(repo, 'tags/list');
      expect(tags.status, await tags.clone().text()).toBe(404);
      expect(((await tags.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe('NAME_UNKNOWN');
      expect(r.stdout).toContain(`Logged out of ${reg.host}`);
      expect(visibleLog(r)).not.toContain(password);
    });
  });

  it('a missing context or Dockerfile names the path, and builds nothing', async () => {
    const image = `${info.registry}/${repoName('missing')}`;
    const ws = buildContext('missing', false);
    const noContext = await run(ws, { image, context: 'services/web' });
    expect(noContext.exitCode).toBe(1);
    expect(noContext.annotations[0]?.message).toBe(
      `Input 'context': 'services/web' is not a directory in the workspace (${ws}/services/web); check out the repository first (actions/checkout) or fix the path`,
    );
    const noFile = await run(ws, { image });
    expect(noFile.exitCode).toBe(1);
    expect(noFile.annotations[0]?.message).toBe(
      `Input 'file': no Dockerfile in the context '.' (${ws}/Dockerfile); add one or set the file input`,
    );
    for (const r of [noContext, noFile]) expect(r.stdout).not.toContain('Builder:');
    expect(noFile.summary).toContain('## ❌ Build and push: bad input, nothing built');
    expect(noFile.summary).toContain(`| ${image} | Input 'file': no Dockerfile in the context '.'`);
  });

  it('an upper-case image is lower-cased with a notice; the workflow token is not sent to another registry', async () => {
    const repo = repoName('upper');
    const given = `${info.registry}/${repo.replace('bp-upper', 'BP-Upper')}`;
    const token = `ghs_${hex40()}`;
    const r = await run(buildContext('upper'), { image: given, username: 'octocat', password: token, cache: 'none' });
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(given).not.toBe(given.toLowerCase());
    expect(r.outputs.image).toBe(`${info.registry}/${repo}`);
    expect(r.annotations).toContainEqual(
      expect.objectContaining({
        kind: 'notice',
        message: `The image name was lower-cased to ${info.registry}/${repo}: registries (GHCR first) refuse upper case.`,
      }),
    );
    expect(r.annotations).toContainEqual(
      expect.objectContaining({
        kind: 'notice',
        message: expect.stringContaining(`only sent to ghcr.io, not to ${info.registry}`),
      }),
    );
    expect(r.stdout).not.toContain('Logged in');
    expect(visibleLog(r)).not.toContain(token);
    expect(await digestInRegistry(info.registry, repo, 'main')).toBe(r.outputs.digest);
  });

  it('push: false builds the target stage into the local engine and pushes nothing', async () => {
    const repo = repoName('local');
    const image = `${info.registry}/${repo}`;
    const r = await run(
      buildContext('local'),
      { image, push: 'false', target: 'base' },
      { name: 'pull_request', ref: 'refs/pull/7/merge', payload: { number: 7 } },
    );
    expect(r.exitCode, visibleLog(r)).toBe(0);
    expect(r.outputs).toMatchObject({ digest: '', 'image-ref': `${image}:pr-7`, version: 'pr-7' });
    expect(sh(`docker run --rm ${image}:pr-7`)).toBe('hello\nlocal\n');
    // With a target the labels go on as --label flags (the last stage is not the one built).
    expect(r.stdout).toContain('--label org.opencontainers.image.version=pr-7');
    expect(
      sh(`docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}}' ${image}:pr-7`),
    ).toBe('pr-7\n');
    expect(sh(`docker run --rm ${image}:pr-7 /bin/busybox ls /full 2>&1 || true`)).toContain('No such file');
    expect(await tagsInRegistry(info.registry, repo)).toEqual([]);
    expect(r.summary).toContain(`built ${image}:pr-7 (not pushed)`);
    expect(r.summary).toMatch(/unpacked/);
  });
});
