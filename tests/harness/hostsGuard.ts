// A test host must not be the runner. A host on the runner's loopback that answers there and is not
// one of the sandbox's servers (each its own network namespace, sshd and dockerd) would make the
// host's 127.0.0.1 the runner's, and a check that asks the wrong machine would pass: the bug the
// health gate once shipped with. runAction refuses such hosts before the action runs.
import { portAnswers } from '../sandbox/process.js';

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\]|::1)$/;

/** host and port of each `user@host[:port]` entry that names the runner's loopback. */
export function loopbackHosts(hosts: string): { entry: string; port: number }[] {
  const out: { entry: string; port: number }[] = [];
  for (const raw of hosts.split(/[\n,]/)) {
    const entry = raw.trim();
    const m = /^[^@\s]+@(\[[^\]]+\]|[^:\s]+)(?::(\d+))?$/.exec(entry);
    if (m && LOOPBACK.test(m[1]!)) out.push({ entry, port: Number(m[2] ?? 22) });
  }
  return out;
}

/**
 * Throws when a loopback host answers on the runner and its port is not a server's. A port nothing
 * answers on is left alone: tests of an unreachable host use one.
 */
export async function refuseRunnerHosts(hosts: string | undefined, serverPorts: number[]): Promise<void> {
  if (!hosts) return;
  for (const { entry, port } of loopbackHosts(hosts)) {
    if (serverPorts.includes(port)) continue;
    if (await portAnswers(port))
      throw new Error(
        `runAction: host '${entry}' answers on the runner's own loopback and is not a sandbox server; ` +
          'a test host must have its own network namespace (tests/sandbox/Servers.ts, info.servers)',
      );
  }
}
