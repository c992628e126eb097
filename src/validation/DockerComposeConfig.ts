// Where Docker Compose is installed, `config --quiet` has the last word on a compose project; its
// complaint is located on a line when it names one (`line 7`) or a path (`services.web.ports`).
// Compose v1 (docker-compose, end of life) predates parts of the spec, so what it says is a warning.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import type { ComposeFile } from './ComposeChecks.js';
import type { Finding } from './Finding.js';

export interface ComposeCli {
  variant: 'v2' | 'v1';
  command: string[];
}

export type Runner = (
  argv: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
) => { code: number; output: string };

const TIMEOUT_MS = 30_000;

export const spawnRunner: Runner = (argv, { cwd, env }) => {
  const r = spawnSync(argv[0]!, argv.slice(1), { cwd, env, encoding: 'utf8', timeout: TIMEOUT_MS });
  if (r.error) return { code: -1, output: r.error.message };
  return { code: r.status ?? -1, output: `${r.stderr ?? ''}\n${r.stdout ?? ''}`.trim() };
};

/** `docker compose` (v2) if it answers, else `docker-compose` (v1), else none. */
export function findComposeCli(
  run: Runner = spawnRunner,
  env: NodeJS.ProcessEnv = process.env,
): ComposeCli | undefined {
  const cwd = process.cwd();
  if (run(['docker', 'compose', 'version'], { cwd, env }).code === 0)
    return { variant: 'v2', command: ['docker', 'compose'] };
  if (run(['docker-compose', 'version'], { cwd, env }).code === 0)
    return { variant: 'v1', command: ['docker-compose'] };
  return undefined;
}

/**
 * A clean environment: the runner's PATH and HOME, and the real value of each variable known here
 * (compose reads the .env beside the file itself). The image the deploy builds is not known yet: it
 * gets a well-formed reference, used only where it can change nothing (the caller makes sure the
 * variable appears in `image:` values alone).
 */
function composeEnv(given: Map<string, string>, imageVariable: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'TMPDIR']) if (env[k]) out[k] = env[k];
  if (imageVariable && !given.has(imageVariable)) out[imageVariable] = 'registry.invalid/validate-config:unknown';
  for (const [name, value] of given) out[name] = value;
  return out;
}

/** Lines of compose output that say what is wrong (without its log prefixes and our temp paths). */
function cleanMessage(output: string): string {
  return output
    .split(/\r?\n/)
    .map((l) =>
      l
        .replace(/^(ERROR|WARN(ING)?):\s*/i, '')
        .replace(/^time="[^"]*" level=\w+ msg=/, '')
        .trim(),
    )
    .filter((l) => l && !/variable is not set|Defaulting to a blank string|attribute `version` is obsolete/i.test(l))
    .join(' ')
    .replace(/\s*You might be seeing this error because.*$/s, '')
    .replace(/^"|"$/g, '');
}

/** Runs `config --quiet` over the compose files together; a complaint becomes one finding. */
export function composeConfig(
  cli: ComposeCli,
  workspace: string,
  files: ComposeFile[],
  given: Map<string, string>,
  imageVariable: string,
  { run = spawnRunner, env = process.env }: { run?: Runner; env?: NodeJS.ProcessEnv } = {},
): Finding[] {
  if (!files.length) return [];
  const projectDir = dirname(resolve(workspace, files[0]!.file));
  const argv = [...cli.command, '--project-directory', projectDir];
  for (const f of files) argv.push('-f', resolve(workspace, f.file));
  argv.push('config', '--quiet');
  const r = run(argv, { cwd: projectDir, env: composeEnv(given, imageVariable, env) });
  if (r.code === 0) return [];
  // Paths as the annotations give them: relative to the workspace.
  const message = (cleanMessage(r.output) || `exited with code ${r.code}`).split(`${resolve(workspace)}/`).join('');
  const where = locate(message, workspace, files);
  const who = cli.variant === 'v2' ? 'docker compose config' : 'docker-compose (v1) config';
  return [
    {
      rule: 'compose-config',
      severity: cli.variant === 'v2' ? 'error' : 'warning',
      file: where.file,
      span: where.span,
      message: `${who} rejects the compose project: ${message}`,
    },
  ];
}

function locate(message: string, workspace: string, files: ComposeFile[]): Pick<Finding, 'file' | 'span'> {
  // Which file: the one the message names, else the first.
  let cf = files[0]!;
  for (const f of files) {
    const abs = resolve(workspace, f.file);
    if (message.includes(abs) || message.includes(f.file)) cf = f;
  }
  const line = /\bline (\d+)/.exec(message);
  if (line) return { file: cf.file, span: { line: Number(line[1]), column: 1 } };
  // v1: `Unsupported config option for services.web: 'restrat'`, `'name' does not match any of the regexes`.
  const option = /config option for ([\w.-]+): '([^']+)'/.exec(message);
  if (option) {
    const loc = cf.source.find(0, [...option[1]!.split('.'), option[2]!]);
    if (loc.depth > 0) return { file: cf.file, span: cf.source.keyOrValueSpan(loc, 0) };
  }
  const topLevel = /^(?:.*?because: )?'([\w-]+)' does not match any of the regexes/.exec(message);
  if (topLevel) {
    const loc = cf.source.find(0, [topLevel[1]!]);
    if (loc.depth === 1) return { file: cf.file, span: cf.source.keyOrValueSpan(loc, 0) };
  }
  const path = /\b((?:services|volumes|networks|secrets|configs)(?:\.[A-Za-z0-9_-]+)+)/.exec(message);
  if (path) {
    const segs = path[1]!.split('.');
    const loc = cf.source.find(0, segs);
    if (loc.depth > 0) return { file: cf.file, span: cf.source.keyOrValueSpan(loc, 0) };
  }
  // v1 and v2 name a service like `service "web"` or `Service web`.
  const svc = /\bservice[s]? "?([A-Za-z0-9._-]+)"?/i.exec(message);
  if (svc) {
    const loc = cf.source.find(0, ['services', svc[1]!]);
    if (loc.depth === 2) return { file: cf.file, span: cf.source.keyOrValueSpan(loc, 0) };
  }
  return { file: cf.file };
}
