#!/usr/bin/env node
// Writes each action's inputs and outputs tables from its action.yml into the pages that hold
// them, between <!-- action-io:PATH --> and <!-- /action-io:PATH --> (PATH: '.' or
// 'actions/<name>'), so no page drifts from the metadata. Every action must have its page with its
// tables: the deploy's is docs/deploy.md, the others' actions/<name>/README.md (GitHub shows it
// when one browses the folder). `--check` fails when a page is stale or an action has no tables.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const skipped = new Set(['node_modules', 'dist', '.git']);
const cell = (s) =>
  String(s ?? '')
    .trim()
    .replace(/\|/g, '\\|')
    .replace(/\s*\n\s*/g, ' ');

/** Every action's folder: '.' for the deploy, then actions/<name>. */
export function actionDirs() {
  const named = readdirSync(join(root, 'actions'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(root, 'actions', d.name, 'action.yml')))
    .map((d) => `actions/${d.name}`)
    .sort();
  return ['.', ...named];
}

/** The page that documents an action. */
export const actionPage = (dir) => (dir === '.' ? 'docs/deploy.md' : `${dir}/README.md`);

/** Every markdown file of the repository, relative to its root. */
export function markdownFiles(dir = root) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (skipped.has(d.name)) return [];
    const full = join(dir, d.name);
    if (d.isDirectory()) return markdownFiles(full);
    return d.name.endsWith('.md') ? [relative(root, full)] : [];
  });
}

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

const markers = /(<!-- action-io:([^ ]+) -->\n)[\s\S]*?(<!-- \/action-io:\2 -->)/g;

/** The page with fresh tables, formatted as `npm run lint` expects so the check and Prettier agree. */
async function refreshed(page, text) {
  const replaced = text.replace(markers, (_, open, dir, close) => `${open}${tables(dir)}\n${close}`);
  const file = join(root, page);
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(replaced, { ...options, filepath: file });
}

const check = process.argv.includes('--check');
const problems = [];
for (const dir of actionDirs()) {
  const page = actionPage(dir);
  const text = existsSync(join(root, page)) ? readFileSync(join(root, page), 'utf8') : '';
  if (!text.includes(`<!-- action-io:${dir} -->\n`) || !text.includes(`<!-- /action-io:${dir} -->`))
    problems.push(
      `${page} is missing (or lacks <!-- action-io:${dir} --> … <!-- /action-io:${dir} -->): ${dir}/action.yml has no page with its tables`,
    );
}
let pages = 0;
let written = 0;
for (const page of markdownFiles()) {
  const text = readFileSync(join(root, page), 'utf8');
  if (!text.match(markers)) continue;
  pages++;
  const fresh = await refreshed(page, text);
  if (fresh === text) continue;
  if (check) {
    problems.push(`${page}: its input/output tables are stale`);
  } else {
    writeFileSync(join(root, page), fresh);
    written++;
  }
}
if (problems.length) {
  for (const p of problems) console.error(p);
  if (check) console.error('Run `npm run docs` and commit the pages.');
  process.exit(1);
}
console.log(
  check ? `${pages} pages' tables match the action.yml files` : `${pages} pages with tables, ${written} rewritten`,
);
