// The deploy's zero-downtime rollout on one host. Traffic moves under the host's release guard
// while the old containers serve on: the release is kept once healthy (and through its watch, when
// one was asked for), or traffic goes back to the old containers at once when a trigger trips, or
// the host moves it back by itself when the runner is lost before it decided.
import type { GateResult } from '../../health/HealthGate.js';
import type { Log } from '../../report/Log.js';
import type { ReplayedOptions } from '../../release/ReleaseManifest.js';
import { ReleaseCommands } from '../../remote/ReleaseCommands.js';
import { all, line } from '../../remote/Shell.js';
import type { HostSession } from '../../ssh/HostSession.js';
import { replayedOptions, type DeployConfig } from '../DeployConfig.js';
import { composeFor, type DeployPlan } from '../DeployPlan.js';
import type { HostResult } from '../HostDeployment.js';
import type { ReleaseGuard } from '../ReleaseGuard.js';
import { ReleaseSwitch, type WayBack } from './ReleaseSwitch.js';
import { composeServiceNames } from './ZeroDowntimeConfig.js';

/** What the rollout needs of its HostDeployment. */
export interface SwitchedHost {
  session: HostSession;
  cfg: DeployConfig;
  releaseId: string;
  result: HostResult;
  plan: DeployPlan;
  log: Log;
  /** The release current before this deploy, with the options it ran with. */
  previous?: { id: string; options: ReplayedOptions };
  /** Records the release as current (release.json, prune, history); points current at it when `activate`. */
  recordKept(activate: boolean): Promise<void>;
  /** True when no watch was asked for or no trigger tripped; else sets the result's reason. */
  watch(): Promise<boolean>;
  /** Marks the release failed in its release.json. */
  recordFailed(): Promise<void>;
  history(result: string): Promise<void>;
  gate(): Promise<GateResult>;
}

export async function switchedRollout(h: SwitchedHost): Promise<HostResult> {
  const r = h.result;
  const say = (m: string) => h.log.info(`${h.session.spec.label}: ${m}`);
  const ctx = { app: h.cfg.app, layout: h.session.layout, compose: h.session.compose };
  const loggedIn = !!h.cfg.registry;
  const compose = composeFor(ctx, h.releaseId, replayedOptions(h.cfg), loggedIn);
  const prev = h.cfg.rollbackOnFailure ? h.previous : undefined;
  const way: WayBack = {
    activate: h.plan.activate,
    restore:
      prev &&
      ((others) =>
        all(
          ...(others.length
            ? [line(composeFor(ctx, prev.id, prev.options, loggedIn).upServices(others, ['--no-deps']))]
            : []),
          new ReleaseCommands(h.session.layout).activate(prev.id),
        )),
    inPlace: prev && h.plan.rollback,
  };
  const o = await new ReleaseSwitch(h.session, h.cfg.app, h.cfg.zeroDowntime!, h.cfg.health, h.log).runGuarded(
    compose,
    way,
    composeServiceNames(h.cfg.composeFiles),
  );
  r.timings.startMs = o.startMs;
  r.timings.gateMs = o.gateMs;
  r.gate = o.gate;
  r.switch = o.report;
  if (o.healthy && o.guard) return await watchThenDecide(h, o.guard, !!prev, say);
  r.reason = o.reason;
  r.logs = o.logs;
  await h.recordFailed();
  r.status = r.previous ? 'rolled-back' : 'failed';
  r.release = r.previous;
  say(`release ${h.releaseId} failed: ${r.reason}; traffic never left ${r.previous ?? 'the host'}`);
  await h.history(r.status);
  return r;
}

/** Traffic moved: keep the release, or (a trigger tripped in its watch) move traffic back. */
async function watchThenDecide(
  h: SwitchedHost,
  guard: ReleaseGuard,
  canGoBack: boolean,
  say: (m: string) => void,
): Promise<HostResult> {
  const r = h.result;
  const keep = async () => {
    const kept = await guard.decide('keep');
    if (kept.code !== 0) throw new Error(`stopping the old containers failed: ${kept.lastLine}`);
  };
  try {
    r.status = 'deployed';
    r.release = h.releaseId;
    // A watched release is current during its watch, while the old containers still serve beside it.
    if (!h.cfg.watch) await keep();
    await h.recordKept(!!h.cfg.watch);
    if (await h.watch()) {
      if (!guard.isDecided) await keep();
      return r;
    }
    await h.recordFailed();
    if (canGoBack) {
      say(`moving traffic back to ${r.previous}`);
      const back = await guard.decide('undo');
      if (back.code === 0 && r.switch?.proxy === 'started') r.rollbackGate = await h.gate();
      if (back.code === 0 && (!r.rollbackGate || r.rollbackGate.healthy)) {
        r.status = 'rolled-back';
        r.release = r.previous;
        if (r.switch) r.switch.movedBack = true;
        say(`traffic is back on ${r.previous}; the new containers were removed`);
      } else {
        r.status = 'failed';
        r.release = undefined;
        r.reason += `; going back to ${r.previous} ${back.code !== 0 ? `failed: ${back.lastLine}` : `left it unhealthy: ${r.rollbackGate?.reason}`}`;
      }
    } else {
      // Left running, as the in-place deploy leaves it: the old containers stop.
      await keep();
      r.status = 'failed';
      if (!r.previous) r.reason += ' (first release: nothing to roll back to; it is left running for inspection)';
      else r.reason += ' (rollback-on-failure is false: left running)';
    }
    await h.history(r.status);
    return r;
  } finally {
    // Undecided (an error on the way): traffic goes back, as it would for a lost runner.
    if (!guard.isDecided) await guard.decide('undo').catch(() => undefined);
  }
}
