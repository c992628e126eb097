// Names the deploy refuses before any host is touched: compose files that would overwrite njord's
// own files in the release directory, and env/secrets keys that would change which binary or engine
// the host's compose command runs (the env file is sourced into that command's environment).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDeployConfig } from '../../src/deploy/DeployConfig.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { renderEnvFile } from '../../src/release/EnvFile.js';
import { inputError } from '../support/inputError.js';
import { throwawayKey } from '../support/throwawayKey.js';
import { scratchDir } from '../support/scratchDir.js';

const scratch = scratchDir('njord-names-');

const KEY = throwawayKey();

const workspace = join(scratch, 'ws');
const COMPOSE = 'services:\n  web:\n    image: ${IMAGE}\n';
mkdirSync(join(workspace, 'deploy'), { recursive: true });
for (const f of ['docker-compose.yml', 'release.env', 'deploy/release.json', 'deploy/prod.yml'])
  writeFileSync(join(workspace, f), COMPOSE);

function read(extra: Record<string, string>) {
  const values: Record<string, string> = {
    hosts: 'deploy@example.com',
    'ssh-key': KEY,
    'known-hosts': 'example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrlLGDdJ',
    app: 'shop',
    ...extra,
  };
  return readDeployConfig(new InputReader({ get: (n) => values[n] ?? '' }), workspace, {});
}

describe('compose-file names', () => {
  it("refuses release.env and release.json, njord's own files in the release directory", () => {
    for (const [given, name] of [
      ['release.env', 'release.env'],
      ['docker-compose.yml\ndeploy/release.json', 'release.json'],
    ]) {
      const err = inputError(() => read({ 'compose-file': given! }));
      expect(err.input).toBe('compose-file');
      expect(err.message).toContain(`Input 'compose-file': '${given!.split('\n').pop()}' is named ${name}`);
      expect(err.message).toMatch(/njord writes its own .* there; rename the file/);
    }
  });

  it('keeps any other name', () => {
    expect(read({ 'compose-file': 'docker-compose.yml\ndeploy/prod.yml' }).composeFiles.map((f) => f.name)).toEqual([
      'docker-compose.yml',
      'prod.yml',
    ]);
  });
});

describe('env and secrets names that change what the host runs', () => {
  it.each([
    ['env', 'PATH', '/tmp/evil:/usr/bin'],
    ['secrets', 'LD_PRELOAD', '/tmp/evil.so'],
    ['env', 'LD_LIBRARY_PATH', '/tmp'],
    ['env', 'DOCKER_HOST', 'tcp://attacker.example.com:2375'],
    ['secrets', 'DOCKER_CONTEXT', 'elsewhere'],
    ['env', 'DOCKER_CONFIG', '/tmp/cfg'],
    ['env', 'DOCKER_TLS_VERIFY', '0'],
    ['env', 'DOCKER_CERT_PATH', '/tmp/certs'],
    ['env', 'COMPOSE_FILE', 'other.yml'],
    ['env', 'COMPOSE_PROJECT_NAME', 'other'],
    ['env', 'COMPOSE_ENV_FILES', '/etc/shadow'],
    ['env', 'PYTHONPATH', '/tmp/evil'],
    ['env', 'HOME', '/tmp/evil-home'],
    ['env', 'BASH_ENV', '/tmp/evil.sh'],
    ['env', 'ENV', '/tmp/evil.sh'],
    ['env', 'IFS', ','],
    ['env', 'SHELLOPTS', 'xtrace'],
    ['env', 'GCONV_PATH', '/tmp'],
  ])('refuses %s key %s', (input, key, value) => {
    const err = inputError(() => read({ [input]: `MODE=production\n${key}=${value}` }));
    expect(err.input).toBe(input);
    expect(err.message).toContain(`Input '${input}': ${key} `);
    expect(err.message).toContain(`rename it (e.g. APP_${key})`);
  });

  it('keeps app variables, even with such a name inside, and COMPOSE_PROFILES', () => {
    const cfg = read({
      env: 'APP_PATH=/srv\nMY_DOCKER_HOST=x\nCOMPOSE_PROFILES=web,worker\nDOCKERFILE=x\nLDAP_URL=ldap://x',
      secrets: 'HOMEPAGE_TOKEN=abc',
    });
    expect([...cfg.env.keys()]).toEqual(['APP_PATH', 'MY_DOCKER_HOST', 'COMPOSE_PROFILES', 'DOCKERFILE', 'LDAP_URL']);
    expect([...cfg.secrets.keys()]).toEqual(['HOMEPAGE_TOKEN']);
  });
});

describe('a malformed secrets line', () => {
  it('is refused by its line number, none of its text in the error', () => {
    const line = 'AAAAC3NzaC1lZDI1+/NTE5AAAAIOcXRh/SvVm1Pl4HcKpnWUeTdaViMfZeohiXtrl==';
    const err = inputError(() => read({ secrets: `DB_PASSWORD=hunter22\n${line}` }));
    expect(err.message).not.toContain(line.slice(0, 20));
    expect(err.message).toMatch(/^Input 'secrets': line 2\b.*not shown/);
  });
});

describe('the env file itself', () => {
  it('never holds a name that changes what the host runs, whoever calls it', () => {
    expect(() => renderEnvFile([['DOCKER_HOST', 'tcp://x:2375']])).toThrow('not an app variable: DOCKER_HOST');
    expect(renderEnvFile([['COMPOSE_PROFILES', 'web']])).toContain('COMPOSE_PROFILES=web\n');
  });
});
