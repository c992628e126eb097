// Secrets in plain text: files named like secrets (`*.secrets`, `secrets*.yml`, `.env`) committed
// without SOPS or age encryption, and values that look like private keys or tokens, with their line.
// Messages name what was found and where, never the value.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Finding } from './Finding.js';
import type { LineIndex, YamlSource } from './YamlSource.js';

/** Files whose name says they hold secrets (`.env.example` and the like are templates, not secrets). */
export function isSecretFileName(path: string): boolean {
  const name = basename(path);
  if (/\.secrets$/i.test(name)) return true;
  if (/^secrets.*\.ya?ml$/i.test(name)) return true;
  if (name === '.env') return true;
  return /^\.env\.(?!example$|sample$|template$|dist$|defaults?$|schema$)[\w.-]+$/i.test(name);
}

/** SOPS metadata (YAML, JSON, dotenv, INI) or an age envelope (armored or binary). */
export function isEncrypted(text: string): boolean {
  return (
    /^sops:\s*$/m.test(text) ||
    /"sops"\s*:\s*\{/.test(text) ||
    /^sops_(?:version|mac|lastmodified)=/m.test(text) ||
    /^\[sops\]\s*$/m.test(text) ||
    text.includes('-----BEGIN AGE ENCRYPTED FILE-----') ||
    text.startsWith('age-encryption.org/v1')
  );
}

const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/**
 * The workspace's files named like secrets: those git tracks (committed), or, outside a git
 * checkout, every such file found (node_modules and .git skipped).
 */
export function secretNamedFiles(workspace: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached'], {
      cwd: workspace,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      maxBuffer: 64 * 1024 * 1024,
      timeout: 30_000,
    });
    return out
      .split('\0')
      .filter((f) => f && isSecretFileName(f))
      .sort();
  } catch {
    const found: string[] = [];
    const walk = (dir: string, depth: number) => {
      let entries;
      try {
        entries = readdirSync(join(workspace, dir), { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name) && depth < 16) walk(rel, depth + 1);
        } else if (e.isFile() && isSecretFileName(e.name)) found.push(rel);
      }
    };
    walk('', 0);
    return found.sort();
  }
}

export function plaintextSecretFile(file: string): Finding {
  return {
    rule: 'plaintext-secret',
    severity: 'error',
    file,
    span: { line: 1, column: 1 },
    message:
      `${file} is named like a secrets file but is not encrypted (no SOPS metadata, no age header). ` +
      `Encrypt it (sops --encrypt --in-place ${file}, or age) or keep it out of the repository`,
  };
}

interface TokenKind {
  name: string;
  re: RegExp;
}

