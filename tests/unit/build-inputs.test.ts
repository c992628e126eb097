// build-push's inputs, image names, labels, and what docker's errors are turned into.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBuildPushConfig } from '../../src/build/BuildPushConfig.js';
import { errorLine, explainLoginFailure, explainPushFailure, isPushRefusal } from '../../src/build/DockerErrors.js';
import { parseImageName, registryApiHost } from '../../src/build/ImageName.js';
import { mergeLabels, ociLabels } from '../../src/build/OciLabels.js';
import { parseChallenge } from '../../src/build/RegistryClient.js';
import { formatBytes } from '../../src/build/BuildPushReport.js';
import { InputReader } from '../../src/inputs/InputReader.js';

describe('image names', () => {
  it('splits registry and path, Docker Hub included', () => {
    expect(parseImageName('ghcr.io/acme/shop')).toEqual({
      name: 'ghcr.io/acme/shop',
      registry: 'ghcr.io',
      path: 'acme/shop',
      lowered: false,
    });
    expect(parseImageName('127.0.0.1:5000/team/app')).toMatchObject({ registry: '127.0.0.1:5000', path: 'team/app' });
    expect(parseImageName('localhost/app')).toMatchObject({ registry: 'localhost', path: 'app' });
    expect(parseImageName('acme/shop')).toMatchObject({ name: 'acme/shop', registry: 'docker.io', path: 'acme/shop' });
    expect(parseImageName('nginx')).toMatchObject({ registry: 'docker.io', path: 'library/nginx' });
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('ghcr.io')).toBe('ghcr.io');
  });

  it('lower-cases upper case and says so', () => {
    expect(parseImageName('ghcr.io/Acme/Shop')).toMatchObject({ name: 'ghcr.io/acme/shop', lowered: true });
  });

  it('refuses a tag, a digest, or a bad name, naming the input', () => {
    expect(() => parseImageName('ghcr.io/acme/shop:1.0')).toThrow(/Input 'image'.*has a tag.*tags input/);
    expect(() => parseImageName('ghcr.io/acme/shop@sha256:' + 'a'.repeat(64))).toThrow(/has a digest/);
    expect(() => parseImageName('ghcr.io/acme/sh op')).toThrow(/'sh op' is not a valid repository name part/);
    expect(() => parseImageName('ghcr.io/acme//shop')).toThrow(/is not a valid repository name part/);
    expect(() => parseImageName('  ')).toThrow(/Input 'image': is empty/);
    // A registry port is not a tag.
    expect(parseImageName('registry.example.com:5000/x').registry).toBe('registry.example.com:5000');
  });
});

describe('OCI labels', () => {
  const ctx = {
    eventName: 'push',
    ref: 'refs/tags/v1.2.3',
    sha: 'abc123',
    repository: 'acme/shop',
    serverUrl: 'https://github.com',
    description: 'The shop',
    license: 'MIT',
  };

  it('source, revision, created, version, title, url (and description, licences when known)', () => {
    expect(ociLabels(ctx, '1.2.3', new Date('2025-01-02T03:04:05Z'))).toEqual({
      'org.opencontainers.image.title': 'shop',
      'org.opencontainers.image.description': 'The shop',
      'org.opencontainers.image.url': 'https://github.com/acme/shop',
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.created': '2025-01-02T03:04:05.000Z',
      'org.opencontainers.image.revision': 'abc123',
      'org.opencontainers.image.licenses': 'MIT',
    });
  });

  it('leaves out what the run does not know; the user labels win', () => {
    const oci = ociLabels({ ...ctx, description: undefined, license: undefined }, '1.2.3', new Date(0));
    expect(oci).not.toHaveProperty('org.opencontainers.image.description');
    const merged = mergeLabels(
      oci,
      new Map([
        ['org.opencontainers.image.title', 'Shop API'],
        ['team', 'web'],
      ]),
    );
    expect(merged['org.opencontainers.image.title']).toBe('Shop API');
    expect(merged.team).toBe('web');
  });
});

