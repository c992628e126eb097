// No drift between each action.yml and its code: every declared input is read by the action, and
// every input the action reads is declared. Measured, not grepped: each bundled action runs (main,
// then post when its post-if says so) with every declared input set to a valid value, under a
// preload that records which INPUT_* variables the process reads. The hosts are a closed port on
// loopback and the registry and API too, so each run stops at its first connection, after reading
// its inputs, having changed nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { inputEnvName, repoRoot, runAction } from '../harness/runAction.js';
import { freePort } from '../sandbox/Sandbox.js';

const actionDirs = [
  '.',
  ...execFileSync('ls', [join(repoRoot, 'actions')], { encoding: 'utf8' })
    .split('\n')
    .filter((d) => d && existsSync(join(repoRoot, 'actions', d, 'action.yml')))
    .map((d) => `actions/${d}`),
];

let scratch: string;
let workspace: string;
let values: Record<string, string>;

/** A valid value for every input name the suite uses (names are shared across actions on purpose). */
function validValues(port: number, privateKey: string, publicKey: string): Record<string, string> {
  return {
    // connection
    hosts: `njord@127.0.0.1:${port}`,
    'ssh-key': privateKey,
    'known-hosts': `[127.0.0.1]:${port} ${publicKey}`,
    app: 'drift',
    'remote-dir': '~/njord/drift',
    'lock-timeout': '1',
    'dry-run': 'false',
    // deploy and rollback
    'compose-file': 'docker-compose.yml',
    image: '127.0.0.1:1/drift/app',
    env: 'PLAIN=1',
    secrets: 'SECRET=s3cret-drift-value',
    registry: '127.0.0.1:1',
    'registry-username': 'drift',
    'registry-password': 'registry-drift-password',
    'health-url': 'http://127.0.0.1:8080/health',
    'health-expect-status': '200',
    'health-successes': '1',
    'health-timeout': '1',
    'health-interval': '1',
    'rollback-on-failure': 'true',
    'keep-releases': '5',
    'zero-downtime': 'web',
    'drain-timeout': '5',
    'proxy-image': '127.0.0.1:1/drift/proxy',
    rollout: 'serial',
    environment: 'staging',
    'environment-url': 'https://drift.example.com',
    'github-token': 'ghs_driftToken',
    // A published test key (tests/fixtures/sops): there is no SOPS file to open here.
    'sops-age-key': 'AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P',
    'deploy-windows': 'daily 00:00-24:00 UTC',
    watch: '0',
    'rollback-triggers': '',
    to: 'previous',
    reason: 'drift test',
    'release-command': 'web: true',
    'release-command-on': 'first',
    'backup-before': 'false',
    notify: 'http://127.0.0.1:1/drift-hook',
    // build-push
    context: '.',
    file: 'Dockerfile',
    username: 'drift',
    password: 'build-drift-password',
    push: 'true',
    tags: 'extra',
    'build-args': 'A=1',
    labels: 'a=b',
    platforms: 'linux/amd64',
    target: 'app',
    cache: 'none',
    // validate-config
    files: 'config/*.yml',
    schema: 'config/app.schema.json',
    'schema-map': 'config/*.yml: config/app.schema.json',
    'compose-files': 'docker-compose.yml',
    'required-env': 'PLAIN',
    'forbid-plaintext-secrets': 'true',
    'image-variable': 'IMAGE',
    'require-variables': 'true',
    mode: 'warn',
    // health-gate
    urls: 'http://127.0.0.1:1/health',
    timeout: '1',
    interval: '0.2',
    successes: '1',
    'expect-status': '200',
    'expect-body': 'ok',
    'max-latency-ms': '100',
    headers: 'Authorization: Bearer header-drift-token',
    // backup and restore
    volumes: 'data',
    paths: '/srv/drift',
    databases: 'db: postgres',
    'stop-services': 'web',
    compression: 'gzip',
    'encrypt-to': 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
    'unencrypted-artifact': 'true',
    destination: 'host',
    verify: 'checksum',
    keep: '3',
    'keep-days': '30',
    'helper-image': '127.0.0.1:1/drift/helper',
    'backup-id': 'latest',
    'backup-dir': 'downloaded-backup',
    'decrypt-key': 'AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ',
    'safety-backup': 'true',
  };
}

/** Where one name means another thing in another action: `mode` of the deploy and rollback is compose or swarm. */
const OWN_VALUES: Record<string, Record<string, string>> = {
  '.': { mode: 'compose' },
  'actions/rollback': { mode: 'compose' },
};

