// File globs for the `files`, `schema-map` and `compose-files` inputs, relative to the workspace.
// Node 22+ has fs.globSync (the runner's node24 uses it); on older Nodes a small walker with the same
// rules stands in: `*` `?` `[...]` `{a,b}` within a segment, `**` across folders, names starting with
// a dot only when the pattern's segment does too, folders node_modules and .git never entered,
// and a leading `!` drops earlier matches.
import * as fs from 'node:fs';
import { join, posix, relative, resolve, sep } from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const MAGIC = /[*?[\]{}]/;

/** `{a,b}` expanded into every alternative (nested braces too). */
export function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      if (!commas.length) break; // `{x}` is literal
      const head = pattern.slice(0, open);
      const tail = pattern.slice(i + 1);
      const cuts = [open, ...commas, i];
      const out: string[] = [];
      for (let k = 0; k + 1 < cuts.length; k++) {
        for (const alt of expandBraces(pattern.slice(cuts[k]! + 1, cuts[k + 1]!)))
          out.push(...expandBraces(head + alt + tail));
      }
      return out;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

function segmentSource(seg: string): string {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, close).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|\\{}]/g, '\\$&');
  }
  // A wildcard never matches a leading dot unless the segment starts with one.
  return seg.startsWith('.') ? re : `(?!\\.)${re}`;
}

/** A posix relative path matcher for one glob (braces included). */
export function globToRegExp(pattern: string): RegExp {
  const alts = expandBraces(normalise(pattern)).map((p) => {
    const segs = p.split('/');
    let src = '';
    segs.forEach((seg, i) => {
      const last = i === segs.length - 1;
      if (seg === '**') src += last ? '(?:(?!\\.)[^/]*(?:/(?!\\.)[^/]*)*)?' : '(?:(?!\\.)[^/]*/)*';
      else src += segmentSource(seg) + (last ? '' : '/');
    });
    return src;
  });
  return new RegExp(`^(?:${alts.join('|')})$`);
}

function normalise(pattern: string): string {
  return pattern.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+/g, '/');
}

function walk(root: string, dir: string, deep: boolean, depthLeft: number, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name) && (deep || depthLeft > 1)) walk(root, rel, deep, depthLeft - 1, out);
    } else if (e.isFile() || (e.isSymbolicLink() && isFile(join(root, rel)))) out.push(rel);
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function smallGlob(pattern: string, cwd: string): string[] {
  const out: string[] = [];
  for (const p of expandBraces(pattern)) {
    const segs = p.split('/');
    const firstMagic = segs.findIndex((s) => MAGIC.test(s));
    if (firstMagic < 0) {
      if (isFile(join(cwd, p))) out.push(p);
      continue;
    }
    const base = segs.slice(0, firstMagic).join('/');
    const rest = segs.slice(firstMagic);
    const files: string[] = [];
    walk(cwd, base, rest.includes('**'), rest.length, files);
    const re = globToRegExp(p);
    for (const f of files) if (re.test(f)) out.push(f);
  }
  return out;
}

type GlobSync = (pattern: string, options: { cwd: string; exclude: (p: unknown) => boolean }) => string[];

function nodeGlob(pattern: string, cwd: string, globSync: GlobSync): string[] {
  const exclude = (p: unknown) => {
    const name = typeof p === 'string' ? posix.basename(p.replace(/\\/g, '/')) : (p as { name?: string }).name;
    return name !== undefined && SKIPPED_DIRS.has(name);
  };
  return globSync(pattern, { cwd, exclude })
    .map((f) => f.split(sep).join('/'))
    .filter((f) => isFile(join(cwd, f)));
}

export interface GlobResult {
  /** Workspace-relative posix paths, sorted, each once. */
  files: string[];
  /** Patterns (not negations) that matched no file: likely typos. */
  unmatched: string[];
}

/**
 * Expands patterns in order against `cwd`: a pattern adds its matches, `!pattern` removes them.
 * Absolute patterns inside `cwd` are made relative to it.
 */
export function expandGlobs(patterns: string[], cwd: string, { useNodeGlob = true } = {}): GlobResult {
  const globSync = useNodeGlob ? (fs as unknown as { globSync?: GlobSync }).globSync : undefined;
  const found = new Set<string>();
  const unmatched: string[] = [];
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    let p = negate ? raw.slice(1) : raw;
    if (p.startsWith('/')) p = relative(cwd, resolve(p)).split(sep).join('/');
    p = normalise(p);
    if (negate) {
      const re = globToRegExp(p);
      for (const f of [...found]) if (re.test(f)) found.delete(f);
      continue;
    }
    const hits = !MAGIC.test(p)
      ? isFile(join(cwd, p))
        ? [p]
        : []
      : globSync
        ? nodeGlob(p, cwd, globSync)
        : smallGlob(p, cwd);
    if (!hits.length) unmatched.push(raw);
    for (const h of hits) found.add(h);
  }
  return { files: [...found].sort(), unmatched };
}
