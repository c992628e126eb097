// The docker commands build-push runs, as argv, for buildx (GitHub's runners) and the classic builder.
import { describe, expect, it } from 'vitest';
import { buildxPlan, classicPlan, type BuildSpec } from '../../src/build/BuildPlan.js';
import { appendLabels, labelInstruction } from '../../src/build/LabelInstruction.js';
import { parseBuildxInspect, parseBuildxVersion, pluginDirs } from '../../src/build/BuilderDetection.js';
import { buildxDigest, pushDigest, verifyTags } from '../../src/build/BuildPush.js';
import { InputError } from '../../src/inputs/InputError.js';

const spec = (over: Partial<BuildSpec> = {}): BuildSpec => ({
  image: 'ghcr.io/acme/shop',
  tags: ['main', 'latest', 'sha-0123456'],
  context: '/ws',
  file: '/ws/Dockerfile',
  buildArgs: new Map([['NODE_ENV', 'production']]),
  labels: { 'org.opencontainers.image.revision': 'abc', 'org.example.note': 'two words' },
  platforms: [],
  cache: 'gha',
  push: true,
  ...over,
});

const opts = { metadataFile: '/tmp/meta.json', ownBuilder: 'njord-1' };
const container = { name: 'builder-1', driver: 'docker-container' };
const dockerDriver = { name: 'default', driver: 'docker' };

/** The value after each occurrence of a flag. */
function values(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1]!] : []));
}

