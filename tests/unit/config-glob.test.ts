// Globs: Node's fs.globSync where it exists, the small walker elsewhere, with the same results.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandBraces, expandGlobs, globToRegExp } from '../../src/validation/Glob.js';

const root = mkdtempSync(join(tmpdir(), 'njord-glob-'));
for (const f of [
  'config/dev.yaml',
  'config/prod.yml',
  'config/nested/deep.yaml',
  'config/.hidden.yaml',
  'config/.hid/x.yaml',
  'node_modules/pkg/config.yaml',
  'deploy/docker-compose.yml',
  'deploy/.env',
  'top.json',
]) {
  mkdirSync(dirname(join(root, f)), { recursive: true });
  writeFileSync(join(root, f), 'a: 1\n');
}
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hasNodeGlob = typeof (fs as { globSync?: unknown }).globSync === 'function';

describe('globToRegExp', () => {
  it('matches segments, ** across folders, braces and classes', () => {
    const re = globToRegExp('config/**/*.{yml,yaml}');
    expect(re.test('config/dev.yaml')).toBe(true);
    expect(re.test('config/a/b/c.yml')).toBe(true);
    expect(re.test('config/dev.json')).toBe(false);
    expect(re.test('other/config/dev.yaml')).toBe(false);
    expect(globToRegExp('env-[ps]*.yml').test('env-prod.yml')).toBe(true);
    expect(globToRegExp('env-[!ps]*.yml').test('env-prod.yml')).toBe(false);
  });

  it('keeps wildcards off dot files unless the pattern names the dot', () => {
    expect(globToRegExp('config/*.yaml').test('config/.hidden.yaml')).toBe(false);
    expect(globToRegExp('config/.*.yaml').test('config/.hidden.yaml')).toBe(true);
    expect(globToRegExp('**/.env').test('deploy/.env')).toBe(true);
  });

  it('expands nested braces', () => {
    expect(expandBraces('a/{b,c/{d,e}}.yml')).toEqual(['a/b.yml', 'a/c/d.yml', 'a/c/e.yml']);
    expect(expandBraces('a{b}.yml')).toEqual(['a{b}.yml']);
  });
});

describe.each([['the small walker', false], ...(hasNodeGlob ? [['fs.globSync', true] as [string, boolean]] : [])])(
  'expandGlobs with %s',
  (_name, useNodeGlob) => {
    const expand = (patterns: string[]) => expandGlobs(patterns, root, { useNodeGlob });

    it('finds files by pattern, sorted, without node_modules or dot folders', () => {
      expect(expand(['**/*.yaml']).files).toEqual(['config/dev.yaml', 'config/nested/deep.yaml']);
      expect(expand(['config/*.{yml,yaml}']).files).toEqual(['config/dev.yaml', 'config/prod.yml']);
    });

    it('takes literal paths and dot files named outright', () => {
      expect(expand(['deploy/.env', 'top.json', './deploy/docker-compose.yml']).files).toEqual([
        'deploy/.env',
        'deploy/docker-compose.yml',
        'top.json',
      ]);
    });

    it('drops matches of a later !pattern and reports patterns that match nothing', () => {
      const r = expand(['config/**/*.yaml', '!config/nested/**', 'missing/*.yml', 'nope.yml']);
      expect(r.files).toEqual(['config/dev.yaml']);
      expect(r.unmatched).toEqual(['missing/*.yml', 'nope.yml']);
    });

    it('makes absolute patterns inside the workspace relative', () => {
      expect(expand([join(root, 'config/*.yml')]).files).toEqual(['config/prod.yml']);
    });
  },
);
