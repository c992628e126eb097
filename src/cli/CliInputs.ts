// The CLI's InputSource: the actions' input names, from flags (--hosts …), environment variables
// (NJORD_HOSTS) or a YAML file (--config file.yml), in that order of precedence. Any input can
// also come from a file (--ssh-key-file, NJORD_SSH_KEY_FILE, ssh-key-file:); secrets only so, or
// from the environment: a flag's value is in the process list for every user of the machine.
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { InputSource } from '../inputs/InputReader.js';
import type { DeclaredInput } from './ActionInputs.js';

export class UsageError extends Error {}

export interface ParsedArgs {
  command?: string;
  /** Flag name → value; a repeated flag's values are joined by newlines (a list input). */
  flags: Map<string, string>;
}

const SWITCHES = new Set(['help', 'verbose', 'json', 'yes']);

export function parseArgs(argv: string[]): ParsedArgs {
  const flags = new Map<string, string>();
  let command: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h') {
      flags.set('help', 'true');
      continue;
    }
    if (!arg.startsWith('--')) {
      if (command) throw new UsageError(`unexpected argument '${arg}': options are --name value`);
      command = arg;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new UsageError(`'${arg}' is not an option`);
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (SWITCHES.has(name) || i + 1 >= argv.length || argv[i + 1]!.startsWith('--')) value = 'true';
    else value = argv[++i]!;
    flags.set(name, flags.has(name) ? `${flags.get(name)}\n${value}` : value);
  }
  return { command, flags };
}

export function envName(input: string): string {
  return `NJORD_${input.toUpperCase().replace(/-/g, '_')}`;
}

export interface InputOrigins {
  flags: Map<string, string>;
  env: NodeJS.ProcessEnv;
  /** The --config file's keys, already made strings (configValues). */
  config: Map<string, string>;
  /** Where the config file is: its -file paths are relative to it. */
  configDir?: string;
  readFile: (path: string) => string;
}

/** `~/x` from the home directory; relative paths from `base`. */
export function expandPath(path: string, base = process.cwd()): string {
  const p = path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
  return isAbsolute(p) ? p : join(base, p);
}

/**
 * Resolves every declared input to its raw string, as the runner would set INPUT_<NAME>: flags,
 * then the environment, then the config file, then the action.yml default.
 */
export function collectInputs(declared: DeclaredInput[], secrets: Set<string>, o: InputOrigins): Map<string, string> {
  const names = new Set(declared.map((d) => d.name));
  for (const flag of o.flags.keys()) {
    if (SWITCHES.has(flag) || flag === 'config') continue;
    const base = flag.endsWith('-file') ? flag.slice(0, -5) : flag;
    if (!names.has(base)) throw new UsageError(`--${flag} is not an option of this command (--help lists them)`);
  }
  const values = new Map<string, string>();
  const fromFile = (path: string, base?: string) => {
    try {
      return o.readFile(expandPath(path, base));
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
    }
  };
  for (const d of declared) {
    const n = d.name;
    if (o.flags.has(n) && secrets.has(n))
      throw new UsageError(
        `--${n} would show the secret in the process list; use --${n}-file PATH, or the ${envName(n)} environment variable`,
      );
    const fileFlag = o.flags.get(`${n}-file`);
    const envFile = o.env[`${envName(n)}_FILE`];
    const configFile = o.config.get(`${n}-file`);
    const value =
      o.flags.get(n) ??
      (fileFlag !== undefined ? fromFile(fileFlag) : undefined) ??
      o.env[envName(n)] ??
      (envFile !== undefined ? fromFile(envFile) : undefined) ??
      o.config.get(n) ??
      (configFile !== undefined ? fromFile(configFile, o.configDir) : undefined) ??
      d.default;
    if (value !== undefined) values.set(n, value);
  }
  return values;
}

/**
 * A YAML config's values as the strings an input holds: lists one item a line, maps as KEY=VALUE
 * lines (`Name: value` for headers). Keys that no command knows are a mistake worth stopping for.
 */
export function configValues(doc: unknown, known: Set<string>, file: string): Map<string, string> {
  if (doc === null || doc === undefined) return new Map();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`${file}: expected a map of input: value`);
  const out = new Map<string, string>();
  for (const [key, v] of Object.entries(doc as Record<string, unknown>)) {
    const base = key.endsWith('-file') ? key.slice(0, -5) : key;
    if (!known.has(base)) throw new UsageError(`${file}: '${key}' is not an input of any command`);
    out.set(key, stringValue(v, key === 'headers' ? ': ' : '='));
  }
  return out;
}

function stringValue(v: unknown, pairSep: string): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map((x) => stringValue(x, pairSep)).join('\n');
  if (typeof v === 'object')
    return Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}${pairSep}${stringValue(x, pairSep)}`)
      .join('\n');
  return String(v);
}

export function mapSource(values: Map<string, string>): InputSource {
  return { get: (name) => values.get(name) ?? '' };
}

export function configDirOf(path: string): string {
  return dirname(expandPath(path));
}
