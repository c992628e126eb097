// Before anything changes on a host: the proxy's image is there, and no one else holds the ports
// the proxy takes over (the app's own containers and its proxy may: they are what the switch moves).
import { ensureProxyImageCommand, portHoldersCommand, proxyName } from '../../remote/ProxyCommands.js';
import type { SshConnection } from '../../ssh/SshConnection.js';
import type { ZeroDowntimeSpec } from './ZeroDowntimeConfig.js';

/** Why the proxy could not take its ports (portHoldersCommand's output), or undefined when it can. */
export function portConflict(stdout: string, app: string, spec: ZeroDowntimeSpec): string | undefined {
  const switched = new Set(spec.services.map((s) => s.name));
  for (const l of stdout.split('\n')) {
    const [port, kind, name, project, service] = l.trim().split(/\s+/);
    if (!port || !kind) continue;
    if (kind === 'other')
      return `port ${port} is held by a process outside Docker on the host (see \`ss -ltnp 'sport = :${port}'\`); stop it or publish another port`;
    if (name === proxyName(app) || (project === app && service && switched.has(service))) continue;
    return `port ${port} is held by container ${name}${project ? ` (compose project ${project}, service ${service})` : ''}; stop it or publish another port`;
  }
  return undefined;
}

export async function preflightSwitch(ssh: SshConnection, app: string, spec: ZeroDowntimeSpec): Promise<void> {
  const ports = spec.services.flatMap((s) => s.ports.map((p) => p.hostPort));
  const [holders] = await Promise.all([
    ssh.run('see what holds the ports', portHoldersCommand(ports)),
    ssh.run(`pull the proxy image ${spec.proxyImage}`, ensureProxyImageCommand(spec.proxyImage), {
      timeoutMs: 30 * 60_000,
    }),
  ]);
  const conflict = portConflict(holders.stdout, app, spec);
  if (conflict) throw new Error(`the proxy cannot take its port: ${conflict}`);
}
