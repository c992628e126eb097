// What the Compose schema cannot see, across the compose files of one project (given together, they
// are merged as `docker compose -f a -f b` merges them): variables nothing provides, services that use
// volumes, networks, secrets, configs or services no file defines, and (a policy of the deploy, which
// can be turned off) no service with `image: ${IMAGE}`.
import type { Finding } from './Finding.js';
import { variableUses } from './Interpolation.js';
import { formatPath, type PathSegment, type Span, type YamlSource } from './YamlSource.js';

export interface ComposeFile {
  /** Workspace-relative path. */
  file: string;
  source: YamlSource;
  /** The parsed document (the first one). */
  value: unknown;
  /** The same, interpolated with the values known here (ComposeVariables). */
  resolved: unknown;
}

/** Where a variable comes from, for the messages: `required-env`, `.env`, `the deploy`. */
export type Provided = Map<string, string>;

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `${NAME}`, `${NAME:-…}` or `$NAME` in a string. */
export function imageRef(variable: string): RegExp {
  return new RegExp(`\\$\\{${variable}(?:[:?+-][^}]*)?\\}|\\$${variable}(?![A-Za-z0-9_])`);
}

function spanOf(cf: ComposeFile, path: PathSegment[], at: 'key' | 'value' = 'value'): Span {
  const loc = cf.source.find(0, path);
  if (loc.depth < path.length || at === 'key') return cf.source.keyOrValueSpan(loc, 0);
  return cf.source.valueSpan(loc, 0);
}

/** `${VAR}` references that nothing provides: not required-env, not in .env, not the deploy's IMAGE, no default. */
export function checkVariables(
  files: ComposeFile[],
  provided: Provided,
  severity: Finding['severity'] = 'error',
): Finding[] {
  const out: Finding[] = [];
  for (const cf of files) {
    for (const s of cf.source.strings()) {
      if (s.doc !== 0 || !s.value.includes('$')) continue;
      for (const use of variableUses(s.value)) {
        if (use.hasFallback || provided.has(use.name)) continue;
        // Point at the reference itself: find it in the source text of the scalar.
        const raw = cf.source.text.slice(s.start, s.end);
        const at = raw.indexOf(use.text);
        const span =
          at >= 0
            ? cf.source.lines.span(s.start + at, s.start + at + use.text.length)
            : cf.source.lines.span(s.start, s.end);
        const why = use.requiredMessage ? ` (${use.requiredMessage.trim() || 'marked required with :?'})` : '';
        out.push({
          rule: 'compose-variable',
          // `${VAR:?…}` unset: Compose itself refuses the file.
          severity: use.requiredMessage !== undefined ? 'error' : severity,
          file: cf.file,
          span,
          message:
            `${use.text} in ${formatPath(s.path)}: nothing provides ${use.name}${why}. ` +
            `List it in required-env (and set it for the deploy), define it in .env beside the compose file, ` +
            `or give a default: \${${use.name}:-value}`,
        });
      }
    }
  }
  return out;
}

interface Defined {
  services: Set<string>;
  volumes: Set<string>;
  networks: Set<string>;
  secrets: Set<string>;
  configs: Set<string>;
}

function defined(files: ComposeFile[]): Defined {
  const d: Defined = {
    services: new Set(),
    volumes: new Set(),
    networks: new Set(),
    secrets: new Set(),
    configs: new Set(),
  };
  for (const cf of files) {
    if (!isDict(cf.resolved)) continue;
    for (const k of Object.keys(d) as (keyof Defined)[]) {
      const section = cf.resolved[k];
      if (isDict(section)) for (const name of Object.keys(section)) d[k].add(name);
    }
  }
  return d;
}

/** The named volume of a service volume entry, or undefined for bind mounts, tmpfs and anonymous volumes. */
export function namedVolume(entry: unknown): string | undefined {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    if (parts.length < 2) return undefined;
    const src = parts[0]!;
    if (!src || /^[./~$\\]/.test(src) || /^[A-Za-z]$/.test(src)) return undefined;
    return src;
  }
  if (isDict(entry) && (entry.type === 'volume' || entry.type === undefined) && typeof entry.source === 'string') {
    if (entry.type === undefined && /^[./~$]/.test(entry.source)) return undefined;
    return entry.source || undefined;
  }
  return undefined;
}

function names(v: unknown): { name: string; index: PathSegment }[] {
  if (Array.isArray(v)) {
    return v.flatMap((x, i) =>
      typeof x === 'string'
        ? [{ name: x, index: i }]
        : isDict(x) && typeof x.source === 'string'
          ? [{ name: x.source, index: i }]
          : [],
    );
  }
  if (isDict(v)) return Object.keys(v).map((k) => ({ name: k, index: k }));
  return [];
}

/** Services that use volumes, networks, secrets, configs or services that no compose file defines. */
export function checkReferences(files: ComposeFile[]): Finding[] {
  const d = defined(files);
  const out: Finding[] = [];
  const report = (cf: ComposeFile, path: PathSegment[], message: string, at: 'key' | 'value' = 'value') =>
    out.push({ rule: 'compose-reference', severity: 'error', file: cf.file, span: spanOf(cf, path, at), message });
  for (const cf of files) {
    const services = isDict(cf.resolved) && isDict(cf.resolved.services) ? cf.resolved.services : {};
    for (const [svc, def] of Object.entries(services)) {
      if (!isDict(def)) continue;
      const base = ['services', svc];
      if (Array.isArray(def.volumes)) {
        def.volumes.forEach((v, i) => {
          const name = namedVolume(v);
          if (name && !name.includes('$') && !d.volumes.has(name))
            report(
              cf,
              [...base, 'volumes', i],
              `service '${svc}' uses volume '${name}', which no top-level volumes: defines`,
            );
        });
      }
      for (const [kind, set] of [
        ['networks', d.networks],
        ['secrets', d.secrets],
        ['configs', d.configs],
      ] as const) {
        for (const { name, index } of names(def[kind])) {
          if (kind === 'networks' && name === 'default') continue;
          if (name.includes('$') || set.has(name)) continue;
          const singular = kind.slice(0, -1);
          report(
            cf,
            [...base, kind, index],
            `service '${svc}' uses ${singular} '${name}', which no top-level ${kind}: defines`,
            typeof index === 'string' ? 'key' : 'value',
          );
        }
      }
      for (const { name, index } of names(def.depends_on)) {
        if (!d.services.has(name))
          report(
            cf,
            [...base, 'depends_on', index],
            `service '${svc}' depends on '${name}', which is not a service`,
            typeof index === 'string' ? 'key' : 'value',
          );
      }
    }
  }
  return out;
}

/** The deploy sets IMAGE (the image-variable input) to the image it deploys: some service must use it. */
export function checkImage(files: ComposeFile[], variable = 'IMAGE'): Finding[] {
  const ref = imageRef(variable);
  for (const cf of files) {
    const services = isDict(cf.value) && isDict(cf.value.services) ? cf.value.services : {};
    for (const def of Object.values(services))
      if (isDict(def) && typeof def.image === 'string' && ref.test(def.image)) return [];
  }
  const first = files[0];
  if (!first) return [];
  const hasServices = isDict(first.value) && isDict(first.value.services);
  return [
    {
      rule: 'compose-image',
      severity: 'error',
      file: first.file,
      span: hasServices ? spanOf(first, ['services'], 'key') : first.source.docStart(0),
      message:
        `no service has image: \${${variable}}. The deploy sets ${variable} to the image it deploys; ` +
        `use image: \${${variable}} on the service it should update (or set image-variable to the variable ` +
        `your file uses; empty turns this rule off)`,
    },
  ];
}
