#!/usr/bin/env node
// Bundles every action's entry (src/actions/<name>/main.ts) with @vercel/ncc into
// dist/<name>/index.js. The root action.yml is the deploy action; actions/<name>/action.yml the rest.
// `--check` rebuilds into a scratch folder and fails when the committed dist/ differs.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { transformSync } from 'esbuild';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const check = process.argv.includes('--check');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));

// ssh2 falls back to pure JS when its optional native parts are missing; keeping them out keeps
// dist/ portable across runners and small.
const externals = ['cpu-features', './crypto/build/Release/sshcrypto.node'];

// ssh2's poly1305 (emscripten) reads __dirname, which ncc's ESM output does not define.
const banner =
  "import{fileURLToPath as __njordFileURLToPath}from'node:url';import{dirname as __njordDirname}from'node:path';" +
  'const __filename=__njordFileURLToPath(import.meta.url);const __dirname=__njordDirname(__filename);\n';

// Bundles that are not actions: name → entry. The CLI (`npx njord-deploy`) keeps its shebang.
const otherBundles = { cli: 'src/cli/main.ts' };

export function actionNames() {
  const names = ['deploy'];
  const dir = join(root, 'actions');
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (existsSync(join(dir, name, 'action.yml'))) names.push(name);
    }
  }
  return names;
}

function build(name, outRoot) {
  const entry = otherBundles[name] ? join(root, otherBundles[name]) : join(root, 'src', 'actions', name, 'main.ts');
  if (!existsSync(entry)) throw new Error(`bundle: ${relative(root, entry)} is missing for action '${name}'`);
  const out = join(outRoot, name);
  rmSync(out, { recursive: true, force: true });
  // No shared build cache: a build in another checkout at the same time must not leak into this one.
  const args = ['build', entry, '-o', out, '-m', '-q', '-C', '--no-source-map-register'];
  for (const e of externals) args.push('-e', e);
  execFileSync(join(root, 'node_modules', '.bin', 'ncc'), args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  // Pageant is a Windows agent helper ssh2 ships; we only ever authenticate with the given key.
  for (const f of readdirSync(out)) if (f.endsWith('.exe')) rmSync(join(out, f));
  // ncc minifies the entry only. The chunks it splits off for dynamic imports (the artifact client,
  // age) are minified here, keeping names (code may read them) and licence comments (at the end).
  for (const f of readdirSync(out))
    if (f.endsWith('.index.js')) {
      const chunk = join(out, f);
      const { code } = transformSync(readFileSync(chunk, 'utf8'), {
        minify: true,
        keepNames: true,
        format: 'esm',
        target: 'node20',
        legalComments: 'eof',
      });
      writeFileSync(chunk, code);
    }
  const index = join(out, 'index.js');
  const code = readFileSync(index, 'utf8');
  const shebang = code.startsWith('#!') ? code.slice(0, code.indexOf('\n') + 1) : '';
  const body = code.slice(shebang.length);
  if (/\b__dirname\b/.test(body) && !body.startsWith(banner)) writeFileSync(index, shebang + banner + body);
  if (shebang) chmodSync(index, 0o755);
}

function listFiles(dir) {
  const files = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) files.push(...listFiles(p).map((x) => join(f, x)));
    else files.push(f);
  }
  return files.sort();
}

const names = only.length ? only : [...actionNames(), ...Object.keys(otherBundles)];
if (check) {
  const scratch = mkdtempSync(join(tmpdir(), 'njord-dist-'));
  const stale = [];
  for (const name of names) {
    build(name, scratch);
    const fresh = join(scratch, name);
    const committed = join(root, 'dist', name);
    if (!existsSync(committed)) {
      stale.push(`dist/${name}/ is missing`);
      continue;
    }
    const a = listFiles(fresh);
    const b = listFiles(committed);
    if (a.join('\n') !== b.join('\n')) stale.push(`dist/${name}/ has files [${b}] but a fresh build has [${a}]`);
    for (const f of a) {
      if (b.includes(f) && !readFileSync(join(fresh, f)).equals(readFileSync(join(committed, f))))
        stale.push(`dist/${name}/${f} differs from a fresh build of src/`);
    }
  }
  const extra = existsSync(join(root, 'dist')) ? readdirSync(join(root, 'dist')).filter((d) => !names.includes(d)) : [];
  if (!only.length) for (const d of extra) stale.push(`dist/${d}/ belongs to no action`);
  rmSync(scratch, { recursive: true, force: true });
  if (stale.length) {
    console.error(`dist/ is stale:\n  ${stale.join('\n  ')}\nRun \`npm run bundle\` and commit dist/.`);
    process.exit(1);
  }
  console.log(`dist/ is fresh (${names.length} actions)`);
} else {
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const name of names) {
    build(name, join(root, 'dist'));
    const size = statSync(join(root, 'dist', name, 'index.js')).size;
    console.log(`dist/${name}/index.js  ${(size / 1024).toFixed(0)} kB`);
  }
}
