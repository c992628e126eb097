#!/usr/bin/env node
// Writes each action's inputs and outputs tables into README.md from its action.yml, between
// <!-- action-io:PATH --> and <!-- /action-io:PATH --> (PATH: '.' or 'actions/<name>'), so the
// README never drifts from the metadata. `--check` fails when README.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const readme = join(root, 'README.md');
const cell = (s) =>
  String(s ?? '')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

export function tables(actionDir) {
  const yml = parse(readFileSync(join(root, actionDir, 'action.yml'), 'utf8'));
  const inputs = Object.entries(yml.inputs ?? {}).map(
    ([name, i]) =>
      `| \`${name}\` | ${i.required ? 'yes' : 'no'} | ${i.default !== undefined ? `\`${cell(i.default)}\`` : ''} | ${cell(i.description)} |`,
  );
  const outputs = Object.entries(yml.outputs ?? {}).map(([name, o]) => `| \`${name}\` | ${cell(o.description)} |`);
  return [
    '| Input | Required | Default | Description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| Output | Description |',
    '| --- | --- |',
    ...outputs,
  ].join('\n');
}

const text = readFileSync(readme, 'utf8');
const replaced = text.replace(
  /(<!-- action-io:([^ ]+) -->\n)[\s\S]*?(<!-- \/action-io:\2 -->)/g,
  (_, open, dir, close) => `${open}${tables(dir)}\n${close}`,
);
// Formatted as `npm run lint` expects, so the check and Prettier agree.
const options = (await prettier.resolveConfig(readme)) ?? {};
const fresh = await prettier.format(replaced, { ...options, filepath: readme });
if (process.argv.includes('--check')) {
  if (fresh !== text) {
    console.error('README.md input/output tables are stale: run `npm run docs` and commit README.md.');
    process.exit(1);
  }
  console.log('README.md tables match the action.yml files');
} else {
  writeFileSync(readme, fresh);
}
