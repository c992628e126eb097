#!/usr/bin/env node
// Rewrites docs/summary-<action>.png: each action's job summary (tests/support/summaryFixtures.ts,
// made by the actions' own report functions) rendered as the run page shows it and photographed by
// headless Chromium (`apt-get install chromium`). The rendering test does the work (vitest loads
// the TypeScript sources); NJORD_SUMMARY_DIR tells it to keep the pictures in docs/.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const r = spawnSync('npx', ['vitest', 'run', 'tests/unit/report-render.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NJORD_SUMMARY_DIR: `${root}docs` },
});
process.exit(r.status ?? 1);
