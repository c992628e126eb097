// Compose's loader checks beyond one service: top-level secrets, configs, volumes and networks;
// volume specs and bind mounts; port addresses; depends_on cycles; keys that are not strings.
import { isIP } from 'node:net';
import { isPair, isScalar, visit } from 'yaml';
import type { ComposeFile } from './ComposeChecks.js';
import { composeFinding, isDict, type Project } from './ComposeModel.js';
import { isUnresolved } from './ComposeVariables.js';
import type { Finding } from './Finding.js';

/** secrets/configs: exactly one source (`file`, `environment`, or for configs `content`), unless external or a driver. */
function checkFileObjects(p: Project, kind: 'secrets' | 'configs', keys: string[]): Finding[] {
  const out: Finding[] = [];
  for (const [name, { def, file }] of p.section(kind)) {
    if (!isDict(def)) continue;
    const given = keys.filter((k) => def[k] !== undefined);
    const one = kind.slice(0, -1);
    if (given.length > 1)
      out.push(
        composeFinding(
          file,
          [kind, name, given[1]!],
          `${kind}.${name}: ${given.join(' and ')} exclude each other: a ${one} takes one of ${keys.join(', ')}`,
          'key',
        ),
      );
    else if (!given.length && def.driver === undefined && def.external === undefined)
      out.push(
        composeFinding(
          file,
          [kind, name],
          `${kind}.${name} must declare one of ${keys.join(', ')} (or external: true for one made outside Compose)`,
          'key',
        ),
      );
  }
  return out;
}

/** `name` and the deprecated `external.name` must agree; an external volume takes no other settings. */
function checkExternals(p: Project): Finding[] {
  const out: Finding[] = [];
  for (const kind of ['volumes', 'networks', 'secrets', 'configs']) {
    for (const [name, { def, file }] of p.section(kind)) {
      if (!isDict(def)) continue;
      const ext = def.external;
      if (isDict(ext) && ext.name !== undefined && def.name !== undefined && ext.name !== def.name)
        out.push(
          composeFinding(
            file,
            [kind, name, 'external', 'name'],
            `${kind}.${name}: name and external.name conflict: keep name, with external: true`,
            'key',
          ),
        );
      if (kind === 'volumes' && (ext === true || isDict(ext) || ext === 'true'))
        for (const k of Object.keys(def))
          if (!['name', 'external'].includes(k) && !k.startsWith('x-'))
            out.push(
              composeFinding(
                file,
                [kind, name, k],
                `volumes.${name}: external and ${k} exclude each other: an external volume takes only name`,
                'key',
              ),
            );
    }
  }
  return out;
}

/** A short volume spec as Compose parses it: `[source:]target[:options]`, no empty part, at most three. */
function volumeSpecProblem(spec: string): string | undefined {
  if (spec === '') return 'an empty volume spec';
  if (spec.length <= 2) return undefined;
  const parts: string[] = [];
  let buf = '';
  let depth = 0;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === '$' && spec[i + 1] === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    if (c === ':' && depth === 0 && !(buf.length === 1 && /[A-Za-z]/.test(buf) && !parts.length)) {
      parts.push(buf);
      buf = '';
    } else buf += c;
  }
  parts.push(buf);
  if (parts.some((x) => x === '')) return 'an empty part between colons';
  if (parts.length > 3) return 'too many colons (source:target:options at most)';
  return undefined;
}

function checkServiceMounts(p: Project): Finding[] {
  const out: Finding[] = [];
  for (const s of p.services) {
    const cf = s.fileOf('volumes');
    if (Array.isArray(s.def.volumes))
      s.def.volumes.forEach((v, i) => {
        const path = ['services', s.name, 'volumes', i];
        if (typeof v === 'string' && !isUnresolved(v)) {
          const problem = volumeSpecProblem(v);
          if (problem) out.push(composeFinding(cf, path, `services.${s.name}.volumes[${i}]: '${v}' has ${problem}`));
        } else if (isDict(v) && v.type === 'bind' && (v.source === undefined || v.source === ''))
          out.push(
            composeFinding(
              cf,
              path,
              `services.${s.name}.volumes[${i}]: a bind mount needs a source (the host path to mount)`,
              'key',
            ),
          );
      });
    if (Array.isArray(s.def.ports))
      s.def.ports.forEach((port, i) => {
        if (isDict(port) && typeof port.host_ip === 'string' && !isUnresolved(port.host_ip) && !isIP(port.host_ip))
          out.push(
            composeFinding(
              s.fileOf('ports'),
              ['services', s.name, 'ports', i, 'host_ip'],
              `services.${s.name}.ports[${i}].host_ip must be an IP address (found '${port.host_ip}')`,
            ),
          );
      });
  }
  return out;
}

