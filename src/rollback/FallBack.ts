// After the rollback's target failed: bring the release that ran before back; when that is not
// healthy either, leave whichever of the two answered better. Every compose up is checked, and the
// host is never left on nothing while one of the two can start.
import type { GateResult } from '../health/HealthGate.js';
import { lastLine, type CommandResult } from '../ssh/SshConnection.js';

export interface FallBackRelease {
  id: string;
  /** Its compose up, as it ran. */
  up: () => Promise<CommandResult>;
}

export interface FallBackInput {
  target: FallBackRelease & { started: boolean; gate?: GateResult };
  /** The release current before; undefined when there is none other than the target. */
  from?: FallBackRelease;
  gate: () => Promise<GateResult>;
  say: (m: string) => void;
}

export interface FallBackResult {
  /** The release that runs now; undefined when neither could start. */
  running?: string;
  /** The gate of the from-release, when it started. */
  restoreGate?: GateResult;
  /** What happened, to append to the target's failure. */
  why: string;
}

export async function fallBack({ target, from, gate, say }: FallBackInput): Promise<FallBackResult> {
  if (!from)
    return target.started
      ? { running: target.id, why: 'there is no other release to go back to: it is left running' }
      : { why: 'there is no other release to go back to: nothing runs' };

  say(`bringing ${from.id} back`);
  const back = await from.up();
  const restoreGate = back.code === 0 ? await gate() : undefined;
  if (restoreGate?.healthy) {
    say(`${from.id} is back and healthy`);
    return { running: from.id, restoreGate, why: `${from.id} is back and healthy` };
  }
  const fromWhy = `${from.id} ${restoreGate ? `is not healthy either: ${restoreGate.reason}` : `could not start: ${lastLine(back)}`}`;
  const fromUp = restoreGate ? from.id : undefined;
  if (!target.started || (restoreGate && score(target.gate) <= score(restoreGate)))
    return {
      running: fromUp,
      restoreGate,
      why: fromUp
        ? `${fromWhy}; left on ${from.id}, which answered at least as well`
        : `${fromWhy}; neither release could start: nothing runs`,
    };

  say(`${target.id} answered better than ${from.id}: starting it again`);
  const again = await target.up();
  if (again.code === 0)
    return { running: target.id, restoreGate, why: `${fromWhy}; left on ${target.id}, which answered better` };
  const againWhy = `starting ${target.id} again failed: ${lastLine(again)}`;
  if (!fromUp) return { restoreGate, why: `${fromWhy}; ${againWhy}; nothing runs` };
  // The from-release did start a moment ago: unhealthy beats nothing.
  const last = await from.up();
  return last.code === 0
    ? { running: from.id, restoreGate, why: `${fromWhy}; ${againWhy}; left on ${from.id}` }
    : { restoreGate, why: `${fromWhy}; ${againWhy}; starting ${from.id} again failed too: ${lastLine(last)}` };
}

/** How well a gate went, for choosing between two unhealthy releases: passing attempts, then answers. */
export function score(g: GateResult | undefined): number {
  if (!g) return -1;
  const results = g.attempts.flatMap((a) => a.results);
  const okShare = results.length ? results.filter((x) => x.ok).length / results.length : 0;
  return g.attempts.filter((a) => a.ok).length + okShare;
}
