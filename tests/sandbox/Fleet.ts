// More servers than the sandbox keeps (servers 3..N), for tests and benches of a fleet: each started
// as startSandbox() would start it with NJORD_SANDBOX_SERVERS=N (same image, key, ports and options),
// so the two never recreate each other's. Servers 1 and 2 are the sandbox's and are left alone.
// Started servers are left running for the next file that needs them; CI pays their start once.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_STATE_DIR, withPidFileLock } from './process.js';
import { composeV2Plugin } from './plugins.js';
import { sandboxFiles, type SandboxInfo } from './Sandbox.js';
import { ensureServer, ensureServerImage, type ServerInfo } from './Servers.js';

/** The fleet's servers, recorded for the harness: their SSH ports are servers', not the runner's. */
const FLEET_FILE = join(SANDBOX_STATE_DIR, 'fleet.json');
const FLEET_LOCK = join(SANDBOX_STATE_DIR, 'fleet.lock');

export interface Fleet {
  servers: ServerInfo[];
  /** known_hosts lines for every server of the fleet. */
  knownHosts: string;
  /** The `hosts` input naming them all, one a line. */
  hosts: string;
}

/** Servers 1..count: the sandbox's own, then the ones started (or found running) here. */
export async function ensureFleet(info: SandboxInfo, count: number): Promise<Fleet> {
  const servers = info.servers.slice(0, count);
  const more = Array.from({ length: count - servers.length }, (_, i) => servers.length + 1 + i);
  if (more.length) servers.push(...(await ensureFleetServers(info, more)));
  return {
    servers,
    knownHosts: servers.map((s) => s.knownHosts).join(''),
    hosts: servers.map((s) => s.hostSpec).join('\n'),
  };
}

/**
 * The servers of these indices (beyond the sandbox's), started or found running, and recorded in
 * fleet.json beside the others so the harness knows all of them.
 */
export async function ensureFleetServers(info: SandboxInfo, indices: number[]): Promise<ServerInfo[]> {
  return withPidFileLock(FLEET_LOCK, 10 * 60_000, async () => {
    const log: string[] = [];
    const image = await ensureServerImage(info.registry);
    const v2 = composeV2Plugin(SANDBOX_STATE_DIR, log);
    const authorizedKey = readFileSync(`${sandboxFiles.clientKey}.pub`, 'utf8').trim();
    const firstPort = info.servers[0]!.sshPort;
    const started: ServerInfo[] = [];
    for (const index of indices)
      started.push(
        await ensureServer(
          {
            image,
            index,
            sshPort: firstPort + index - 1,
            authorizedKey,
            composeV2Plugin: v2.ok ? v2.path : undefined,
          },
          log,
        ),
      );
    const known = new Map(fleetServers().map((s) => [s.name, s]));
    for (const s of started) known.set(s.name, s);
    writeFileSync(FLEET_FILE, JSON.stringify([...known.values()], null, 2) + '\n', { mode: 0o600 });
    if (log.length) console.log(`[fleet] started: ${log.join('; ')}`);
    return started;
  });
}

/** The servers ensureFleet started beyond the sandbox's (empty when none was). */
export function fleetServers(): ServerInfo[] {
  try {
    return JSON.parse(readFileSync(FLEET_FILE, 'utf8')) as ServerInfo[];
  } catch {
    return [];
  }
}
