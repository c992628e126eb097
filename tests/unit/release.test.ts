import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderEnvFile } from '../../src/release/EnvFile.js';
import { ComposeCommands } from '../../src/remote/ComposeCommands.js';
import { line } from '../../src/remote/Shell.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { newReleaseId, RELEASE_ID, releasesToPrune } from '../../src/release/ReleaseManifest.js';
import { composeV1Here } from '../support/composeV1.js';

describe('release ids', () => {
  it('sort by time and carry the short sha', () => {
    const a = newReleaseId(new Date('2026-11-23T18:16:52.123Z'), 'abcdef1234567890');
    const b = newReleaseId(new Date('2026-11-23T18:16:52.124Z'), '0000000');
    expect(a).toBe('20261123-181652-123-abcdef1');
    expect(a).toMatch(RELEASE_ID);
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe('pruning', () => {
  const ids = [
    '20260101-000000-000-a',
    '20260102-000000-000-b',
    '20260103-000000-000-c',
    '20260104-000000-000-d',
    '20260105-000000-000-e',
  ];

  it('removes the oldest beyond keep', () => {
    expect(releasesToPrune(ids, 3, [])).toEqual(['20260101-000000-000-a', '20260102-000000-000-b']);
  });

  it('never removes the current or previous release, however old', () => {
    const doomed = releasesToPrune(ids, 2, ['20260101-000000-000-a', '20260105-000000-000-e']);
    expect(doomed).not.toContain('20260101-000000-000-a');
    expect(doomed).toEqual(['20260102-000000-000-b', '20260103-000000-000-c']);
  });
});

describe('ReleaseLayout', () => {
  it('resolves ~ and relative paths from the remote home', () => {
    expect(ReleaseLayout.resolve('~/njord/shop', '/home/deploy').root).toBe('/home/deploy/njord/shop');
    expect(ReleaseLayout.resolve('apps/shop', '/home/deploy').root).toBe('/home/deploy/apps/shop');
    expect(ReleaseLayout.resolve('/srv/shop/', '/home/deploy').root).toBe('/srv/shop');
    expect(new ReleaseLayout('/srv/shop').envFile('r1')).toBe('/srv/shop/releases/r1/release.env');
  });
});

describe('env file', () => {
  // docker-compose v1 is on this machine; v1's own env-file parser expands ${VAR} even in single
  // quotes, which is why the release env is sourced by sh. Check the whole path compose sees.

  const values: [string, string][] = [
    ['IMAGE', 'ghcr.io/acme/shop@sha256:' + 'a'.repeat(64)],
    ['DOLLAR', 'pa$$word ${HOME} $USER'],
    ['SPACES', '  two  spaces # not a comment '],
    ['QUOTES', `say "hi" and it's $5`],
    ['EQUALS', 'a=b=c'],
    ['BACKSLASH', 'C:\\path\\n'],
    ['EMPTY', ''],
  ];

  it('refuses a key that is no variable name', () => {
    expect(() => renderEnvFile([['BAD-KEY', 'x']])).toThrow(/BAD-KEY/);
  });

  it.runIf(composeV1Here)('reaches compose variable substitution byte for byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'njord-env-'));
    const envFile = join(dir, 'release.env');
    writeFileSync(envFile, renderEnvFile(values));
    const env = values.map(([k]) => `      ${k}: "\${${k}}"`).join('\n');
    writeFileSync(
      join(dir, 'docker-compose.yml'),
      `version: "3.8"\nservices:\n  app:\n    image: x\n    environment:\n${env}\n`,
    );
    const compose = new ComposeCommands({
      variant: 'v1',
      project: 'envtest',
      dir,
      files: ['docker-compose.yml'],
      envFile,
    });
    const argv = [...compose.config()];
    argv.splice(argv.indexOf('--quiet'), 1);
    const out = execFileSync('sh', ['-c', line(argv)], { env: { PATH: process.env.PATH, HOME: '/root' } }).toString();
    const parsed = parse(out) as { services: { app: { environment: Record<string, string> } } };
    for (const [k, v] of values) {
      // compose config escapes '$' as '$$' in its output.
      expect(String(parsed.services.app.environment[k] ?? '').replace(/\$\$/g, '$'), k).toBe(v);
    }
  });
});
