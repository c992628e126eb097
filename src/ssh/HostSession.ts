// Opens every host of a run at once: one SSH connection each, checked host key, facts probed,
// release root resolved. Any failure closes all of them before anything changes on a host.
import type { Log } from '../report/Log.js';
import { ReleaseLayout } from '../release/ReleaseLayout.js';
import { parseProbe, probeScript, type ComposeVariant, type HostFacts } from '../remote/ProbeCommands.js';
import { SshConnection } from '../ssh/SshConnection.js';
import type { HostSpec } from '../ssh/HostSpec.js';
import type { ConnectionConfig } from './ConnectionConfig.js';

export interface HostSession {
  spec: HostSpec;
  ssh: SshConnection;
  facts: HostFacts;
  compose: ComposeVariant;
  layout: ReleaseLayout;
  connectMs: number;
}

export class HostSetupError extends Error {}

export async function openHosts(cfg: ConnectionConfig, log: Log): Promise<HostSession[]> {
  const settled = await connectEach(cfg, log);
  const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failures.length) {
    for (const s of settled) if (s.status === 'fulfilled') s.value.ssh.close();
    throw failures[0]!.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<HostSession>).value);
}

/** Each host's session, or why there is none, in the order of cfg.hosts; the caller closes them. */
export function connectEach(cfg: ConnectionConfig, log: Log): Promise<PromiseSettledResult<HostSession>[]> {
  return Promise.allSettled(cfg.hosts.map((spec) => openHost(spec, cfg, log)));
}

async function openHost(spec: HostSpec, cfg: ConnectionConfig, log: Log): Promise<HostSession> {
  const started = performance.now();
  const ssh = await SshConnection.open(spec, {
    privateKey: cfg.privateKey,
    knownHosts: cfg.knownHosts,
    trace: (l) => log.debug(l),
  });
  try {
    const facts = parseProbe((await ssh.exec(probeScript)).stdout);
    if (!facts.home) throw new HostSetupError(`${spec.label}: could not read the remote user's home directory`);
    if (!facts.dockerVersion)
      throw new HostSetupError(
        `${spec.label}: Docker does not answer for user '${spec.user}' (${facts.dockerError ?? 'docker not found'}); install Docker and add the user to the docker group`,
      );
    if (!facts.compose)
      throw new HostSetupError(`${spec.label}: neither 'docker compose' (v2) nor 'docker-compose' (v1) is installed`);
    const layout = ReleaseLayout.resolve(cfg.remoteDir, facts.home);
    const connectMs = performance.now() - started;
    log.info(
      `${spec.label}: connected in ${Math.round(connectMs)} ms; Docker ${facts.dockerVersion}, Compose ${facts.compose}; releases in ${layout.root}`,
    );
    return { spec, ssh, facts, compose: facts.compose, layout, connectMs };
  } catch (err) {
    ssh.close();
    throw err;
  }
}

export function closeHosts(sessions: HostSession[]): void {
  for (const s of sessions) s.ssh.close();
}
