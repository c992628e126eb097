// Runs the gate: from here on plain URLs, or through an SSH tunnel into each host at once (so
// http://127.0.0.1:8080/health is each host's own loopback). One connection per host.
import type { Log } from '../report/Log.js';
import { SshConnection } from '../ssh/SshConnection.js';
import { HealthGate, type GateResult } from './HealthGate.js';
import type { HealthGateConfig } from './HealthGateConfig.js';
import { specChecks } from './specChecks.js';

export interface PlaceGate {
  /** The host the URLs were checked through, or where the check ran. */
  place: string;
  gate: GateResult;
}

export interface HealthGateOutcome {
  healthy: boolean;
  places: PlaceGate[];
}

export const HERE = 'this runner';

export async function runHealthGate(cfg: HealthGateConfig, log: Log, here = HERE): Promise<HealthGateOutcome> {
  if (!cfg.ssh) {
    const gate = await new HealthGate(cfg.spec, specChecks(cfg.spec)).run(log);
    return { healthy: gate.healthy, places: [{ place: here, gate }] };
  }
  const { hosts, privateKey, knownHosts } = cfg.ssh;
  const opened = await Promise.allSettled(hosts.map((h) => SshConnection.open(h, { privateKey, knownHosts })));
  const conns = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  try {
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
    const places = await Promise.all(
      conns.map(async (c) => {
        const checks = specChecks(cfg.spec, {
          open: (host, port) => c.forward(host, port),
          exec: (command, opts) => c.exec(command, opts),
        });
        const gate = await new HealthGate(cfg.spec, checks).run(log, `${c.spec.label}: `);
        return { place: c.spec.label, gate };
      }),
    );
    return { healthy: places.every((p) => p.gate.healthy), places };
  } finally {
    for (const c of conns) c.close();
  }
}

/** The action's outputs: the slowest place decides the time, the first unhealthy one the status. */
export function healthGateOutputs(o: HealthGateOutcome): Record<string, string | number | boolean | undefined> {
  const gates = o.places.map((p) => p.gate);
  const deciding = gates.find((g) => !g.healthy) ?? gates[0];
  return {
    healthy: o.healthy,
    attempts: Math.max(...gates.map((g) => g.attempts.length)),
    'time-to-healthy-ms': o.healthy ? Math.max(...gates.map((g) => g.timeToHealthyMs ?? 0)) : '',
    'last-status': deciding ? lastAnswer(deciding) : '',
  };
}

/**
 * Why a gate failed. Its last attempt may have got no answer within its request timeout ("no
 * answer within 2000 ms") when the answers before it say more (slow, wrong body): name the last
 * answer too.
 */
export function whyNot(g: GateResult): string {
  const last = g.attempts.at(-1)?.results ?? [];
  const answered = g.attempts.flatMap((a) => a.results).filter((r) => r.status !== undefined);
  const earlier = answered.at(-1);
  if (!earlier || last.some((r) => r.status !== undefined)) return g.reason ?? '';
  return `${g.reason}; the last answer: ${earlier.url} → ${earlier.reason ?? `${earlier.status} in ${earlier.latencyMs} ms`}`;
}

/** The status of the last answer there was (the final attempt may have got none). */
export function lastAnswer(g: GateResult): number | undefined {
  const answered = g.attempts.flatMap((a) => a.results).filter((r) => r.status !== undefined);
  return answered.at(-1)?.status;
}

export function healthGateFailure(o: HealthGateOutcome): string | undefined {
  if (o.healthy) return undefined;
  return `Not healthy: ${o.places
    .filter((p) => !p.gate.healthy)
    .map((p) => `${p.place}: ${whyNot(p.gate)}`)
    .join('; ')}`;
}