describe('buildx plan', () => {
  it('builds and pushes in one command with gha cache, tags, labels, build args and the metadata file', () => {
    const p = buildxPlan(spec(), container, opts);
    const argv = p.build.argv;
    expect(argv.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(values(argv, '--tag')).toEqual([
      'ghcr.io/acme/shop:main',
      'ghcr.io/acme/shop:latest',
      'ghcr.io/acme/shop:sha-0123456',
    ]);
    expect(values(argv, '--label')).toEqual(['org.opencontainers.image.revision=abc', 'org.example.note=two words']);
    expect(values(argv, '--build-arg')).toEqual(['NODE_ENV=production']);
    expect(values(argv, '--file')).toEqual(['/ws/Dockerfile']);
    expect(values(argv, '--cache-from')).toEqual(['type=gha']);
    expect(values(argv, '--cache-to')).toEqual(['type=gha,mode=max']);
    expect(argv).toContain('--push');
    expect(argv).not.toContain('--load');
    expect(values(argv, '--metadata-file')).toEqual(['/tmp/meta.json']);
    expect(argv[argv.length - 1]).toBe('/ws');
    // The runner's own docker-container builder does it all: nothing to set up.
    expect(p.setup).toEqual([]);
    expect(p.cleanup).toEqual([]);
    expect(argv).not.toContain('--builder');
  });

  it('platforms and target', () => {
    const argv = buildxPlan(spec({ platforms: ['linux/amd64', 'linux/arm64'], target: 'runtime' }), container, opts)
      .build.argv;
    expect(values(argv, '--platform')).toEqual(['linux/amd64,linux/arm64']);
    expect(values(argv, '--target')).toEqual(['runtime']);
  });

  it('registry cache: from and to the buildcache tag; only from it when not pushing', () => {
    const pushed = buildxPlan(spec({ cache: 'registry' }), container, opts).build.argv;
    expect(values(pushed, '--cache-from')).toEqual(['type=registry,ref=ghcr.io/acme/shop:buildcache']);
    expect(values(pushed, '--cache-to')).toEqual(['type=registry,ref=ghcr.io/acme/shop:buildcache,mode=max']);
    const local = buildxPlan(spec({ cache: 'registry', push: false }), container, opts).build.argv;
    expect(values(local, '--cache-to')).toEqual([]);
    expect(local).toContain('--load');
    expect(local).not.toContain('--push');
  });

  it('no cache: no cache flags', () => {
    const argv = buildxPlan(spec({ cache: 'none' }), container, opts).build.argv;
    expect(argv).not.toContain('--cache-from');
    expect(argv).not.toContain('--cache-to');
  });

  it('the docker driver cannot export a cache: a docker-container builder of our own, removed after', () => {
    const p = buildxPlan(spec(), dockerDriver, opts);
    expect(p.setup.map((s) => s.argv)).toEqual([
      ['buildx', 'create', '--name', 'njord-1', '--driver', 'docker-container', '--bootstrap'],
    ]);
    expect(values(p.build.argv, '--builder')).toEqual(['njord-1']);
    expect(p.cleanup.map((s) => s.argv)).toEqual([['buildx', 'rm', 'njord-1']]);
    expect(p.builder).toBe('njord-1');
    // Where that builder cannot start (no Docker Hub for moby/buildkit), the error says what to do.
    expect(p.setup[0]!.whenFailed).toBe(
      'cache: gha needs this builder, which runs the moby/buildkit image; set cache: none, or set up a builder before this step (docker/setup-buildx-action)',
    );
  });

  it('the docker driver without a cache, one platform: builds on it as it is', () => {
    const p = buildxPlan(spec({ cache: 'none' }), dockerDriver, opts);
    expect(p.setup).toEqual([]);
    expect(p.build.argv).not.toContain('--builder');
  });

  it('several platforms on the docker driver need our builder too, and cannot --load', () => {
    const p = buildxPlan(
      spec({ cache: 'none', push: false, platforms: ['linux/amd64', 'linux/arm64'] }),
      dockerDriver,
      opts,
    );
    expect(p.builder).toBe('njord-1');
    expect(p.build.argv).not.toContain('--load');
    expect(p.setup[0]!.whenFailed).toBe(
      'platforms: linux/amd64, linux/arm64 needs this builder, which runs the moby/buildkit image; give one platform, or set up a builder before this step (docker/setup-buildx-action)',
    );
  });

  it('a Dockerfile-less (URL) context passes no --file', () => {
    const argv = buildxPlan(
      spec({ file: undefined, context: 'https://github.com/acme/shop.git#main' }),
      container,
      opts,
    ).build.argv;
    expect(argv).not.toContain('--file');
    expect(argv[argv.length - 1]).toBe('https://github.com/acme/shop.git#main');
  });
});

describe('classic plan', () => {
  it('docker build with DOCKER_BUILDKIT=0, then one push per tag', () => {
    const p = classicPlan(spec({ cache: 'none' }), { iidFile: '/tmp/iid' });
    expect(p.build.env).toEqual({ DOCKER_BUILDKIT: '0' });
    expect(p.build.argv[0]).toBe('build');
    expect(values(p.build.argv, '--tag')).toHaveLength(3);
    expect(values(p.build.argv, '--iidfile')).toEqual(['/tmp/iid']);
    expect(p.build.argv).not.toContain('--push');
    expect(p.build.argv[p.build.argv.length - 1]).toBe('/ws');
    expect(p.push.map((s) => s.argv)).toEqual([
      ['push', 'ghcr.io/acme/shop:main'],
      ['push', 'ghcr.io/acme/shop:latest'],
      ['push', 'ghcr.io/acme/shop:sha-0123456'],
    ]);
    expect(p.pullCache).toBeUndefined();
    expect(p.tagCache).toBeUndefined();
  });

  it('gha and registry cache fall back to a registry cache tag: pulled (may be missing), used, pushed', () => {
    for (const cache of ['gha', 'registry'] as const) {
      const p = classicPlan(spec({ cache }), { iidFile: '/tmp/iid' });
      expect(p.pullCache).toMatchObject({ argv: ['pull', '--quiet', 'ghcr.io/acme/shop:buildcache'], mayFail: true });
      expect(values(p.build.argv, '--cache-from')).toEqual(['ghcr.io/acme/shop:buildcache']);
      expect(p.tagCache?.argv).toEqual(['tag', 'ghcr.io/acme/shop:main', 'ghcr.io/acme/shop:buildcache']);
      expect(p.push.map((s) => s.argv).at(-1)).toEqual(['push', 'ghcr.io/acme/shop:buildcache']);
      expect(p.push).toHaveLength(4);
    }
  });

  it('push: false pushes nothing, not even the cache', () => {
    const p = classicPlan(spec({ push: false }), { iidFile: '/tmp/iid' });
    expect(p.push).toEqual([]);
    expect(p.tagCache).toBeUndefined();
  });

  it('one platform and a target are passed on; several platforms are refused naming the input', () => {
    const p = classicPlan(spec({ platforms: ['linux/arm64'], target: 'app' }), { iidFile: '/tmp/iid' });
    expect(values(p.build.argv, '--platform')).toEqual(['linux/arm64']);
    expect(values(p.build.argv, '--target')).toEqual(['app']);
    const many = () => classicPlan(spec({ platforms: ['linux/amd64', 'linux/arm64'] }), { iidFile: '/tmp/iid' });
    expect(many).toThrow(InputError);
    expect(many).toThrow(/Input 'platforms'.*builds one platform.*setup-buildx-action/);
  });
});

describe('builder detection output', () => {
  it('reads the builder and its driver from docker buildx inspect (old and new layouts)', () => {
    const old = `Name:   default\nDriver: docker\n\nNodes:\nName:      default\nEndpoint:  default\nStatus:    running\nBuildkit:  20.10.25\nPlatforms: linux/amd64\n`;
    const recent = `Name:          builder-4f1c\nDriver:        docker-container\nLast Activity: 2025-01-01 10:00:00 +0000 UTC\n\nNodes:\nName:                  builder-4f1c0\nEndpoint:              unix:///var/run/docker.sock\nDriver Options:        env.BUILDKIT_STEP_LOG_MAX_SIZE="10485760"\nStatus:                running\nBuildKit version:      v0.18.2\n`;
    expect(parseBuildxInspect(old)).toEqual({ name: 'default', driver: 'docker' });
    expect(parseBuildxInspect(recent)).toEqual({ name: 'builder-4f1c', driver: 'docker-container' });
    expect(parseBuildxInspect('ERROR: no builder found')).toBeUndefined();
  });

  it('reads the buildx version', () => {
    expect(parseBuildxVersion('github.com/docker/buildx v0.19.3 48d6a39\n')).toBe('v0.19.3');
    expect(parseBuildxVersion('github.com/docker/buildx 0.10.4+ds1-1 \n')).toBe('0.10.4+ds1-1');
  });
});

describe('digests from docker output', () => {
  it('docker push prints the manifest digest', () => {
    const out = [
      'The push refers to repository [127.0.0.1:5000/acme/shop]',
      '84b9e3ea5017: Pushed',
      'main: digest: sha256:ef8f18e06d25708805982e2e8ad4f34f5a45470b29d9f06d6eff14a2b7a686aa size: 942',
    ].join('\n');
    expect(pushDigest(out)).toBe('sha256:ef8f18e06d25708805982e2e8ad4f34f5a45470b29d9f06d6eff14a2b7a686aa');
    expect(pushDigest('84b9e3ea5017: Layer already exists')).toBeUndefined();
  });

  it("buildx's metadata file holds containerimage.digest; without it the build is not called pushed", () => {
    const d = 'sha256:' + 'a'.repeat(64);
    expect(buildxDigest(JSON.stringify({ 'containerimage.digest': d, 'image.name': 'x:1' }))).toBe(d);
    expect(() => buildxDigest(JSON.stringify({ 'buildx.build.ref': 'x' }))).toThrow(/no image digest/);
  });
});

describe('reading the tags back from the registry', () => {
  const d = (c: string) => 'sha256:' + c.repeat(64);
  const registry = (tags: Record<string, string | undefined>, fail = false) => ({
    manifest: async (_path: string, tag: string) => {
      if (fail) throw new Error('connect ECONNREFUSED');
      const digest = tags[tag];
      return digest ? { digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' } : undefined;
    },
  });
  const log = () => {
    const warnings: string[] = [];
    return { warnings, log: { info() {}, debug() {}, error() {}, warn: (m: string) => warnings.push(m) } };
  };

  it('every tag on the pushed digest: verified', async () => {
    const l = log();
    expect(
      await verifyTags(registry({ main: d('a'), latest: d('a') }), 'acme/shop', ['main', 'latest'], d('a'), l.log),
    ).toBe(true);
    expect(l.warnings).toEqual([]);
  });

  it('a tag on another digest, or missing, fails naming it', async () => {
    await expect(
      verifyTags(
        registry({ main: d('a'), latest: d('b') }),
        'acme/shop',
        ['main', 'latest', 'sha-1'],
        d('a'),
        log().log,
      ),
    ).rejects.toThrow(
      `under latest (${d('b')}), sha-1 (missing): another push to the same tags may have raced this one`,
    );
  });

  it('a registry this runner cannot read leaves docker’s digest, with a warning', async () => {
    const l = log();
    expect(await verifyTags(registry({}, true), 'acme/shop', ['main'], d('a'), l.log)).toBe(false);
    expect(l.warnings[0]).toMatch(/Could not read the tags back from the registry \(connect ECONNREFUSED\)/);
  });
});

describe('buildx plugin folders', () => {
  it("the user's folder, the config's extra folders, then the system's", () => {
    expect(pluginDirs('/home/runner/.docker', '{"cliPluginsExtraDirs": ["/opt/docker-plugins"]}')).toEqual([
      '/home/runner/.docker/cli-plugins',
      '/opt/docker-plugins',
      '/usr/local/lib/docker/cli-plugins',
      '/usr/local/libexec/docker/cli-plugins',
      '/usr/lib/docker/cli-plugins',
      '/usr/libexec/docker/cli-plugins',
    ]);
    expect(pluginDirs('/cfg', 'not json')[0]).toBe('/cfg/cli-plugins');
    expect(pluginDirs('/cfg', '')).toHaveLength(5);
  });
});

describe('labels in one LABEL instruction (classic builder)', () => {
  const labels = { 'org.opencontainers.image.title': 'shop', note: 'a "quoted" $HOME \\ value' };

  it('appends one LABEL with the values quoted so nothing expands', () => {
    expect(appendLabels('FROM scratch\nCOPY app /app\n\n\n', labels)).toBe(
      'FROM scratch\nCOPY app /app\nLABEL "org.opencontainers.image.title"="shop" "note"="a \\"quoted\\" \\$HOME \\\\ value"\n',
    );
    expect(labelInstruction({ a: '${x}' })).toBe('LABEL "a"="\\${x}"');
  });

  it('keeps parser directives and comments; ends a file without a final newline properly', () => {
    expect(appendLabels('# syntax=docker/dockerfile:1\nFROM scratch\n# done', { a: 'b' })).toBe(
      '# syntax=docker/dockerfile:1\nFROM scratch\n# done\nLABEL "a"="b"\n',
    );
  });

  it('gives up where appending is not the same as --label', () => {
    expect(appendLabels('FROM scratch AS base\nFROM base AS app\n', labels, 'base')).toBeUndefined();
    expect(appendLabels('# escape=`\nFROM scratch\n', labels)).toBeUndefined();
    expect(appendLabels('FROM scratch\nRUN echo a \\\n', labels)).toBeUndefined();
    expect(appendLabels('FROM scratch\n', { a: 'two\nlines' })).toBeUndefined();
    expect(appendLabels('FROM scratch\n', {})).toBeUndefined();
    expect(appendLabels('\n# only a comment\n', labels)).toBeUndefined();
  });

  it('the classic plan builds from that copy without --label flags; without it, one --label each', () => {
    const withCopy = classicPlan(spec(), { iidFile: '/tmp/iid', labeledFile: '/tmp/run/Dockerfile' }).build.argv;
    expect(values(withCopy, '--file')).toEqual(['/tmp/run/Dockerfile']);
    expect(withCopy).not.toContain('--label');
    const flags = classicPlan(spec(), { iidFile: '/tmp/iid' }).build.argv;
    expect(values(flags, '--file')).toEqual(['/ws/Dockerfile']);
    expect(values(flags, '--label')).toHaveLength(2);
  });
});
