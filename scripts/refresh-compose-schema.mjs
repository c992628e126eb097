#!/usr/bin/env node
// Refreshes src/validation/compose-spec.schema.json from compose-go, the library Docker Compose
// v2 loads compose files with (its schema/compose-spec.json is the one Compose validates against),
// and records where it came from in compose-spec.source.json. Run by a person, then run the unit
// tests: nothing reads the network at run time or in the tests.
//
//   node scripts/refresh-compose-schema.mjs [ref]      (ref: a branch, tag or commit; main by default)
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = 'compose-spec/compose-go';
const PATH = 'schema/compose-spec.json';
const ref = process.argv[2] ?? 'main';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function get(url) {
  const res = await globalThis.fetch(url, { headers: { 'User-Agent': 'njord-refresh-compose-schema' } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res;
}

// The commit that last changed the schema at ref, so the record names an exact version.
const commits = await (
  await get(`https://api.github.com/repos/${REPO}/commits?sha=${ref}&path=${PATH}&per_page=1`)
).json();
if (!Array.isArray(commits) || !commits.length) throw new Error(`no commit of ${PATH} at ${ref}`);
const commit = commits[0].sha;
const date = commits[0].commit.committer.date;
const text = await (await get(`https://raw.githubusercontent.com/${REPO}/${commit}/${PATH}`)).text();
const schema = JSON.parse(text); // refuse anything that is not JSON

const out = join(root, 'src/validation/compose-spec.schema.json');
writeFileSync(out, `${JSON.stringify(schema, null, 2)}\n`);
const source = {
  repository: `https://github.com/${REPO}`,
  path: PATH,
  commit,
  committed: date,
  schema: schema.$schema,
  license: 'Apache-2.0',
};
writeFileSync(join(root, 'src/validation/compose-spec.source.json'), `${JSON.stringify(source, null, 2)}\n`);
execFileSync('npx', ['prettier', '--write', out, join(root, 'src/validation/compose-spec.source.json')], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`compose-spec.schema.json: ${REPO}@${commit.slice(0, 12)} (${date})`);