describe('build-push inputs', () => {
  function workspace(): string {
    const ws = mkdtempSync(join(tmpdir(), 'njord-bp-ws-'));
    writeFileSync(join(ws, 'Dockerfile'), 'FROM scratch\n');
    mkdirSync(join(ws, 'api'));
    writeFileSync(join(ws, 'api', 'Containerfile'), 'FROM scratch\n');
    return ws;
  }
  const read = (ws: string, inputs: Record<string, string>) =>
    readBuildPushConfig(new InputReader({ get: (n) => inputs[n] ?? '' }), ws, 'ghcr.io/acme/shop');

  it('defaults: the workspace as context, its Dockerfile, the image registry, push, gha cache', () => {
    const ws = workspace();
    const c = read(ws, {});
    expect(c).toMatchObject({
      context: ws,
      file: join(ws, 'Dockerfile'),
      registry: 'ghcr.io',
      push: true,
      cache: 'gha',
      login: undefined,
      extraTags: [],
      platforms: [],
    });
    expect(c.image.name).toBe('ghcr.io/acme/shop');
  });

  it('a missing context or Dockerfile names the input and the path', () => {
    const ws = workspace();
    expect(() => read(ws, { context: 'web' })).toThrow(
      new RegExp(`Input 'context': 'web' is not a directory in the workspace \\(${ws}/web\\)`),
    );
    expect(() => read(ws, { context: 'api' })).toThrow(
      new RegExp(`Input 'file': no Dockerfile in the context 'api' \\(${ws}/api/Dockerfile\\)`),
    );
    expect(read(ws, { context: 'api', file: 'api/Containerfile' }).file).toBe(join(ws, 'api', 'Containerfile'));
    expect(() => read(ws, { file: 'docker/Dockerfile.prod' })).toThrow(
      /Input 'file': 'docker\/Dockerfile.prod' does not exist .*relative to the workspace/,
    );
  });

  it('a URL context is passed on unchecked, without a default Dockerfile', () => {
    const c = read(workspace(), { context: 'https://github.com/acme/shop.git#main' });
    expect(c.context).toBe('https://github.com/acme/shop.git#main');
    expect(c.file).toBeUndefined();
  });

  it('logs in with a password; the workflow token goes to GitHub registries only', () => {
    const ws = workspace();
    expect(read(ws, { username: 'octocat', password: 'pw' }).login).toEqual({ username: 'octocat', password: 'pw' });
    expect(() => read(ws, { password: 'pw' })).toThrow(/Input 'username': is required to log in to ghcr.io/);
    expect(read(ws, { username: 'octocat', password: 'ghs_abc' }).login?.password).toBe('ghs_abc');
    const hub = read(ws, { image: 'acme/shop', username: 'octocat', password: 'ghs_abc' });
    expect(hub.login).toBeUndefined();
    expect(hub.loginSkipped).toMatch(/only sent to ghcr.io, not to docker.io/);
    expect(read(ws, { image: 'acme/shop', registry: 'https://index.docker.io/v1/' }).registry).toBe(
      'https://index.docker.io/v1/',
    );
    expect(read(ws, { registry: 'https://ghcr.io', username: 'octocat', password: 'ghs_abc' }).login).toBeDefined();
  });

  it('tags, labels, build args, platforms and cache are checked, naming the input', () => {
    const ws = workspace();
    const c = read(ws, {
      tags: 'stable\nedge',
      labels: 'org.opencontainers.image.vendor=Acme Inc\nteam=web=shop',
      'build-args': 'NODE_ENV=production',
      platforms: 'linux/amd64, linux/arm64/v8',
      target: 'runtime',
      cache: 'registry',
      push: 'false',
    });
    expect(c.extraTags).toEqual(['stable', 'edge']);
    expect(Object.fromEntries(c.labels)).toEqual({ 'org.opencontainers.image.vendor': 'Acme Inc', team: 'web=shop' });
    expect(Object.fromEntries(c.buildArgs)).toEqual({ NODE_ENV: 'production' });
    expect(c.platforms).toEqual(['linux/amd64', 'linux/arm64/v8']);
    expect(c).toMatchObject({ target: 'runtime', cache: 'registry', push: false });
    expect(() => read(ws, { tags: 'v1 beta' })).toThrow(/Input 'tags': 'v1 beta' is not a Docker tag/);
    expect(() => read(ws, { tags: '-x' })).toThrow(/Input 'tags'/);
    expect(() => read(ws, { labels: 'no equals' })).toThrow(/Input 'labels': line 1 'no equals' is not key=value/);
    expect(() => read(ws, { platforms: 'arm64' })).toThrow(/Input 'platforms': 'arm64' is not a platform/);
    expect(() => read(ws, { cache: 's3' })).toThrow(/Input 'cache': 's3' is not one of: gha, registry, none/);
    expect(() => read(ws, { push: 'maybe' })).toThrow(/Input 'push'/);
    expect(() => read(ws, { 'build-args': 'A B=1' })).toThrow(/Input 'build-args'/);
  });
});