/** Secret inputs, and the part of each value the runner must mask (the key: one line of it). */
const SECRET_PARTS: Record<string, (value: string) => string> = {
  'ssh-key': (v) => v.split('\n')[1]!.trim(),
  'registry-password': (v) => v,
  password: (v) => v,
  'github-token': (v) => v,
  secrets: (v) => v.slice(v.indexOf('=') + 1),
  'decrypt-key': (v) => v,
  headers: (v) => v.slice(v.indexOf(':') + 1).trim(),
};

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'njord-drift-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'drift', '-f', join(scratch, 'id')]);
  const publicKey = readFileSync(join(scratch, 'id.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  values = validValues(await freePort(), readFileSync(join(scratch, 'id'), 'utf8'), publicKey);
  workspace = join(scratch, 'workspace');
  mkdirSync(join(workspace, 'config'), { recursive: true });
  writeFileSync(
    join(workspace, 'docker-compose.yml'),
    'services:\n  web:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:8080:8080"]\n',
  );
  writeFileSync(join(workspace, 'Dockerfile'), 'FROM 127.0.0.1:1/nothing AS app\n');
  writeFileSync(join(workspace, 'config/app.yml'), 'a: 1\n');
  writeFileSync(join(workspace, 'config/app.schema.json'), '{"type": "object"}\n');
  writeFileSync(join(scratch, 'reads.cjs'), PRELOAD);
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Loaded with --require before the action: records each INPUT_* name the process reads.
const PRELOAD = `const fs = require('node:fs');
const file = process.env.NJORD_INPUT_READS;
const seen = new Set();
process.env = new Proxy(process.env, {
  get(target, key, receiver) {
    if (typeof key === 'string' && key.startsWith('INPUT_') && !seen.has(key)) {
      seen.add(key);
      fs.appendFileSync(file, key + '\\n');
    }
    return Reflect.get(target, key, receiver);
  },
});
`;

describe('action.yml inputs and the code that reads them', () => {
  it('finds every action', () => {
    expect(actionDirs).toEqual(expect.arrayContaining(['.', 'actions/build-push', 'actions/validate-config']));
  });

  for (const dir of actionDirs) {
    it(`${dir === '.' ? 'deploy (action.yml)' : dir}: reads every input it declares, and none it does not`, async () => {
      const yml = parse(readFileSync(join(repoRoot, dir, 'action.yml'), 'utf8')) as {
        inputs?: Record<string, unknown>;
      };
      const declared = Object.keys(yml.inputs ?? {});
      const missing = declared.filter((n) => !(n in values));
      expect(missing, 'inputs this test has no valid value for: add them to validValues').toEqual([]);

      const reads = join(scratch, `${dir.replace(/\W/g, '_')}.reads`);
      writeFileSync(reads, '');
      const given = { ...Object.fromEntries(declared.map((n) => [n, values[n]!])), ...OWN_VALUES[dir] };
      const run = await runAction(dir, given, {
        workspace,
        timeoutMs: 60_000,
        env: {
          NODE_OPTIONS: `--require ${join(scratch, 'reads.cjs')}`,
          NJORD_INPUT_READS: reads,
          GITHUB_API_URL: 'http://127.0.0.1:1',
        },
      });
      const read = new Set(readFileSync(reads, 'utf8').split('\n').filter(Boolean));
      const log = `${run.stdout}\n${run.stderr}`
        .split('\n')
        .filter((l) => !l.startsWith('::debug::'))
        .join('\n');
      expect(
        declared.filter((n) => !read.has(inputEnvName(n))),
        `declared in ${dir}/action.yml but never read; the run said:\n${log}`,
      ).toEqual([]);
      const names = new Set(declared.map(inputEnvName));
      expect(
        [...read].filter((v) => !names.has(v)),
        `read but not declared in ${dir}/action.yml`,
      ).toEqual([]);

      // Every secret input is masked before the first line the action prints, and never printed.
      const lines = run.stdout.split('\n');
      const firstOther = lines.findIndex((l) => l && !l.startsWith('::add-mask::') && !l.startsWith('::debug::'));
      const masked = new Set(
        lines
          .slice(0, firstOther < 0 ? undefined : firstOther)
          .flatMap((l) => (l.startsWith('::add-mask::') ? [l.slice('::add-mask::'.length)] : [])),
      );
      for (const name of declared.filter((n) => n in SECRET_PARTS)) {
        const part = SECRET_PARTS[name]!(values[name]!);
        expect(masked.has(part), `${dir}: input ${name} masked before anything is printed`).toBe(true);
        const shown = lines.filter((l) => l.includes(part) && !l.startsWith('::add-mask::'));
        expect(shown, `${dir}: input ${name} printed`).toEqual([]);
      }
    });
  }

  for (const dir of actionDirs) {
    it(`${dir === '.' ? 'deploy (action.yml)' : dir}: metadata for the Marketplace and the runner`, () => {
      const yml = parse(readFileSync(join(repoRoot, dir, 'action.yml'), 'utf8')) as {
        name?: string;
        description?: string;
        branding?: { icon?: string; color?: string };
        inputs?: Record<string, { description?: string }>;
        outputs?: Record<string, { description?: string }>;
        runs?: { using?: string };
      };
      expect(yml.name).toMatch(/^njord /);
      expect(yml.description?.length).toBeGreaterThan(20);
      expect(yml.branding?.icon).toMatch(/^[a-z-]+$/);
      expect(yml.branding?.color).toMatch(/^(white|black|yellow|blue|green|orange|red|purple|gray-dark)$/);
      expect(yml.runs?.using).toBe('node24');
      for (const [name, io] of [...Object.entries(yml.inputs ?? {}), ...Object.entries(yml.outputs ?? {})])
        expect(io.description ?? '', name).not.toBe('');
    });
  }
});
