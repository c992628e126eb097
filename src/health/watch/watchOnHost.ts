// The watch on one host: the gate's checks through the host's SSH connection (tunnels for the URLs
// and Prometheus, commands for exec://), and the app's containers, as gateOnHost judges them.
import type { Log } from '../../report/Log.js';
import type { HostSession } from '../../ssh/HostSession.js';
import type { AppHealth } from '../ContainerHealth.js';
import { HttpProbe } from '../HttpProbe.js';
import type { HealthGateSpec } from '../readHealthSpec.js';
import { specChecks } from '../specChecks.js';
import { PrometheusQuery } from './PrometheusQuery.js';
import { ReleaseWatch, type WatchResult } from './ReleaseWatch.js';
import type { WatchSpec } from './RollbackTriggers.js';

export function watchOnHost(
  session: HostSession,
  containers: AppHealth,
  health: HealthGateSpec,
  spec: WatchSpec,
  log: Log,
): Promise<WatchResult> {
  const open = (host: string, port: number) => session.ssh.forward(host, port);
  const checks = [
    ...specChecks(health, { open, exec: (c, o) => session.ssh.exec(c, o), project: containers.project }),
    containers,
  ];
  const probe = new HttpProbe(open);
  const queries = spec.triggers.flatMap((t) =>
    t.kind === 'prometheus' ? [new PrometheusQuery(t, probe, health.requestTimeoutMs)] : [],
  );
  return new ReleaseWatch(spec, health.intervalMs, checks, queries).run(log, `${session.spec.label}: `);
}
