// The one place a gate's spec turns into checks of each kind: a new kind of check is built here,
// for the health-gate action and for the deploy's and rollback's gate on each host alike.
import type { HealthCheck, StreamOpener } from './HealthCheck.js';
import type { HealthGateSpec } from './readHealthSpec.js';
import { HttpCheck } from './HttpCheck.js';
import { HttpProbe } from './HttpProbe.js';

/** The checks `spec` asks for, in its order, each opening its connections with `open` (if given). */
export function specChecks(spec: HealthGateSpec, open?: StreamOpener): HealthCheck[] {
  const probe = new HttpProbe(open);
  return spec.urls.map((url) => new HttpCheck(url, spec, probe));
}
