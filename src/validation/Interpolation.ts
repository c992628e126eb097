// Compose's variable interpolation, read (not evaluated): which variables a string uses and whether
// each one has a fallback. `$$` is a literal dollar; `${VAR:-x}` / `${VAR-x}` give a default and
// `${VAR:+x}` / `${VAR+x}` an alternative (both fine when VAR is unset); `${VAR:?msg}` / `${VAR?msg}`
// and plain `${VAR}` / `$VAR` need VAR. Defaults may nest further references.

export interface VariableUse {
  name: string;
  /** The reference as written, e.g. `${DB_URL}` or `$HOME`. */
  text: string;
  /** Offset of the reference in the string. */
  index: number;
  /** True when compose falls back to something if the variable is unset. */
  hasFallback: boolean;
  /** The `${VAR:?message}` message, if any. */
  requiredMessage?: string;
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** The end (exclusive) of a `${...}` starting at `open` (the `$`), honouring nested braces. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

export function variableUses(s: string, offset = 0): VariableUse[] {
  const out: VariableUse[] = [];
  for (let i = s.indexOf('$'); i >= 0 && i < s.length; i = s.indexOf('$', i)) {
    const next = s[i + 1];
    if (next === '$') {
      i += 2;
      continue;
    }
    if (next === '{') {
      const end = closing(s, i);
      if (end < 0) break;
      const inner = s.slice(i + 2, end - 1);
      NAME.lastIndex = 0;
      const m = NAME.exec(inner);
      if (m) {
        const name = m[0];
        const rest = inner.slice(name.length);
        const op = /^(:?[-?+])/.exec(rest)?.[1];
        const arg = op ? rest.slice(op.length) : '';
        const use: VariableUse = {
          name,
          text: s.slice(i, end),
          index: offset + i,
          hasFallback: !!op && !op.endsWith('?'),
        };
        if (op?.endsWith('?')) use.requiredMessage = arg;
        if (op === undefined && rest !== '') {
          // `${VAR something}`: not a valid reference; compose rejects it, so report it as needing VAR.
          use.hasFallback = false;
        }
        out.push(use);
        if (op && !op.endsWith('?')) out.push(...variableUses(arg, offset + i + 2 + name.length + op.length));
      }
      i = end;
      continue;
    }
    NAME.lastIndex = i + 1;
    const m = NAME.exec(s);
    if (m) {
      out.push({ name: m[0], text: `$${m[0]}`, index: offset + i, hasFallback: false });
      i += 1 + m[0].length;
    } else i += 1;
  }
  return out;
}

/** Variable names defined by a dotenv file (`KEY=value`, `export KEY=value`, comments and blanks skipped). */
export function dotenvNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}
