// Plaintext secrets: files named like secrets without SOPS/age, and token-looking values on their line.
// Token-shaped strings are built at run time so that this repository holds none.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';
import type { Finding } from '../../src/validation/Finding.js';
import { validateIn } from '../support/validateKit.js';
import {
  isEncrypted,
  isSecretFileName,
  looksLikeSecretValue,
  secretNamedFiles,
} from '../../src/validation/SecretScan.js';
import { scratchDir } from '../support/scratchDir.js';

const scratch = scratchDir('njord-secrets-');

const ghp = 'gh' + 'p_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const akia = 'AK' + 'IA' + 'Z7QWERTYUIOPASDF';
const slack = 'xo' + 'xb-' + '1234567890-abcdefghij';
const pem = '-----BEGIN ' + 'OPENSSH PRIVATE KEY-----';

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'ws-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

function run(ws: string, over: Partial<ValidateConfigSpec> = {}) {
  return validateIn(ws, { forbidPlaintextSecrets: true, ...over });
}

const rows = (fs: Finding[]) => fs.map((f) => [`${f.file}:${f.span?.line}:${f.span?.column}`, f.rule]);

describe('file names', () => {
  it('knows secrets files from templates', () => {
    for (const f of ['prod.secrets', 'config/secrets.yaml', 'secrets-prod.yml', '.env', 'deploy/.env.production'])
      expect(isSecretFileName(f), f).toBe(true);
    for (const f of ['.env.example', '.env.sample', '.env.template', 'secret-santa.md', 'config.yaml', 'my.env'])
      expect(isSecretFileName(f), f).toBe(false);
  });

  it('recognises SOPS (YAML, JSON, dotenv, INI) and age', () => {
    expect(isEncrypted('db: ENC[AES256_GCM,data:x]\nsops:\n  version: 3.9.0\n')).toBe(true);
    expect(isEncrypted('{"db": "ENC[...]", "sops": {"version": "3.9.0"}}')).toBe(true);
    expect(isEncrypted('DB=ENC[AES256_GCM,data:x]\nsops_version=3.9.0\n')).toBe(true);
    expect(isEncrypted('[sops]\nversion = 3.9.0\n')).toBe(true);
    expect(isEncrypted('-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n')).toBe(true);
    expect(isEncrypted('age-encryption.org/v1\n-> X25519 abc\n')).toBe(true);
    expect(isEncrypted('db_password: hunter2\nsops_note: not metadata\n')).toBe(false);
  });
});

describe('committed secrets files', () => {
  it('flags plaintext ones on line 1, passes encrypted ones and templates, skips node_modules', () => {
    const ws = workspace({
      'deploy/.env': 'PORT=8080\nDB_PASSWORD=hunter2\n',
      'deploy/.env.example': 'DB_PASSWORD=\n',
      'config/secrets.prod.yaml': 'db_password: hunter2\n',
      'config/secrets.enc.yaml': 'db_password: ENC[AES256_GCM,data:abc]\nsops:\n  version: 3.9.0\n',
      'keys/prod.secrets': '-----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n-----END AGE ENCRYPTED FILE-----\n',
      'node_modules/x/.env': 'A=1\n',
    });
    const r = run(ws);
    expect(rows(r.findings)).toEqual([
      ['config/secrets.prod.yaml:1:1', 'plaintext-secret'],
      ['deploy/.env:1:1', 'plaintext-secret'],
    ]);
    expect(r.findings[0]!.message).toMatch(
      /config\/secrets\.prod\.yaml is named like a secrets file but is not encrypted/,
    );
    expect(r.files.filter((f) => f.kind === 'secrets').map((f) => f.file)).toEqual([
      'config/secrets.enc.yaml',
      'config/secrets.prod.yaml',
      'deploy/.env',
      'keys/prod.secrets',
    ]);
    expect(r.filesChecked).toBe(0);
  });

  // Issue 20: a .env of settings was called an unencrypted secrets file. Only what looks like a
  // secret (a token, a random value, a value under a password/token/secret name) makes it one.
  it('passes a .env of plain settings, and one whose secret-named values are empty or references', () => {
    const ws = workspace({
      '.env': 'TZ=Europe/Berlin\nAPP_URL=https://shop.example.com\n',
      'deploy/.env': 'DB_PASSWORD=\nAPI_TOKEN=${API_TOKEN}\nSECRET_KEY_FILE=/run/secrets/key\n',
      'config/secrets.yaml': 'db_password: changeme\n',
      'prod/.env': 'SESSION_SECRET=s3cr3t-v4lue\n',
      'prod/.env.production': `HOOK=${'a9F3kq2LmZ8xW4rT6yB1nV7c'}\n`,
    });
    expect(rows(run(ws).findings)).toEqual([
      ['prod/.env:1:1', 'plaintext-secret'],
      ['prod/.env.production:1:1', 'plaintext-secret'],
    ]);
  });

  it('uses what git tracks when the workspace is a checkout (an ignored .env is not committed)', () => {
    const ws = workspace({ '.env': 'A=1\n', '.gitignore': '.env\n', 'app/secrets.yml': 'a: 1\n' });
    const git = (...args: string[]) => execFileSync('git', ['-C', ws, ...args], { stdio: 'ignore' });
    git('init', '-q');
    git('add', '.gitignore', 'app/secrets.yml');
    expect(secretNamedFiles(ws)).toEqual(['app/secrets.yml']);
  });

  it('is off with forbid-plaintext-secrets: false', () => {
    const ws = workspace({ '.env': `TOKEN=${ghp}\n`, 'c.yaml': `token: ${ghp}\n` });
    expect(run(ws, { files: ['c.yaml'], forbidPlaintextSecrets: false }).findings).toEqual([]);
  });
});