// Error text as docker and buildx print it (from real runs reported against GHCR and other registries).
const ghcrClassic = [
  'The push refers to repository [ghcr.io/acme/shop]',
  'fecdbc4471ce: Preparing',
  '31d7a001c31a: Preparing',
  'denied: installation not allowed to Write organization package',
].join('\n');
const ghcrClassicWrite = 'f1d3cf9dd85c: Preparing\nd0c00edbf9f0: Waiting\ndenied: permission_denied: write_package\n';
const ghcrBuildx = [
  '#15 exporting to image',
  '#15 pushing layers 0.4s done',
  '#15 ERROR: denied: permission_denied: write_package',
  '------',
  ' > exporting to image:',
  '------',
  'ERROR: failed to solve: failed to push ghcr.io/acme/shop:main: denied: permission_denied: write_package',
].join('\n');
const ghcrBuildxToken =
  'ERROR: failed to solve: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fshop%3Apull%2Cpush&service=ghcr.io: 403 Forbidden';
const ghcrBuildxOld = 'error: failed to solve: unexpected status: 403 Forbidden';
const baseImageDenied =
  'ERROR: failed to solve: acme/private-base:1: failed to resolve source metadata for docker.io/acme/private-base:1: pull access denied, repository does not exist or may require authorization';
const hubDenied =
  'The push refers to repository [docker.io/acme/shop]\ndenied: requested access to the resource is denied\n';
const notLoggedIn = 'The push refers to repository [registry.example.com/shop]\nno basic auth credentials\n';
const loginRefused =
  'Error response from daemon: login attempt to https://127.0.0.1:5001/v2/ failed with status: 401 Unauthorized\n';
const ghcrLoginRefused = 'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied\n';

describe('docker errors explained', () => {
  it('a denied push to GHCR says to grant packages: write and the package access', () => {
    for (const [out, buildx] of [
      [ghcrClassic, false],
      [ghcrClassicWrite, false],
      [ghcrBuildx, true],
      [ghcrBuildxToken, true],
      [ghcrBuildxOld, true],
    ] as const) {
      expect(isPushRefusal(out, buildx), out).toBe(true);
      const msg = explainPushFailure('ghcr.io', 'ghcr.io/acme/shop', out, true);
      expect(msg).toMatch(/^GHCR refused the push to ghcr.io\/acme\/shop: /);
      expect(msg).toContain('`permissions: packages: write`');
      expect(msg).toContain('Manage Actions access');
    }
    expect(explainPushFailure('ghcr.io', 'ghcr.io/acme/shop', ghcrClassic, true)).toContain(
      'denied: installation not allowed to Write organization package',
    );
  });

  it('a base image that cannot be pulled is not a push refusal', () => {
    expect(isPushRefusal(baseImageDenied, true)).toBe(false);
    expect(isPushRefusal('ERROR: failed to solve: process "/bin/sh -c make" did not complete successfully', true)).toBe(
      false,
    );
  });

  it('other registries: denied, or not logged in', () => {
    expect(explainPushFailure('docker.io', 'acme/shop', hubDenied, true)).toMatch(
      /^docker.io refused the push to acme\/shop: denied: requested access to the resource is denied\. The user may not write/,
    );
    expect(explainPushFailure('registry.example.com', 'registry.example.com/shop', notLoggedIn, false)).toMatch(
      /wants a login to push .*no basic auth credentials.*Set the username and password inputs/,
    );
  });

  it('a refused login names the registry and the user and says what to check', () => {
    expect(explainLoginFailure('127.0.0.1:5001', 'njord-ci', loginRefused)).toBe(
      "127.0.0.1:5001 refused the login of 'njord-ci': wrong username or password (Error response from daemon: login attempt to https://127.0.0.1:5001/v2/ failed with status: 401 Unauthorized). Check the username and password inputs.",
    );
    expect(explainLoginFailure('ghcr.io', 'octocat', ghcrLoginRefused)).toMatch(
      /^ghcr.io refused the login of 'octocat': .*denied: denied\. Use the workflow token/,
    );
  });

  it('errorLine picks the line that says what went wrong', () => {
    expect(errorLine(ghcrClassic)).toBe('denied: installation not allowed to Write organization package');
    expect(errorLine('step 1/3\nall good\n')).toBe('all good');
  });
});

describe('small helpers', () => {
  it('parses registry auth challenges', () => {
    expect(
      parseChallenge('Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/shop:pull"'),
    ).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/shop:pull' },
    });
    expect(parseChallenge('Basic realm="njord-sandbox"')).toEqual({
      scheme: 'basic',
      params: { realm: 'njord-sandbox' },
    });
    expect(parseChallenge('Negotiate')).toBeUndefined();
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_048_576 * 1.5)).toBe('1.5 MB');
    expect(formatBytes(1024 * 300)).toBe('300 kB');
  });
});
