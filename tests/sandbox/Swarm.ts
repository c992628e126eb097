// A Docker Swarm of three managers for the swarm-mode tests: servers 5, 6 and 7 of the fleet (the
// compose-mode tests use 1-4 and must never be part of a swarm), joined over the sandbox network.
// Formed once and reused: a later call only checks it. A server recreated since (its engine volume
// goes with it) leaves the swarm broken; then every server leaves and the swarm is formed again.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureFleetServers } from './Fleet.js';
import { SANDBOX_STATE_DIR, sleep, withPidFileLock } from './process.js';
import type { SandboxInfo } from './Sandbox.js';
import { onServer, SANDBOX_NETWORK, type ServerInfo } from './Servers.js';

/** The fleet servers the swarm is made of, managers in this order. */
export const SWARM_SERVER_INDICES = [5, 6, 7];
const SWARM_LOCK = join(SANDBOX_STATE_DIR, 'swarm.lock');

export interface SwarmSandbox {
  servers: ServerInfo[];
  /** The `hosts` input naming the managers, in order, one a line. */
  hosts: string;
  /** known_hosts lines for every manager. */
  knownHosts: string;
}

/** The three-manager swarm on servers 5-7, started and formed where needed. */
export async function ensureSwarm(info: SandboxInfo): Promise<SwarmSandbox> {
  const servers = await ensureFleetServers(info, SWARM_SERVER_INDICES);
  await withPidFileLock(SWARM_LOCK, 5 * 60_000, async () => {
    const names = servers.map((s) => s.name);
    const addrs = names.map(networkAddress);
    if (swarmProblem(names, addrs) === undefined) return;
    formSwarm(names, addrs);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const problem = swarmProblem(names, addrs);
      if (problem === undefined) break;
      if (Date.now() > deadline) throw new Error(`sandbox: swarm on ${names.join(', ')} not ready: ${problem}`);
      await sleep(500);
    }
    console.log(`[swarm] formed: ${names.join(', ')} (managers)`);
  });
  return {
    servers,
    hosts: servers.map((s) => s.hostSpec).join('\n'),
    knownHosts: servers.map((s) => s.knownHosts).join(''),
  };
}

/** The server's address on the sandbox network, where the others reach its swarm ports. */
function networkAddress(name: string): string {
  const r = spawnSync(
    'docker',
    ['inspect', '--format', `{{(index .NetworkSettings.Networks "${SANDBOX_NETWORK}").IPAddress}}`, name],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const addr = r.stdout?.trim();
  if (r.status !== 0 || !/^\d+\.\d+\.\d+\.\d+$/.test(addr))
    throw new Error(`sandbox: no address of ${name}: ${r.stderr}`);
  return addr;
}

function tryOnServer(server: string, cmd: string): string | undefined {
  try {
    return onServer(server, cmd, { user: 'root', timeoutMs: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Why the swarm is not the one wanted (undefined when it is): each server an active manager of the
 * same cluster, advertising its current address, and the node list exactly these three, Ready, each
 * Leader or Reachable.
 */
export function swarmProblem(names: string[], addrs: string[]): string | undefined {
  const clusters = new Set<string>();
  for (const [i, name] of names.entries()) {
    const state = tryOnServer(
      name,
      `docker info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}} {{.Swarm.NodeAddr}} {{if .Swarm.Cluster}}{{.Swarm.Cluster.ID}}{{end}}'`,
    );
    const [local, control, addr, cluster] = (state ?? '').split(' ');
    if (local !== 'active' || control !== 'true') return `${name} is ${state ?? 'unreachable'}, not an active manager`;
    if (addr !== addrs[i]) return `${name} advertises ${addr}, its address is ${addrs[i]}`;
    clusters.add(cluster ?? '');
  }
  if (clusters.size !== 1) return `the servers are in ${clusters.size} swarms`;
  const nodes = tryOnServer(names[0]!, `docker node ls --format '{{.Hostname}} {{.Status}} {{.ManagerStatus}}'`);
  const lines = (nodes ?? '').split('\n').filter(Boolean).sort();
  const healthy = names.every((n) => lines.some((l) => new RegExp(`^${n} Ready (Leader|Reachable)$`).test(l)));
  if (lines.length !== names.length || !healthy) return `nodes: ${lines.join('; ') || 'none listed'}`;
  return undefined;
}

/** Every server leaves whatever swarm it was in; the first inits a new one, the others join it as managers. */
function formSwarm(names: string[], addrs: string[]): void {
  for (const name of names) onServer(name, 'docker swarm leave --force >/dev/null 2>&1 || true', { user: 'root' });
  const [first, ...others] = names;
  onServer(first!, `docker swarm init --advertise-addr ${addrs[0]} --listen-addr ${addrs[0]}:2377 >/dev/null`, {
    user: 'root',
  });
  const token = onServer(first!, 'docker swarm join-token -q manager', { user: 'root' }).trim();
  for (const [i, name] of others.entries()) {
    const addr = addrs[i + 1]!;
    // The token is the sandbox's own, on a network only the tests reach: in the args is fine here.
    onServer(
      name,
      `docker swarm join --token ${token} --advertise-addr ${addr} --listen-addr ${addr}:2377 ${addrs[0]}:2377 >/dev/null`,
      { user: 'root', timeoutMs: 90_000 },
    );
  }
}