describe('secret values, on their line', () => {
  it('finds tokens and keys in config files, with line and column, without echoing them', () => {
    const ws = workspace({
      'app.yaml': [
        'app:', // 1
        '  name: shop', // 2
        `  github_token: ${ghp}`, // 3
        '  aws:', // 4
        `    key_id: "${akia}"`, // 5
        `  notify: ${slack}`, // 6
        '  tls_key: |', // 7
        `    ${pem}`, // 8
        '    b3BlbnNzaC1rZXk=', // 9
        '  db_password: "Zq8#vN2!xR5tL9wK"', // 10
        '  api_token: ${API_TOKEN}', // 11
        '  password_file: /run/secrets/db_password', // 12
        '  secret_name: change-me-in-production', // 13
        '  token_url: https://auth.example.com/oauth/token', // 14
        '  db_url: postgres://app:Sup3rS3cretPassw0rd@db:5432/app', // 15
        '  cache_url: redis://:hunter2@cache:6379/0', // 16
        '  replica_url: postgres://app:${DB_PASSWORD}@replica/app', // 17
        '  example_url: postgres://user:password@localhost/app', // 18
        '  docs: "see https://<user>:<password>@host and amqp://guest:****@mq"', // 19
        '',
      ].join('\n'),
    });
    const r = run(ws, { files: ['app.yaml'] });
    expect(rows(r.findings)).toEqual([
      ['app.yaml:3:17', 'secret-value'],
      ['app.yaml:5:14', 'secret-value'],
      ['app.yaml:6:11', 'secret-value'],
      ['app.yaml:8:5', 'secret-value'],
      ['app.yaml:10:16', 'secret-value'],
      ['app.yaml:15:26', 'secret-value'],
      ['app.yaml:16:23', 'secret-value'],
    ]);
    expect(r.findings.map((f) => f.message.split(':')[0])).toEqual([
      'A GitHub token in plain text',
      'An AWS access key id in plain text',
      'A Slack token in plain text',
      'A private key in plain text',
      'What looks like a secret in plain text under db_password',
      'A password in a URL in plain text',
      'A password in a URL in plain text',
    ]);
    // The span is the password itself, so the annotation underlines just that.
    expect(r.findings[5]!.span).toMatchObject({ line: 15, column: 26, endLine: 15, endColumn: 45 });
    for (const f of r.findings) expect(f.message).not.toMatch(/A1b2C3|Z7QWERTY|abcdefghij|Zq8#|Sup3r|hunter2/);
  });

  it('finds them in compose environment lists and in .env files', () => {
    const ws = workspace({
      'docker-compose.yml': [
        'services:',
        '  web:',
        '    image: ${IMAGE}',
        '    environment:',
        '      - LOG_LEVEL=info',
        '      - STRIPE_SECRET=Hq7vB2nX9kL4pZ8wR3tY',
        '',
      ].join('\n'),
      '.env': [
        '# local',
        'PORT=8080',
        'export API_KEY="k8Jd9Lx2Qw7Zr4Tp1Vb6"',
        `GH=${ghp}`,
        'DATABASE_URL=mysql://shop:Sup3rS3cretPassw0rd@db/shop',
        '',
      ].join('\n'),
    });
    const r = run(ws, { composeFiles: ['docker-compose.yml'] });
    expect(rows(r.findings)).toEqual([
      ['.env:1:1', 'plaintext-secret'],
      ['.env:3:16', 'secret-value'],
      ['.env:4:4', 'secret-value'],
      ['.env:5:27', 'secret-value'],
      ['docker-compose.yml:6:9', 'secret-value'],
    ]);
  });

  it('tells random values from words, paths, URLs and references', () => {
    for (const v of ['Zq8#vN2!xR5tL9wK', 'k8Jd9Lx2Qw7Zr4Tp1Vb6', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmU='])
      expect(looksLikeSecretValue(v), v).toBe(true);
    for (const v of [
      'hunter2',
      'change-me-in-production',
      '/run/secrets/db',
      '${DB_PASSWORD}',
      'https://example.com/a/b/c',
      'ENC[AES256_GCM,data:x]',
      'aaaaaaaaaaaaaaaaaaaa',
    ])
      expect(looksLikeSecretValue(v), v).toBe(false);
  });
});
