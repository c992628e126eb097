import { InputError } from './InputError.js';

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Too short, or without a letter or digit, to be a secret: masking it would blank it everywhere. */
function trivialSecret(value: string): boolean {
  const v = value.trim();
  return v.length < 3 || !/[\p{L}\p{N}]/u.test(v);
}

/** Where raw input strings come from: the runner's INPUT_* variables, or the CLI's flags. */
export interface InputSource {
  /** The raw value, or '' when unset (as @actions/core's getInput returns it). */
  get(name: string): string;
}

/** Reads raw inputs into typed values; every failure names the input it came from. */
export class InputReader {
  constructor(private readonly source: InputSource) {}

  string(name: string, fallback = ''): string {
    const v = this.source.get(name).trim();
    return v === '' ? fallback : v;
  }

  /** The value kept exactly, for keys and secrets whose whitespace matters. */
  raw(name: string): string {
    return this.source.get(name);
  }

  required(name: string, hint: string): string {
    const v = this.string(name);
    if (!v) throw new InputError(name, `is required: ${hint}`);
    return v;
  }

  /** Items separated by newlines or commas, trimmed, blanks and #-comments dropped. */
  list(name: string, { commas = true } = {}): string[] {
    const split = commas ? /[\n,]/ : /\n/;
    return this.source
      .get(name)
      .split(split)
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('#'));
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.string(name).toLowerCase();
    if (v === '') return fallback;
    if (['true', 'yes', '1', 'on'].includes(v)) return true;
    if (['false', 'no', '0', 'off'].includes(v)) return false;
    throw new InputError(name, `'${v}' is not a boolean: use true or false`);
  }

  int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
    const v = this.string(name);
    if (v === '') return fallback;
    if (!/^\d+$/.test(v)) throw new InputError(name, `'${v}' is not a whole number`);
    const n = Number(v);
    if (n < min || n > max) throw new InputError(name, `${n} is out of range: use ${min} to ${max}`);
    return n;
  }

  /** A duration in seconds: `90`, `90s`, `2m`. */
  seconds(name: string, fallback: number, { min = 0, max = 86_400 } = {}): number {
    const v = this.string(name);
    if (v === '') return fallback;
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(v);
    if (!m) throw new InputError(name, `'${v}' is not a duration: use seconds like 60, or 60s, 2m, 500ms`);
    const unit = m[2] ?? 's';
    const n = Number(m[1]) * (unit === 'm' ? 60 : unit === 'ms' ? 0.001 : 1);
    if (n < min || n > max) throw new InputError(name, `${v} is out of range: use ${min}s to ${max}s`);
    return n;
  }

  /**
   * `KEY=VALUE` lines. Values keep inner spaces; a line without `=` or a bad key is an error. With
   * `secret`, errors name line numbers only: a bad line is often a pasted key, and its text would
   * reach the log and the summary.
   */
  keyValues(name: string, { secret = false } = {}): Map<string, string> {
    const out = new Map<string, string>();
    const lineOf = new Map<string, number>();
    const hidden = secret ? '; the line is not shown, as it may hold a secret' : '';
    const lines = this.source.get(name).split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line.trim() === '' || line.trim().startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq <= 0)
        throw new InputError(
          name,
          `line ${i + 1} is not KEY=VALUE (one variable a line; a value cannot span lines)${hidden}`,
        );
      const key = line.slice(0, eq).trim();
      if (!VARIABLE_NAME.test(key))
        throw new InputError(
          name,
          secret
            ? `line ${i + 1}: the text before = is not a variable name (letters, digits and _)${hidden}`
            : `line ${i + 1}: '${key}' is not a variable name (letters, digits and _)`,
        );
      const first = lineOf.get(key);
      if (first !== undefined)
        throw new InputError(
          name,
          secret
            ? `line ${i + 1} sets the same name as line ${first}; set it once`
            : `line ${i + 1}: ${key} is set twice`,
        );
      lineOf.set(key, i + 1);
      out.set(key, line.slice(eq + 1));
    });
    return out;
  }

  /**
   * What to mask of KEY=VALUE lines, unchecked: for masking before anything else reads them. A
   * line that is not KEY=VALUE is masked whole (its `=` may be a key's base64 padding, the secret
   * before it); strings too trivial to be secret (`=`, a digit, blanks) are never masked, as that
   * would blank them across the whole log.
   */
  keyValuesLoose(name: string): string[] {
    const out: string[] = [];
    for (const raw of this.source.get(name).split(/\r?\n/)) {
      // A comment is never read, nor printed: only a commented-out KEY=VALUE's value is masked.
      const comment = raw.trim().startsWith('#');
      const line = comment ? raw.trim().slice(1) : raw;
      const eq = line.indexOf('=');
      const pair = eq > 0 && VARIABLE_NAME.test(line.slice(0, eq).trim());
      if (comment && !pair) continue;
      const value = pair ? line.slice(eq + 1) : line;
      for (const v of new Set([value, value.trim()])) if (!trivialSecret(v)) out.push(v);
    }
    return out;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name, fallback);
    if (!(allowed as readonly string[]).includes(v))
      throw new InputError(name, `'${v}' is not one of: ${allowed.join(', ')}`);
    return v as T;
  }
}

/** The runner's inputs: INPUT_<NAME> with spaces as underscores, upper-cased, hyphens kept. */
export const runnerInputs: InputSource = {
  get: (name) => process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '',
};
