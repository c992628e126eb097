// The one place a gate's spec turns into checks of each kind: a new kind of check is built here,
// for the health-gate action and for the deploy's and rollback's gate on each host alike.
import type { HealthCheck, StreamOpener } from './HealthCheck.js';
import type { HealthGateSpec } from './readHealthSpec.js';
import { ExecCheck, type HostExec } from './ExecCheck.js';
import { parseHealthTarget } from './healthTargets.js';
import { HttpCheck } from './HttpCheck.js';
import { HttpProbe } from './HttpProbe.js';
import { TcpCheck } from './TcpCheck.js';

/** Where the checks run: a host's SSH connection (its tunnels and commands), and the app there. */
export interface CheckPlace {
  open: StreamOpener;
  exec?: HostExec;
  /** The compose project whose containers exec:// checks run in. */
  project?: string;
}

/** The checks `spec` asks for, in its order, through `place` (a host) when given. */
export function specChecks(spec: HealthGateSpec, place?: CheckPlace): HealthCheck[] {
  const probe = new HttpProbe(place?.open);
  return spec.urls.map((url): HealthCheck => {
    const target = parseHealthTarget(url);
    if ('error' in target) throw new Error(target.error);
    switch (target.kind) {
      case 'http':
        return new HttpCheck(url, spec, probe);
      case 'tcp':
        return new TcpCheck(target, spec.requestTimeoutMs, place?.open);
      case 'exec':
        if (!place?.exec) throw new Error(`${url}: an exec:// check runs on a host; give the hosts to run it on`);
        return new ExecCheck(target, place.exec, spec.requestTimeoutMs, place.project);
    }
  });
}
