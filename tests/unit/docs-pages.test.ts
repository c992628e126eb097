// Each action has one page with all its inputs and outputs, and the README stays a landing page
// that gives the commands CI runs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../harness/runAction.js';

const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');
const named = readdirSync(join(repoRoot, 'actions')).filter((n) =>
  existsSync(join(repoRoot, 'actions', n, 'action.yml')),
);
const actions = [
  { dir: '.', page: 'docs/deploy.md' },
  ...named.map((n) => ({ dir: `actions/${n}`, page: `actions/${n}/README.md` })),
];

describe('documentation pages', () => {
  for (const { dir, page } of actions) {
    it(`${page} documents every input and output of ${dir}/action.yml`, () => {
      const yml = parse(read(join(dir, 'action.yml'))) as { inputs?: object; outputs?: object };
      const text = read(page);
      const names = [...Object.keys(yml.inputs ?? {}), ...Object.keys(yml.outputs ?? {})];
      expect(names.filter((n) => !text.includes(`| \`${n}\` `))).toEqual([]);
    });
  }

  it('no stale copy of an action page is left in docs/', () => {
    expect(named.filter((n) => existsSync(join(repoRoot, 'docs', `${n}.md`)))).toEqual([]);
  });

  it('the README is a landing page of at most 25 KB', () => {
    expect(statSync(join(repoRoot, 'README.md')).size).toBeLessThanOrEqual(25 * 1024);
  });

  it("the README's quick start gives the test command CI runs, and the demo", () => {
    const commands = [...read('README.md').matchAll(/^```sh\n([\s\S]*?)^```/gm)].flatMap((m) => m[1]!.split('\n'));
    expect(read('.ci/run')).toMatch(/^npm test$/m);
    expect(commands.some((c) => /^npm test(\s+#|$)/.test(c))).toBe(true);
    expect(commands.some((c) => /^npm run demo(\s+#|$)/.test(c))).toBe(true);
  });
});
