// Compose's interpolation with real values: `.env` beside the compose file, the `env` input, the
// step's environment. A variable whose value nobody knows here (the image the deploy builds) stays
// unknown: the string holding it is left as written, and checks skip what they cannot decide.
import { variableUses } from './Interpolation.js';

/** A variable's value; `undefined` when it is unset (Compose then uses ''), UNKNOWN when set but unknown here. */
export const UNKNOWN = Symbol('unknown');
export type Lookup = (name: string) => string | undefined | typeof UNKNOWN;

/** Thrown for `${VAR:?message}` with VAR unset ('required'), and for a reference Compose cannot read. */
export class InterpolationError extends Error {
  constructor(
    message: string,
    readonly kind: 'required' | 'syntax' = 'syntax',
  ) {
    super(message);
  }
}

/** The `${…}` starting at `open` (the `$`): its end (exclusive), or -1 when unclosed. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/** `s` with its references replaced, or UNKNOWN when a reference it needs has no known value. */
export function interpolate(s: string, lookup: Lookup): string | typeof UNKNOWN {
  if (!s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const d = s.indexOf('$', i);
    if (d < 0) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, d);
    const next = s[d + 1];
    if (next === '$') {
      out += '$';
      i = d + 2;
      continue;
    }
    if (next === '{') {
      const end = closing(s, d);
      if (end < 0) throw new InterpolationError(`invalid interpolation format for "${s}": an unclosed \${`);
      const inner = s.slice(d + 2, end - 1);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(inner);
      if (!m) throw new InterpolationError(`invalid interpolation format for "${s}": \${${inner}} is not a reference`);
      const [, name, op, arg = ''] = m;
      const v = lookup(name!);
      if (v === UNKNOWN) return UNKNOWN;
      const empty = op?.startsWith(':') ? !v : v === undefined;
      let piece: string | typeof UNKNOWN;
      if (!op) piece = v ?? '';
      else if (op.endsWith('-')) piece = empty ? interpolate(arg, lookup) : v!;
      else if (op.endsWith('+')) piece = empty ? '' : interpolate(arg, lookup);
      else if (empty) throw new InterpolationError(`required variable ${name} is missing a value: ${arg}`, 'required');
      else piece = v!;
      if (piece === UNKNOWN) return UNKNOWN;
      out += piece;
      i = end;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(d + 1));
    if (!m) {
      out += '$';
      i = d + 1;
      continue;
    }
    const v = lookup(m[0]);
    if (v === UNKNOWN) return UNKNOWN;
    out += v ?? '';
    i = d + 1 + m[0].length;
  }
  return out;
}

/** True when the string still holds a reference (its value was unknown). */
export function isUnresolved(v: unknown): boolean {
  return typeof v === 'string' && variableUses(v).length > 0;
}

export interface Resolved {
  value: unknown;
  /** Interpolation errors with the path of the string that has them. */
  errors: { path: (string | number)[]; message: string }[];
}

/** A parsed document with every string interpolated; strings with unknown values are kept as written. */
export function interpolateTree(value: unknown, lookup: Lookup): Resolved {
  const errors: Resolved['errors'] = [];
  const walk = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === 'string') {
      try {
        const r = interpolate(v, lookup);
        return r === UNKNOWN ? v : r;
      } catch (e) {
        // A required variable left unset is reported by checkVariables, at the reference itself.
        if (!(e instanceof InterpolationError && e.kind === 'required'))
          errors.push({ path, message: (e as Error).message });
        return v;
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = k.startsWith('x-') ? x : walk(x, [...path, k]);
      return out;
    }
    return v;
  };
  return { value: walk(value, []), errors };
}

/** `KEY=value` lines of a dotenv file, quotes removed (`export`, comments and blanks skipped). */
export function dotenvValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!.trim();
    const q = /^(['"])([\s\S]*?)\1/.exec(v);
    if (q) v = q[2]!;
    else v = v.replace(/\s+#.*$/, '');
    out.set(m[1]!, v);
  }
  return out;
}
