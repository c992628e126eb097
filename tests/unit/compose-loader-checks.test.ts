// Issue 20: compose files checked as Compose loads them: real variable values (never a stand-in),
// the loader's own checks, each on its line and column naming the key and what is allowed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputReader } from '../../src/inputs/InputReader.js';
import { readValidateConfigSpec } from '../../src/validation/ConfigInputs.js';
import type { ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';
import type { Runner } from '../../src/validation/DockerComposeConfig.js';
import { interpolate, UNKNOWN } from '../../src/validation/ComposeVariables.js';
import { scratchDir } from '../support/scratchDir.js';
import { validateIn } from '../support/validateKit.js';

const scratch = scratchDir('njord-compose-checks-');

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'p-'));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

/** The errors of one compose file as `line:column message`, the policy rules off unless asked. */
function errors(text: string, over: Partial<ValidateConfigSpec> = {}, extra: Record<string, string> = {}) {
  const ws = project({ 'compose.yaml': text, ...extra });
  const r = validateIn(ws, { composeFiles: ['compose.yaml'], imageVariable: '', requireVariables: false, ...over });
  return r.findings.filter((f) => f.severity === 'error').map((f) => `${f.span?.line}:${f.span?.column} ${f.message}`);
}

describe('variables with their real values', () => {
  it('reads a volume path from the .env beside the file (it was a stand-in, refused as a volume name)', () => {
    const text = 'services:\n  media:\n    image: nginx\n    volumes:\n      - ${MEDIA_PATH}:/media:rw\n';
    expect(errors(text, { requireVariables: true }, { '.env': 'MEDIA_PATH=./media\n' })).toEqual([]);
    // A name there is a named volume, which no top-level volumes: defines: what Compose says too.
    expect(errors(text, {}, { '.env': 'MEDIA_PATH=media\n' })).toEqual([
      "5:9 service 'media' uses volume 'media', which no top-level volumes: defines",
    ]);
  });

  it('checks replicas: ${REPLICAS} with the value the env input gives', () => {
    const text = 'services:\n  web:\n    image: nginx\n    deploy:\n      replicas: ${REPLICAS}\n';
    expect(errors(text, { envValues: { REPLICAS: '2' }, requireVariables: true })).toEqual([]);
    expect(errors(text, { envValues: { REPLICAS: '-1' } })).toEqual([
      '5:17 services.web.deploy.replicas must be 0 or more (found -1)',
    ]);
  });

  it('leaves what it cannot know unknown: the image the deploy builds', () => {
    const lookup = (n: string) => (n === 'IMAGE' ? UNKNOWN : n === 'TAG' ? '1.2' : undefined);
    expect(interpolate('app:${TAG}', lookup)).toBe('app:1.2');
    expect(interpolate('${IMAGE}', lookup)).toBe(UNKNOWN);
    expect(interpolate('${NONE:-x}-${NONE-y}-${TAG:+set}-$$5', lookup)).toBe('x-y-set-$5');
    expect(() => interpolate('${TAG something}', lookup)).toThrow(/is not a reference/);
  });

  it('gives docker compose the real values, and a reference for the image only where it is an image', () => {
    const seen: NodeJS.ProcessEnv[] = [];
    const run: Runner = (argv, { env }) => {
      if (argv.includes('config')) seen.push(env);
      return { code: 0, output: '' };
    };
    const ws = project({
      'compose.yaml': 'services:\n  web:\n    image: ${IMAGE}\n    deploy:\n      replicas: ${REPLICAS}\n',
      '.env': 'REPLICAS=2\n',
    });
    const over = { composeFiles: ['compose.yaml'], dockerCompose: 'auto' as const, run, env: { PATH: '/bin' } };
    expect(validateIn(ws, over).findings).toEqual([]);
    // .env is compose's to read: nothing overrides it.
    expect(seen.pop()).toEqual({ PATH: '/bin', IMAGE: 'registry.invalid/validate-config:unknown' });
    writeFileSync(join(ws, 'compose.yaml'), 'services:\n  web:\n    image: nginx\n    command: run ${IMAGE}\n');
    validateIn(ws, { ...over, imageVariable: 'IMAGE' });
    expect(seen).toEqual([]); // IMAGE outside image: would be a guess: compose is not asked
  });
});

