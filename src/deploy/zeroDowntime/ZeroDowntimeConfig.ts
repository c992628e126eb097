// The zero-downtime inputs (`zero-downtime`, `drain-timeout`, `proxy-image`), checked against the
// compose files before any host is touched, and the release's compose files as njord writes them:
// the listed services' `ports:` left out, because the proxy publishes them instead.
import { parse, parseDocument } from 'yaml';
import { InputError } from '../../inputs/InputError.js';
import { isImageReference } from '../../inputs/imageReference.js';
import type { InputReader } from '../../inputs/InputReader.js';
import type { ComposeFile } from '../DeployConfig.js';
import { readPublishedPorts, type PublishedPort } from './PublishedPorts.js';

export interface SwitchedService {
  name: string;
  ports: PublishedPort[];
}

/** Kept in release.json, so that a rollback replays the release with the same switch. */
export interface ZeroDowntimeSpec {
  services: SwitchedService[];
  drainTimeoutS: number;
  proxyImage: string;
}

/**
 * nginx 1.27.3 (the official image, Debian based), by digest. Users whose servers cannot reach
 * Docker Hub build one from Debian's package: `npm run proxy-image -- REF`.
 */
export const DEFAULT_PROXY_IMAGE =
  'nginx:1.27.3@sha256:0a399eb16751829e1af26fea27b20c3ec28d7ab1fb72182879dcae1cca21206a';

const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface ZeroDowntimeInputs {
  spec?: ZeroDowntimeSpec;
  /** The compose files with the listed services' ports taken out (the input files when spec is unset). */
  files: ComposeFile[];
}

export function readZeroDowntime(inputs: InputReader, files: ComposeFile[]): ZeroDowntimeInputs {
  const names = inputs.list('zero-downtime');
  const drainTimeoutS = inputs.int('drain-timeout', 30, { min: 0, max: 3600 });
  const proxyImage = inputs.string('proxy-image') || DEFAULT_PROXY_IMAGE;
  if (!isImageReference(proxyImage))
    throw new InputError('proxy-image', `'${proxyImage}' is not an image reference (registry/name:tag or …@sha256:…)`);
  if (!names.length) return { files };
  const docs = files.map((f) => ({ file: f, doc: parseDocument(f.content) }));
  const services: SwitchedService[] = [];
  const seenPorts = new Map<number, string>();
  for (const name of names) {
    if (!SERVICE_NAME.test(name)) throw new InputError('zero-downtime', `'${name}' is not a compose service name`);
    if (services.some((s) => s.name === name)) throw new InputError('zero-downtime', `${name} is listed twice`);
    const defs = docs.flatMap(({ file, doc }) => {
      const def = doc.getIn(['services', name], false) as { toJSON?: () => unknown } | undefined;
      return def ? [{ file, def: (def.toJSON?.() ?? def) as Record<string, unknown> }] : [];
    });
    if (!defs.length)
      throw new InputError(
        'zero-downtime',
        `service ${name} is not in ${files.map((f) => f.source).join(', ')}; list services of the compose file`,
      );
    const refuse = (why: string) => {
      throw new InputError('zero-downtime', `service ${name} ${why}`);
    };
    for (const { file, def } of defs) {
      if (def.container_name !== undefined)
        refuse(
          `sets container_name in ${file.source}: the old and the new release run side by side, and one name cannot be given to both; remove container_name`,
        );
      if (def.network_mode === 'host')
        refuse(
          `uses network_mode: host in ${file.source}: two releases cannot listen on the host's port at once, and the proxy cannot reach it; use a bridge network and ports:`,
        );
    }
    const ports: PublishedPort[] = [];
    for (const { def } of defs) {
      if (def.ports === undefined) continue;
      const read = readPublishedPorts(def.ports);
      if (!read.ok) refuse(read.why);
      else ports.push(...read.ports);
    }
    if (!ports.length) refuse('publishes no port (ports:), so there is nothing for the proxy to take over');
    for (const p of ports) {
      const other = seenPorts.get(p.hostPort);
      if (other) refuse(`publishes host port ${p.hostPort}, as ${other} does; give each its own`);
      seenPorts.set(p.hostPort, name);
    }
    services.push({ name, ports });
  }
  const transformed = docs.map(({ file, doc }) => {
    let changed = false;
    for (const s of services)
      if (doc.hasIn(['services', s.name, 'ports'])) {
        doc.deleteIn(['services', s.name, 'ports']);
        changed = true;
      }
    return changed ? { ...file, content: doc.toString() } : file;
  });
  return { spec: { services, drainTimeoutS, proxyImage }, files: transformed };
}

/**
 * The services `compose config --services` lists for these files: every file's, merged by name,
 * but those behind a profile. Undefined when a file does not read as YAML (compose is asked then).
 */
export function composeServiceNames(files: ComposeFile[]): string[] | undefined {
  const names = new Map<string, boolean>();
  try {
    for (const f of files) {
      const services = (parse(f.content) as { services?: Record<string, { profiles?: unknown } | null> } | null)
        ?.services;
      for (const [name, def] of Object.entries(services ?? {}))
        names.set(name, (names.get(name) ?? false) || def?.profiles !== undefined);
    }
  } catch {
    return undefined;
  }
  return [...names].filter(([, profiled]) => !profiled).map(([name]) => name);
}
