// The switch as the job summary tells it: when the new containers were healthy, when traffic
// moved, how long the old ones drained; or that traffic never left the running release.
import { formatMs } from '../../report/SummaryMarkdown.js';
import type { SwitchReport } from './ReleaseSwitch.js';

export function describeSwitch(host: string, r: SwitchReport): string {
  if (!r.trafficMoved)
    return `**${host}** (zero-downtime): the new containers never took a request; traffic never left the running release.`;
  const at = (ms?: number) => (ms === undefined ? '?' : `+${formatMs(ms)}`);
  const how =
    r.proxy === 'started'
      ? 'the proxy was started (the first switch of this app, or its ports changed: the old containers stopped first)'
      : `the proxy reloaded, and the old containers drained in ${formatMs(r.drainedMs)} before they were removed`;
  return `**${host}** (zero-downtime): new containers healthy at ${at(r.healthyAtMs)}, traffic moved at ${at(r.switchedAtMs)}; ${how}.`;
}