const TOKENS: TokenKind[] = [
  { name: 'a private key', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'a GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: 'a GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{22,}/ },
  { name: 'an AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'a Slack token', re: /\bxox[baprs]-[A-Za-z0-9-]{10,}/ },
  { name: 'a GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { name: 'a Stripe live key', re: /\b[sr]k_live_[A-Za-z0-9]{20,}/ },
  { name: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { name: 'an npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/ },
];
const ANY_TOKEN = new RegExp(TOKENS.map((t) => t.re.source).join('|'));

/** Keys whose values are secrets. */
const SECRET_KEY =
  /pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credential|auth/i;
/** …unless the key names where the secret is, not the secret. */
const REFERENCE_KEY =
  /[_.-](?:file|path|dir|url|uri|env|var|name|ref|id|type|length|ttl|expiry|expires|header|endpoint|enabled)$/i;

export function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** A long, random-looking value: not a reference, path, URL, placeholder or prose. */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  if (v.length < 16 || /\s/.test(v)) return false;
  if (/^(?:\$\{|\$\(|\{\{|ENC\[|<|%|vault:|arn:|file:|env:|secret:|ref\+)/i.test(v)) return false;
  if (/^(?:\.{0,2}\/|~\/)/.test(v)) return false;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) && !/:\/\/[^/@\s]+:[^/@\s]+@/.test(v)) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(v)).length;
  if (classes < 2) return false;
  if (/^[a-z]+(?:[-_][a-z]+)+$/i.test(v)) return false; // change-me-in-production
  return entropy(v) >= 3.3;
}

function tokenFinding(file: string, lines: LineIndex, start: number, end: number, what: string, key?: string): Finding {
  return {
    rule: 'secret-value',
    severity: 'error',
    file,
    span: lines.span(start, end),
    message:
      `${what[0]!.toUpperCase()}${what.slice(1)} in plain text${key ? ` under ${key}` : ''}: move it to a secret (e.g. a GitHub Actions secret passed ` +
      `through the deploy's secrets input) or encrypt the file with SOPS or age`,
  };
}

/** `scheme://user:password@host`: the password's start and end in the match (user may be empty). */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:([^\s/@'"]+)@/gi;
/** What stands in for a password in examples and templates, not a password. */
const PLACEHOLDER =
  /^(?:\$.*|\{\{.*\}\}|<.*>|%.*|\[.*\]|\*+|x+|\.+|(?:your[_-]?|my[_-]?|db[_-]?|the[_-]?)?(?:pass(?:word|wd)?|pwd|secret|changeme|change[_-]me|placeholder|redacted|example|dummy))$/i;

/** Passwords written into URLs (`postgres://app:…@db/x`), not `${VAR}` references or placeholders. */
function urlPasswords(line: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const m of line.matchAll(URL_CREDENTIALS)) {
    const password = m[1]!;
    if (PLACEHOLDER.test(password)) continue;
    const start = m.index + m[0].length - 1 - password.length;
    out.push({ start, end: start + password.length });
  }
  return out;
}

/** Token-shaped strings and passwords in URLs anywhere in a text (any file type), one finding per line. */
export function scanTokens(file: string, text: string, lines: LineIndex): Finding[] {
  const urls = text.includes('://') && /:\/\/[^\s/@]*:[^\s/@]+@/.test(text);
  if (!urls && !ANY_TOKEN.test(text)) return [];
  const out: Finding[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const token = ANY_TOKEN.test(line) && !/ENC\[/.test(line) ? TOKENS.find((t) => t.re.test(line)) : undefined;
    const m = token?.re.exec(line);
    const url = !m && urls ? urlPasswords(line)[0] : undefined;
    if (m) out.push(tokenFinding(file, lines, offset + m.index, offset + m.index + m[0].length, token!.name));
    else if (url) out.push(tokenFinding(file, lines, offset + url.start, offset + url.end, 'a password in a URL'));
    offset += line.length + 1;
  }
  return out;
}

/** Whether a plain value has a secret-looking string under a secret-looking key (to locate it then). */
export function hasKeyedSecret(value: unknown, key?: string): boolean {
  if (typeof value === 'string') {
    if (key === undefined) {
      const m = /^([A-Za-z_][\w.-]*)=(.*)$/s.exec(value);
      return !!m && hasKeyedSecret(m[2], m[1]);
    }
    return SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) && looksLikeSecretValue(value);
  }
  if (Array.isArray(value)) return value.some((v) => hasKeyedSecret(v));
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => hasKeyedSecret(v, k));
  return false;
}

/** High-entropy values under password/token/secret keys in a parsed YAML or JSON file. */
export function scanKeyedValues(file: string, src: YamlSource, skipLines: Set<number>): Finding[] {
  if (!SECRET_KEY.test(src.text)) return [];
  const out: Finding[] = [];
  for (const s of src.strings()) {
    let key = s.key;
    let value = s.value;
    if (key === undefined) {
      // `- DB_PASSWORD=...` in a list (compose environment:).
      const m = /^([A-Za-z_][\w.-]*)=(.*)$/s.exec(s.value);
      if (!m) continue;
      [key, value] = [m[1]!, m[2]!];
    }
    if (!SECRET_KEY.test(key) || REFERENCE_KEY.test(key) || !looksLikeSecretValue(value)) continue;
    const span = src.lines.span(s.start, s.end);
    if (skipLines.has(span.line)) continue;
    out.push(tokenFinding(file, src.lines, s.start, s.end, 'what looks like a secret', key));
  }
  return out;
}

/** `KEY=value` lines of a dotenv file with secret-looking values under secret-looking names. */
export function scanDotenv(file: string, text: string, lines: LineIndex, skipLines: Set<number>): Finding[] {
  const out: Finding[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const m = /^(\s*(?:export\s+)?)([A-Za-z_][\w.-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) {
      const value = m[3]!.replace(/^(['"])(.*)\1$/, '$2');
      const start = offset + line.indexOf('=', m[1]!.length) + 1;
      const lineNo = lines.at(offset).line;
      if (SECRET_KEY.test(m[2]!) && !REFERENCE_KEY.test(m[2]!) && !skipLines.has(lineNo) && looksLikeSecretValue(value))
        out.push(tokenFinding(file, lines, start, offset + line.trimEnd().length, 'what looks like a secret', m[2]!));
    }
    offset += line.length + 1;
  }
  return out;
}

/**
 * Whether a secrets-named file holds what looks like a secret: a token, a random-looking value, or a
 * value under a password/token/secret key that is not empty, a reference or a placeholder. A `.env`
 * of a time zone and a URL holds none.
 */
export function holdsSecrets(text: string): boolean {
  if (ANY_TOKEN.test(text) || /:\/\/[^\s/@]*:[^\s/@]+@/.test(text)) return true;
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const m = /^(?:export\s+|-\s+)?["']?([A-Za-z_][\w.-]*)["']?\s*[=:]\s*(.*)$/.exec(t);
    const value = (m ? m[2]! : t)
      .replace(/\s+#.*$/, '')
      .replace(/^(['"])(.*)\1$/, '$2')
      .trim();
    if (!value || PLACEHOLDER.test(value) || /^(?:\||>)[-+]?$/.test(value)) continue;
    if (looksLikeSecretValue(value)) return true;
    if (m && SECRET_KEY.test(m[1]!) && !REFERENCE_KEY.test(m[1]!)) return true;
  }
  return false;
}