describe("the Compose loader's checks, each at its key", () => {
  it('finds a depends_on cycle and a service depending on itself', () => {
    const ring =
      'services:\n  a:\n    image: x\n    depends_on: [b]\n  b:\n    image: x\n    depends_on:\n      a:\n        condition: service_started\n';
    expect(errors(ring)).toEqual(['8:7 depends_on makes a cycle: a -> b -> a']);
    expect(errors('services:\n  a:\n    image: x\n    depends_on: [a]\n')).toEqual([
      "4:18 service 'a' depends on itself",
    ]);
  });

  it('finds network_mode with networks, and network_mode: service:<missing>', () => {
    expect(errors('services:\n  a:\n    image: x\n    network_mode: host\n    networks: [default]\n')).toEqual([
      '5:5 services.a: network_mode and networks exclude each other: use networks (or network_mode alone)',
    ]);
    expect(errors('services:\n  a:\n    image: x\n    network_mode: service:db\n')).toEqual([
      "4:19 services.a.network_mode: 'service:db' names no service of this project",
    ]);
  });

  it('finds a service with neither image nor build, and a secret with neither file nor environment', () => {
    expect(errors('services:\n  a:\n    command: run\n')).toEqual([
      "2:3 service 'a' has neither image nor build: give image: (an image to run) or build: (a context to build one)",
    ]);
    expect(errors('services:\n  a:\n    image: x\nsecrets:\n  key:\n    name: k\n')).toEqual([
      '5:3 secrets.key must declare one of file, environment (or external: true for one made outside Compose)',
    ]);
  });

  it('finds name with a different external.name, an empty bind source, devices, watch, scale', () => {
    expect(
      errors('services:\n  a:\n    image: x\nvolumes:\n  v:\n    name: a\n    external:\n      name: b\n'),
    ).toEqual(['8:7 volumes.v: name and external.name conflict: keep name, with external: true']);
    expect(
      errors(
        'services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        source: ""\n        target: /a\n',
      ),
    ).toEqual(['5:9 services.a.volumes[0]: a bind mount needs a source (the host path to mount)']);
    const gpu = (d: string) =>
      `services:\n  a:\n    image: x\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - capabilities: [gpu]\n${d}`;
    expect(errors(gpu('              count: two\n'))).toEqual([
      '9:22 services.a.deploy.resources.reservations.devices[0]: count must be \'all\' or a number (found "two")',
    ]);
    expect(errors(gpu('              count: 1\n              device_ids: ["0"]\n'))).toEqual([
      '10:15 services.a.deploy.resources.reservations.devices[0]: count and device_ids exclude each other: give the number of devices or their ids',
    ]);
    expect(
      errors(
        'services:\n  a:\n    image: x\n    develop:\n      watch:\n        - action: sync\n          path: ./src\n',
      ),
    ).toEqual([
      '6:11 services.a.develop.watch[0]: target is required for action sync (only rebuild and restart go without one)',
    ]);
    expect(errors('services:\n  a:\n    image: x\n    scale: -1\n')).toEqual([
      '4:12 services.a.scale must be 0 or more (found -1)',
    ]);
  });

  it('names the key inside a mapping that is wrong, and the forms a key takes', () => {
    expect(errors('services:\n  a:\n    build:\n      context: .\n      provenanse: true\n')).toEqual([
      "5:7 services.a.build.provenanse is not allowed here (did you mean 'provenance'?)",
    ]);
    expect(errors('services:\n  a:\n    build: [.]\n')).toEqual([
      '3:12 services.a.build must be a string or a mapping (key: value), not a list',
    ]);
    // Keys of today's Compose Specification (missing from the schema bundled before).
    const today =
      'services:\n  a:\n    build:\n      context: .\n      provenance: true\n      sbom: true\n      no_cache_filter: [x]\n' +
      '    develop:\n      watch:\n        - action: sync\n          path: ./src\n          target: /src\n          initial_sync: true\n' +
      '    pre_start:\n      - command: [migrate]\n';
    expect(errors(today)).toEqual([]);
  });
});

describe('the deploy policy, switchable', () => {
  it('asks for image: ${IMAGE} by default, for another variable by image-variable, not at all when empty', () => {
    const text = 'services:\n  web:\n    image: ${APP_IMAGE}\n';
    expect(errors(text, { imageVariable: 'IMAGE', requireVariables: true })[0]).toMatch(
      /^1:1 no service has image: \$\{IMAGE\}/,
    );
    expect(errors(text, { imageVariable: 'APP_IMAGE', requireVariables: true })).toEqual([]);
    expect(errors(text, { imageVariable: '' })).toEqual([]);
  });

  it('makes an unprovided variable a warning, as Compose does, with require-variables false; ${X:?} stays an error', () => {
    const ws = project({
      'compose.yaml': 'services:\n  web:\n    image: nginx:${TAG}\n    command: ${CMD:?give CMD}\n',
    });
    const r = validateIn(ws, { composeFiles: ['compose.yaml'], imageVariable: '', requireVariables: false });
    expect(r.findings.map((f) => [f.span?.line, f.severity])).toEqual([
      [3, 'warning'],
      [4, 'error'],
    ]);
  });
});

describe('the inputs of the rules', () => {
  const read = (given: Record<string, string>) =>
    readValidateConfigSpec(
      new InputReader({ get: (n) => given[n] ?? '' }),
      '/ws',
      Object.fromEntries(Object.entries(given).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ).spec;

  it('reads image-variable (empty: off; left out: IMAGE), require-variables and env', () => {
    const base = { 'compose-files': 'compose.yaml' };
    expect(read(base)).toMatchObject({ imageVariable: 'IMAGE', requireVariables: true, envValues: {} });
    expect(read({ ...base, 'image-variable': '' }).imageVariable).toBe('');
    expect(
      read({ ...base, 'image-variable': 'APP_IMAGE', 'require-variables': 'false', env: 'REPLICAS=2' }),
    ).toMatchObject({
      imageVariable: 'APP_IMAGE',
      requireVariables: false,
      envValues: { REPLICAS: '2' },
    });
    expect(() => read({ ...base, 'image-variable': 'app-image' })).toThrow(
      /image-variable.*'app-image' is not a variable name/,
    );
  });
});

describe('an error inside a $ref of one of several forms', () => {
  it('names the key inside, not the other form', () => {
    expect(errors('services:\n  a:\n    build:\n      context: .\n      ssh:\n')).toEqual([
      '5:7 services.a.build.ssh must be a mapping (key: value) or a list, not empty (null)',
    ]);
  });
});
