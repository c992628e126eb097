// The compose files of a swarm release as njord writes them: the user's, all at one `version` (the
// stack loader of Docker 20–24 refuses files whose versions differ, and reads a file without one as
// 1.0), and one more file, njord.swarm.yml, that swarm merges last:
// - a rolling update for each service that sets none: one task at a time, the new one started and
//   healthy before the old one stops, and `pause` on a failure, so that njord, not swarm, decides
//   about the rollback; a service's own update_config is kept;
// - for the services behind the zero-downtime proxy: DNS round robin (`endpoint_mode: dnsrr`), so the
//   proxy reaches the tasks themselves and needs no routing mesh (IPVS), on the app's default
//   network, made attachable so the proxy container can join it.
import { parse, parseDocument, stringify } from 'yaml';
import { InputError } from '../../inputs/InputError.js';
import type { ComposeFile } from '../DeployConfig.js';
import type { ZeroDowntimeSpec } from '../zeroDowntime/ZeroDowntimeConfig.js';

export const SWARM_FILE = 'njord.swarm.yml';
/** The lowest version with everything njord.swarm.yml and `init:` use. */
const MIN_VERSION = '3.8';

export const SWARM_UPDATE_DEFAULTS = { parallelism: 1, order: 'start-first', failure_action: 'pause' } as const;

type ServiceDef = { deploy?: { update_config?: unknown }; networks?: unknown } | null;

function minor(version: string): number {
  const m = /^3(?:\.(\d+))?$/.exec(version);
  return m ? Number(m[1] ?? 0) : -1;
}

export function swarmStackFiles(files: ComposeFile[], zeroDowntime: ZeroDowntimeSpec | undefined): ComposeFile[] {
  const parsed = files.map((f) => ({
    file: f,
    doc: (parse(f.content) ?? {}) as { version?: unknown; services?: Record<string, ServiceDef> },
  }));
  let version = MIN_VERSION;
  for (const { file, doc } of parsed) {
    if (doc.version === undefined) continue;
    const v = String(doc.version);
    if (minor(v) < 0)
      throw new InputError(
        'compose-file',
        `${file.source} has version: "${v}"; docker stack deploy reads version 3 files: set version: "${MIN_VERSION}" or remove it`,
      );
    if (minor(v) > minor(version)) version = v;
  }
  const services = new Map<string, { updateConfig: boolean; networks?: unknown }>();
  for (const { doc } of parsed)
    for (const [name, def] of Object.entries(doc.services ?? {})) {
      const seen = services.get(name) ?? { updateConfig: false };
      if (def?.deploy?.update_config !== undefined) seen.updateConfig = true;
      if (def?.networks !== undefined) seen.networks = def.networks;
      services.set(name, seen);
    }
  const proxied = new Set(zeroDowntime?.services.map((s) => s.name) ?? []);
  for (const name of proxied) {
    const networks = services.get(name)?.networks;
    const names = Array.isArray(networks) ? networks.map(String) : Object.keys(networks ?? {});
    if (networks !== undefined && !names.includes('default'))
      throw new InputError(
        'zero-downtime',
        `service ${name} lists networks without default; in mode: swarm the proxy reaches it on the app's default network: add default to its networks`,
      );
  }
  const overrides: Record<string, { deploy: Record<string, unknown> }> = {};
  for (const [name, seen] of services) {
    const deploy: Record<string, unknown> = {};
    if (!seen.updateConfig) deploy.update_config = { ...SWARM_UPDATE_DEFAULTS };
    if (proxied.has(name)) deploy.endpoint_mode = 'dnsrr';
    if (Object.keys(deploy).length) overrides[name] = { deploy };
  }
  const written = parsed.map(({ file, doc }) => {
    if (doc.version !== undefined && String(doc.version) === version) return file;
    const edited = parseDocument(file.content);
    edited.set('version', version);
    return { ...file, content: edited.toString() };
  });
  const njord: Record<string, unknown> = { version, services: overrides };
  if (proxied.size) njord.networks = { default: { driver: 'overlay', attachable: true } };
  const header = '# Written by njord (mode: swarm): defaults swarm merges after the files above.\n';
  return [...written, { name: SWARM_FILE, source: SWARM_FILE, content: header + stringify(njord) }];
}