/** Names a service uses that its project does not define: build secrets and models (the rest: ComposeChecks). */
function checkMoreReferences(p: Project): Finding[] {
  const out: Finding[] = [];
  const secrets = p.section('secrets');
  const models = p.section('models');
  for (const s of p.services) {
    const build = s.def.build;
    if (isDict(build) && Array.isArray(build.secrets))
      build.secrets.forEach((x, i) => {
        const name = typeof x === 'string' ? x : isDict(x) ? x.source : undefined;
        if (typeof name === 'string' && !isUnresolved(name) && !secrets.has(name))
          out.push(
            composeFinding(
              s.fileOf('build'),
              ['services', s.name, 'build', 'secrets', i],
              `service '${s.name}' uses build secret '${name}', which no top-level secrets: defines`,
            ),
          );
      });
    const used = Array.isArray(s.def.models) ? s.def.models : isDict(s.def.models) ? Object.keys(s.def.models) : [];
    used.forEach((m, i) => {
      if (typeof m === 'string' && !models.has(m))
        out.push(
          composeFinding(
            s.fileOf('models'),
            ['services', s.name, 'models', Array.isArray(s.def.models) ? i : m],
            `service '${s.name}' uses model '${m}', which no top-level models: defines`,
            'key',
          ),
        );
    });
  }
  return out;
}

/** depends_on must not loop: a service on itself, or a ring of services. */
function checkCycles(p: Project): Finding[] {
  const deps = new Map<string, string[]>();
  for (const s of p.services) {
    const d = s.def.depends_on;
    deps.set(
      s.name,
      Array.isArray(d) ? d.filter((x): x is string => typeof x === 'string') : isDict(d) ? Object.keys(d) : [],
    );
  }
  const out: Finding[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const reported = new Set<string>();
  const visitService = (name: string, trail: string[]) => {
    state.set(name, 'open');
    for (const dep of deps.get(name) ?? []) {
      if (!deps.has(dep)) continue;
      if (state.get(dep) === 'open') {
        const ring = [...trail.slice(trail.indexOf(dep)), name, dep];
        const key = [...new Set(ring)].sort().join(',');
        if (reported.has(key)) continue;
        reported.add(key);
        const s = p.services.find((x) => x.name === name)!;
        const d = s.def.depends_on;
        const at = Array.isArray(d) ? d.indexOf(dep) : dep;
        const message =
          dep === name ? `service '${name}' depends on itself` : `depends_on makes a cycle: ${ring.join(' -> ')}`;
        out.push(
          composeFinding(
            s.fileOf('depends_on'),
            ['services', name, 'depends_on', at],
            message,
            typeof at === 'string' ? 'key' : 'value',
          ),
        );
      } else if (!state.has(dep)) visitService(dep, [...trail, name]);
    }
    state.set(name, 'done');
  };
  for (const name of deps.keys()) if (!state.has(name)) visitService(name, []);
  return out;
}

/** Keys must be strings: `123:` or `true:` is a number or a boolean to YAML, and Compose refuses it. */
export function checkKeys(cf: ComposeFile): Finding[] {
  const out: Finding[] = [];
  const doc = cf.source.docs[0];
  if (!doc) return out;
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const k = pair.key.value;
      if (typeof k === 'string' || typeof k === 'symbol') return; // a symbol: the merge key <<
      const line = pair.key.range ? cf.source.lines.span(pair.key.range[0], pair.key.range[1]) : undefined;
      out.push({
        rule: 'compose-check',
        severity: 'error',
        file: cf.file,
        span: line,
        message: `key ${String(k)} is ${k === null ? 'empty' : `a ${typeof k}`}: Compose keys are strings (quote it: '${String(k)}')`,
      });
    },
  });
  return out;
}

export function checkProject(p: Project): Finding[] {
  return [
    ...checkFileObjects(p, 'secrets', ['file', 'environment']),
    ...checkFileObjects(p, 'configs', ['file', 'environment', 'content']),
    ...checkExternals(p),
    ...checkServiceMounts(p),
    ...checkMoreReferences(p),
    ...checkCycles(p),
  ];
}
