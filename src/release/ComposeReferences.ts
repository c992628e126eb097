// The files a compose file names by a relative path: bind-mount sources, env_file, configs and
// secrets `file:`, extends `file:`. Each is found with its compose file and line, after compose's
// variable interpolation with the deploy's own variables (release.env holds the same on the host).
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export interface FileReference {
  /** The path as compose reads it, relative to the release directory (the project directory). */
  path: string;
  /** What names it, e.g. `services.web.volumes`. */
  field: string;
  /** The compose file (as the user gave it) and the line. */
  composeFile: string;
  line: number;
  /** An env_file with `required: false`: compose skips it when missing, and so does the release. */
  optional?: true;
}

/** A reference that cannot travel; `field`, file and line say where it is. */
export class ReferenceError extends Error {
  override name = 'ReferenceError';
  constructor(
    readonly composeFile: string,
    readonly line: number,
    message: string,
  ) {
    super(`${composeFile}:${line}: ${message}`);
  }
}

/** Relative references of one compose file; absolute (`/…`, `~/…`) and named volumes are left out. */
export function composeReferences(source: string, content: string, vars: ReadonlyMap<string, string>): FileReference[] {
  const lc = new LineCounter();
  const doc = parseDocument(content, { lineCounter: lc });
  const out: FileReference[] = [];
  const lineOf = (n: Node) => (n.range ? lc.linePos(n.range[0]).line : 0);
  const add = (node: unknown, field: string, bindOnly = false, optional = false) => {
    if (!isScalar(node) || typeof node.value !== 'string') return;
    const line = lineOf(node);
    const value = interpolate(node.value, vars, (m) => new ReferenceError(source, line, m));
    const path = bindOnly ? bindSource(value) : value;
    if (path === undefined || path.startsWith('/') || path.startsWith('~')) return;
    out.push({ path, field, composeFile: source, line, ...(optional && { optional: true as const }) });
  };
  const services = doc.get('services');
  if (isMap(services))
    for (const pair of services.items) {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      const svc = pair.value;
      if (!isMap(svc)) continue;
      const volumes = svc.get('volumes');
      if (isSeq(volumes))
        for (const v of volumes.items) {
          if (isMap(v)) {
            if (v.get('type') === 'bind') add(v.get('source', true), `services.${name}.volumes`);
          } else add(v, `services.${name}.volumes`, true);
        }
      const envFile = svc.get('env_file', true);
      for (const e of isSeq(envFile) ? envFile.items : [envFile])
        add(
          isMap(e) ? e.get('path', true) : e,
          `services.${name}.env_file`,
          false,
          isMap(e) && e.get('required') === false,
        );
      const ext = svc.get('extends');
      if (isMap(ext)) add(ext.get('file', true), `services.${name}.extends.file`);
    }
  for (const top of ['configs', 'secrets']) {
    const section = doc.get(top);
    if (!isMap(section)) continue;
    for (const pair of section.items) {
      const entry = pair.value;
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key);
      if (isMap(entry)) add(entry.get('file', true), `${top}.${name}.file`);
    }
  }
  return out;
}

/** The source of a short-syntax volume when it is a bind mount (a path, not a volume name). */
function bindSource(spec: string): string | undefined {
  const src = spec.split(':')[0]!;
  return /^[./~]/.test(src) ? src : undefined;
}

/** Compose's interpolation, evaluated: $$, $VAR, ${VAR}, ${VAR:-x}, ${VAR-x}, ${VAR:?msg}. */
export function interpolate(s: string, vars: ReadonlyMap<string, string>, fail: (m: string) => Error): string {
  return s.replace(
    /\$\$|\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_]\w*)/g,
    (whole, braced, op, arg, bare) => {
      if (whole === '$$') return '$';
      const name = (braced ?? bare) as string;
      const value = vars.get(name);
      const empty = value === undefined || (op?.startsWith(':') && value === '');
      if (!empty) return value;
      if (op?.endsWith('-')) return arg as string;
      throw fail(
        `names a path with \${${name}}, which the env input does not set: set ${name} in env (files are gathered on the runner)`,
      );
    },
  );
}
