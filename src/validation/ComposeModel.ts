// The compose project as the semantic checks read it: each service merged across the files (later
// files win key by key, as `docker compose -f a -f b` does for the keys these checks read), with the
// file and path each key was written at, so a finding lands where the user wrote the value.
import type { ComposeFile } from './ComposeChecks.js';
import type { Finding } from './Finding.js';
import type { PathSegment, Span } from './YamlSource.js';

export type Dict = Record<string, unknown>;
export const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface Service {
  name: string;
  /** The service's keys merged across the files, interpolated. */
  def: Dict;
  /** The file that last set each key (the service's first file for keys it lacks). */
  fileOf(key: string): ComposeFile;
}

export interface Project {
  services: Service[];
  /** Top-level sections merged: volumes, networks, secrets, configs, models. */
  section(kind: string): Map<string, { def: unknown; file: ComposeFile }>;
  files: ComposeFile[];
}

export function projectOf(files: ComposeFile[]): Project {
  const services = new Map<string, { def: Dict; files: Map<string, ComposeFile>; first: ComposeFile }>();
  type Entry = { def: Dict; files: Map<string, ComposeFile>; first: ComposeFile };
  for (const cf of files) {
    const top = isDict(cf.resolved) ? cf.resolved : {};
    if (!isDict(top.services)) continue;
    for (const [name, def] of Object.entries(top.services)) {
      const s: Entry = services.get(name) ?? { def: {}, files: new Map(), first: cf };
      services.set(name, s);
      if (!isDict(def)) continue;
      for (const [k, v] of Object.entries(def)) {
        s.def[k] = isDict(v) && isDict(s.def[k]) ? { ...s.def[k], ...v } : v;
        s.files.set(k, cf);
      }
    }
  }
  return {
    files,
    services: [...services].map(([name, s]) => ({
      name,
      def: s.def,
      fileOf: (key: string) => s.files.get(key) ?? s.first,
    })),
    section(kind) {
      const out = new Map<string, { def: unknown; file: ComposeFile }>();
      for (const cf of files) {
        const sec = isDict(cf.resolved) ? cf.resolved[kind] : undefined;
        if (isDict(sec)) for (const [k, v] of Object.entries(sec)) out.set(k, { def: v, file: cf });
      }
      return out;
    },
  };
}

/** The value at a path, or the deepest key on the way there (the key when `at` is 'key'). */
export function spanAt(cf: ComposeFile, path: PathSegment[], at: 'key' | 'value' = 'value'): Span {
  const loc = cf.source.find(0, path);
  if (loc.depth < path.length || at === 'key') return cf.source.keyOrValueSpan(loc, 0);
  return cf.source.valueSpan(loc, 0);
}

/** A finding of the Compose loader's own checks, on the file and path the value was written at. */
export function composeFinding(
  cf: ComposeFile,
  path: PathSegment[],
  message: string,
  at: 'key' | 'value' = 'value',
): Finding {
  return { rule: 'compose-check', severity: 'error', file: cf.file, span: spanAt(cf, path, at), message };
}

/** A whole number as Compose reads one (a YAML integer or a string of digits), else undefined. */
export function integer(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

export function number(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

const UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A size such as `512m` or `1gb` in bytes (Docker's units are powers of 1024), else undefined. */
export function bytes(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([bkmgt])?b?\s*$/i.exec(v);
  return m ? Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]! : undefined;
}
