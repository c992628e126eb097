// The switch as the job summary tells it: when the new containers were healthy, when traffic
// moved, how long the old ones drained; or that traffic never left the running release.
import { formatMs } from '../../report/SummaryMarkdown.js';
import { proxyName } from '../../remote/ProxyCommands.js';
import type { SwitchReport } from './ReleaseSwitch.js';
import type { ZeroDowntimeSpec } from './ZeroDowntimeConfig.js';

/** The switch's steps as the dry run lists them. */
export function describeSwitchPlan(app: string, spec: ZeroDowntimeSpec): string[] {
  const names = spec.services.map((s) => s.name).join(', ');
  const ports = spec.services.flatMap((s) => s.ports.map((p) => `${p.hostIp ? `${p.hostIp}:` : ''}${p.hostPort}`));
  return [
    `update the other services in place (compose up --no-deps, only what changed)`,
    `start ${names} beside the running containers (compose up --no-recreate --scale)`,
    `health gate: the URLs on ${ports.join(', ')} sent to the new containers' own addresses, and their states`,
    `when healthy: ${proxyName(app)} (${spec.proxyImage}) takes the new containers (nginx reload; started on ${ports.join(', ')} if not running), the old ones drain for up to ${spec.drainTimeoutS} s, then stop`,
    `until the release is kept (after its watch, when there is one) the old containers serve on beside it: a tripped trigger moves traffic back to them, and so does the host by itself when the runner is lost`,
    `when not healthy: remove the new containers; traffic never leaves the running release`,
  ];
}

export function describeSwitch(host: string, r: SwitchReport): string {
  if (!r.trafficMoved)
    return `**${host}** (zero-downtime): the new containers never took a request; traffic never left the running release.`;
  const at = (ms?: number) => (ms === undefined ? '?' : `+${formatMs(ms)}`);
  const how =
    r.proxy === 'started'
      ? 'the proxy was started (the first switch of this app, or its ports changed: the old containers stopped first)'
      : r.movedBack
        ? `the proxy reloaded, and the old connections drained in ${formatMs(r.drainedMs)}; a rollback trigger tripped, and traffic went back to the old containers, which had kept running, and the new ones were removed`
        : `the proxy reloaded, and the old containers drained in ${formatMs(r.drainedMs)} before they were removed`;
  return `**${host}** (zero-downtime): new containers healthy at ${at(r.healthyAtMs)}, traffic moved at ${at(r.switchedAtMs)}; ${how}.`;
}
