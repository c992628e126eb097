// What the switch reads of containers: which belong to which service, and for the new ones their
// state and their address on a network the proxy can join.
import type { CheckOutcome, HealthCheck } from '../../health/HealthCheck.js';
import { inspectCommand } from '../../remote/ProxyCommands.js';
import { line } from '../../remote/Shell.js';
import type { SshConnection } from '../../ssh/SshConnection.js';

/** `SERVICE ID` lines (appContainersCommand) as ids by service. */
export function parseAppContainers(stdout: string): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const l of stdout.split('\n')) {
    const [service, id] = l.trim().split(/\s+/);
    if (!service || !id) continue;
    by.set(service, [...(by.get(service) ?? []), id]);
  }
  return by;
}

export interface InspectedContainer {
  id: string;
  name: string;
  service: string;
  status: string;
  exitCode: number;
  health?: string;
  /** The first of its networks (by name) and its address there. */
  network?: string;
  ip?: string;
}

interface InspectJson {
  Id?: string;
  Name?: string;
  Config?: { Labels?: Record<string, string> };
  State?: { Status?: string; ExitCode?: number; Health?: { Status?: string } };
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
}

export function parseInspect(stdout: string): InspectedContainer[] {
  if (!stdout.trim()) return [];
  return (JSON.parse(stdout) as InspectJson[]).map((c) => {
    const nets = Object.entries(c.NetworkSettings?.Networks ?? {})
      .filter(([, n]) => n.IPAddress)
      .sort(([a], [b]) => a.localeCompare(b));
    return {
      id: c.Id ?? '',
      name: (c.Name ?? '').replace(/^\//, ''),
      service: c.Config?.Labels?.['com.docker.compose.service'] ?? '',
      status: c.State?.Status ?? 'unknown',
      exitCode: c.State?.ExitCode ?? 0,
      health: c.State?.Health?.Status || undefined,
      network: nets[0]?.[0],
      ip: nets[0]?.[1].IPAddress,
    };
  });
}

/** The containers kind of check, for the new release's containers only: the old ones still serve. */
export class NewContainersCheck implements HealthCheck {
  constructor(
    private readonly ssh: SshConnection,
    private readonly ids: string[],
  ) {}

  async check(): Promise<CheckOutcome> {
    const r = await this.ssh.exec(line(inspectCommand(this.ids)));
    if (r.code !== 0) return { ok: false, fatal: true, detail: 'the new containers are gone' };
    const states = parseInspect(r.stdout);
    const crashed = states.filter((c) => (c.status === 'exited' && c.exitCode !== 0) || c.status === 'dead');
    if (crashed.length)
      return {
        ok: false,
        fatal: true,
        detail: crashed.map((c) => `${c.service} exited with code ${c.exitCode}`).join(', '),
      };
    const waiting = states.filter((c) => c.status !== 'running' || (c.health && c.health !== 'healthy'));
    if (waiting.length)
      return { ok: false, detail: waiting.map((c) => `${c.service} is ${c.health ?? c.status}`).join(', ') };
    return { ok: true, detail: '' };
  }
}
