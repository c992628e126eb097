#!/usr/bin/env node
// Makes `npm test` and `npm run demo` work as the first command on a fresh clone: installs the
// locked dependencies when node_modules is missing or older than package-lock.json. A node_modules
// that is a link (a git worktree sharing another checkout's) is left alone: `npm ci` would empty
// the checkout it points to.
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const linked = existsSync('node_modules') && lstatSync('node_modules').isSymbolicLink();
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale && linked) console.log('node_modules is a link to another checkout: not reinstalling it here.');
else if (stale) {
  console.log('Installing dependencies (npm ci)…');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
}
