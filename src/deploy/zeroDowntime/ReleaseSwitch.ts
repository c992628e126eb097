// The zero-downtime switch of one release on one host, shared by the deploy and the rollback: the
// other services in place, the switched ones started beside the old containers, gated directly,
// then the proxy moves all traffic at once (an nginx reload) and the old containers drain before
// they stop. A release that fails its gate is removed without ever having been sent a request.
import { HealthGate, type GateResult } from '../../health/HealthGate.js';
import { specChecks } from '../../health/specChecks.js';
import type { HealthGateSpec } from '../../health/readHealthSpec.js';
import type { Log } from '../../report/Log.js';
import type { ComposeCommands } from '../../remote/ComposeCommands.js';
import { logsTailCommand } from '../../remote/DockerCommands.js';
import * as proxy from '../../remote/ProxyCommands.js';
import * as moves from '../../remote/ProxySwitchCommands.js';
import { line } from '../../remote/Shell.js';
import type { HostSession } from '../../ssh/HostSession.js';
import { lastLine } from '../../ssh/SshConnection.js';
import { ReleaseGuard } from '../ReleaseGuard.js';
import { renderNginxConfig, type Route } from './NginxConfig.js';
import type { PublishedPort } from './PublishedPorts.js';
import { NewContainersCheck, parseAppContainers, parseInspect, type InspectedContainer } from './SwitchContainers.js';
import type { ZeroDowntimeSpec } from './ZeroDowntimeConfig.js';

/** What the summary shows of the switch; times in ms since the release started. */
export interface SwitchReport {
  healthyAtMs?: number;
  switchedAtMs?: number;
  drainedMs?: number;
  /** `started`: the proxy was (re)created, its ports changed or it was not there. */
  proxy?: 'reloaded' | 'started';
  /** False: no request ever reached the new release (it failed, and was removed). */
  trafficMoved: boolean;
  /** Traffic went back to the old containers after it moved (a tripped watch trigger). */
  movedBack?: boolean;
}

export interface SwitchOutcome {
  healthy: boolean;
  gate?: GateResult;
  reason?: string;
  logs?: { name: string; tail: string }[];
  startMs: number;
  gateMs?: number;
  report: SwitchReport;
}

/** How the deploy's guarded switch keeps the release or goes back (commands run by the host). */
export interface WayBack {
  /** On keep: point current at the release. */
  activate: string;
  /** After a reload, with the old containers serving again: the other services and current back. Unset: no way back. */
  restore?: (others: string[]) => string;
  /** After the proxy was started by this switch (the old containers stopped): the previous release up in place. */
  inPlace?: string;
}

/** The new containers started and healthy, the old ones still serving. */
interface Started {
  ok: true;
  fresh: string[];
  old: string[];
  /** The services updated in place. */
  others: string[];
  inspected: InspectedContainer[];
  gate: GateResult;
  startMs: number;
  gateMs: number;
  report: SwitchReport;
  since: () => number;
}

const LONG = 30 * 60_000;

export class ReleaseSwitch {
  constructor(
    private readonly session: HostSession,
    private readonly app: string,
    private readonly spec: ZeroDowntimeSpec,
    private readonly health: HealthGateSpec,
    private readonly log: Log,
  ) {}

  private get ssh() {
    return this.session.ssh;
  }

  private say(m: string) {
    this.log.info(`${this.session.spec.label}: ${m}`);
  }

  private get configDir() {
    return `${this.session.layout.root}/proxy`;
  }

  /** Runs the release `compose` describes through the switch (the rollback's: the runner drives it to the end). */
  async run(compose: ComposeCommands): Promise<SwitchOutcome> {
    const s = await this.startBeside(compose);
    if (!s.ok) return s.outcome;
    const { fresh, old, inspected, gate, startMs, gateMs, report, since } = s;
    try {
      await this.moveTraffic(inspected, old, report, since);
    } catch (err) {
      await this.ssh.exec(proxy.discardContainersCommand(fresh));
      return { healthy: false, gate, reason: `the proxy: ${(err as Error).message}`, startMs, gateMs, report };
    }
    if (old.length)
      await this.ssh.run('stop the old containers', proxy.retireContainersCommand(old), { timeoutMs: 60_000 });
    return { healthy: true, gate, startMs, gateMs, report };
  }

  /**
   * The deploy's switch: traffic moves under the host's guard, and the old containers serve on
   * until the caller decides on the returned guard (keep: they stop; undo: traffic goes back to
   * them). A runner lost before it decided: the host moves traffic back by itself. `services`: the
   * release's compose services, when the caller read them from its files (saves a compose run).
   */
  async runGuarded(
    compose: ComposeCommands,
    way: WayBack,
    services?: string[],
  ): Promise<SwitchOutcome & { guard?: ReleaseGuard }> {
    const s = await this.startBeside(compose, services);
    if (!s.ok) return s.outcome;
    const { fresh, old, inspected, gate, startMs, gateMs, report, since, others } = s;
    let next: ReturnType<ReleaseSwitch['nextConfig']>;
    try {
      next = this.nextConfig(inspected);
    } catch (err) {
      await this.ssh.exec(proxy.discardContainersCommand(fresh));
      return { healthy: false, gate, reason: `the proxy: ${(err as Error).message}`, startMs, gateMs, report };
    }
    const { ports, networks, config } = next;
    const move = { app: this.app, configDir: this.configDir, drainS: this.spec.drainTimeoutS };
    // The next config and the proxy's state in one round trip.
    const status = (
      await this.ssh.run(
        'write the proxy config',
        `${proxy.writeNextConfigCommand(this.configDir)} && ${proxy.proxyStatusCommand(this.app)}`,
        { stdin: config },
      )
    ).stdout.trim();
    const reload = status === `true ${proxy.portsKey(ports)}`;
    if (!reload) this.say('starting the proxy (the first switch of this app, or its ports changed)');
    const { guard, up } = await ReleaseGuard.start(
      this.ssh,
      reload
        ? {
            up: moves.moveTrafficCommand(move, networks),
            keep: moves.keepMovedCommand(old, way.activate),
            undo: way.restore && moves.moveBackCommand(move, fresh, [way.restore(others)]),
          }
        : {
            up: moves.startProxyCommand({ ...move, image: this.spec.proxyImage }, ports, networks, old),
            keep: way.activate,
            undo: way.inPlace && moves.removeProxyThen(this.app, way.inPlace),
          },
    );
    if (up.code !== 0) {
      // Back to the old containers where the host can; else at least no new container stays.
      if (reload && way.restore) await guard.decide('undo');
      else {
        await guard.decide('leave');
        await this.ssh.exec(proxy.discardContainersCommand(fresh));
      }
      const why = reload ? `nginx did not take the new config: ${up.lastLine}` : `it did not stay up: ${up.lastLine}`;
      return { healthy: false, gate, reason: `the proxy: ${why}`, startMs, gateMs, report };
    }
    report.proxy = reload ? 'reloaded' : 'started';
    report.trafficMoved = true;
    report.drainedMs = reload ? Number(/drained (\d+)/.exec(up.lastLine)?.[1] ?? 0) * 100 : 0;
    report.switchedAtMs = since() - report.drainedMs;
    this.say(
      reload
        ? `traffic moved to the new release; the old one drained in ${(report.drainedMs / 1000).toFixed(1)} s and serves on until the release is kept`
        : 'traffic moved to the new release',
    );
    return { healthy: true, gate, startMs, gateMs, report, guard };
  }

  /** The other services in place, the switched ones started beside the old containers, then gated. */
  private async startBeside(
    compose: ComposeCommands,
    services?: string[],
  ): Promise<{ ok: false; outcome: SwitchOutcome } | Started> {
    const t0 = performance.now();
    const since = () => Math.round(performance.now() - t0);
    const report: SwitchReport = { trafficMoved: false };
    const names = this.spec.services.map((s) => s.name);
    // The service list (when the caller does not know it) and the containers before, at once.
    const [listed, before] = await Promise.all([
      services ?? this.ssh.run('list the services', line(compose.services())).then((r) => r.stdout.split('\n')),
      this.containers(),
    ]);
    const others = listed.map((s) => s.trim()).filter((s) => s && !names.includes(s));
    const stop = (outcome: Omit<SwitchOutcome, 'healthy' | 'report'>) => ({
      ok: false as const,
      outcome: { healthy: false, report, ...outcome },
    });
    const scale = this.spec.services.flatMap((s) => ['--scale', `${s.name}=${(before.get(s.name)?.length ?? 0) + 1}`]);
    // The others updated in place as without the switch (compose recreates only what changed). Beside
    // a running release, at the same time as the switched services start: the old containers serve
    // meanwhile, and the gate waits for what the new ones need. The first time, one after the other,
    // so that two compose runs never both make the project's networks.
    const upOthers = () =>
      others.length
        ? this.ssh.exec(line(compose.upServices(others, ['--no-deps', '--remove-orphans'])), { timeoutMs: LONG })
        : Promise.resolve(undefined);
    const upSwitched = () => {
      this.say(`starting ${names.join(', ')} beside the running release`);
      return this.ssh.exec(line(compose.upServices(names, ['--no-deps', '--no-recreate', ...scale])), {
        timeoutMs: LONG,
      });
    };
    const beside = names.some((n) => before.get(n)?.length);
    let othersUp: Awaited<ReturnType<typeof upOthers>>;
    let up: Awaited<ReturnType<typeof upSwitched>> | undefined;
    if (beside) [othersUp, up] = await Promise.all([upOthers(), upSwitched()]);
    else othersUp = await upOthers();
    const othersFailed =
      othersUp && othersUp.code !== 0 ? `compose up of ${others.join(', ')} failed: ${lastLine(othersUp)}` : undefined;
    if (othersFailed && !up) return stop({ reason: othersFailed, startMs: since() });
    up ??= await upSwitched();
    // Every container of the app inspected in one round trip: the new ones are those not there before.
    const inspected = parseInspect(
      (await this.ssh.run('inspect the containers', proxy.inspectAppCommand(this.app))).stdout,
    ).filter((c) => names.includes(c.service) && !before.get(c.service)?.includes(c.id));
    const fresh = inspected.map((c) => c.id);
    const old = names.flatMap((n) => before.get(n) ?? []);
    const startMs = since();
    if (othersFailed || up.code !== 0 || !fresh.length) {
      if (fresh.length) await this.ssh.exec(proxy.discardContainersCommand(fresh));
      return stop({ reason: othersFailed ?? `compose up failed: ${lastLine(up)}`, startMs });
    }
    const gate = await this.gate(fresh, inspected);
    const gateMs = since() - startMs;
    if (!gate.healthy) {
      const logs = await this.logsOf(inspected);
      await this.ssh.exec(proxy.discardContainersCommand(fresh));
      this.say('the new containers failed their gate and were removed; traffic never left the running release');
      return stop({ gate, reason: gate.reason, logs, startMs, gateMs });
    }
    report.healthyAtMs = since();
    return { ok: true, fresh, old, others, inspected, gate, startMs, gateMs, report, since };
  }

  private async containers(): Promise<Map<string, string[]>> {
    return parseAppContainers(
      (await this.ssh.run('list the containers', line(proxy.appContainersCommand(this.app)))).stdout,
    );
  }

  /** The spec's URLs that name a switched port, sent to the new container instead; the new containers' states. */
  private gate(fresh: string[], inspected: InspectedContainer[]): Promise<GateResult> {
    const urls = this.health.urls.map((u) => {
      const url = new URL(u);
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      for (const s of this.spec.services) {
        const p = s.ports.find((x) => x.hostPort === port);
        const c = inspected.find((i) => i.service === s.name && i.ip);
        if (!p || !c?.ip) continue;
        url.hostname = c.ip;
        url.port = String(p.containerPort);
        return url.toString();
      }
      return u;
    });
    const spec = { ...this.health, urls };
    const checks = [
      ...specChecks(spec, {
        open: (h, p) => this.ssh.forward(h, p),
        exec: (command, opts) => this.ssh.exec(command, opts),
        project: this.app,
      }),
      new NewContainersCheck(this.ssh, fresh),
    ];
    return new HealthGate(spec, checks).run(this.log, `${this.session.spec.label}: `);
  }

  /** The proxy's next config: each switched port to the new container serving it. */
  private nextConfig(inspected: InspectedContainer[]): { ports: PublishedPort[]; networks: string[]; config: string } {
    const routes: Route[] = [];
    for (const s of this.spec.services) {
      const c = inspected.find((i) => i.service === s.name && i.ip);
      if (!c?.ip) throw new Error(`the new ${s.name} container has no network address the proxy can reach`);
      for (const port of s.ports) routes.push({ port, upstream: c.ip });
    }
    const networks = [...new Set(inspected.flatMap((i) => (i.network ? [i.network] : [])))];
    return { ports: routes.map((r) => r.port), networks, config: renderNginxConfig(routes, this.spec.drainTimeoutS) };
  }

  private async moveTraffic(
    inspected: InspectedContainer[],
    old: string[],
    report: SwitchReport,
    since: () => number,
  ): Promise<void> {
    const { ports, networks, config } = this.nextConfig(inspected);
    await this.ssh.run('write the proxy config', proxy.writeNextConfigCommand(this.configDir), { stdin: config });
    const status = (await this.ssh.run('read the proxy', proxy.proxyStatusCommand(this.app))).stdout.trim();
    if (status === `true ${proxy.portsKey(ports)}`) {
      const reloaded = await this.ssh.run(
        'reload the proxy',
        proxy.reloadProxyCommand(this.app, this.configDir, networks),
      );
      const oldPids = reloaded.stdout
        .split('\n')
        .map(Number)
        .filter((n) => n > 0);
      const drain = await this.ssh.exec(line(proxy.drainCommand(this.app, oldPids, this.spec.drainTimeoutS)), {
        timeoutMs: (this.spec.drainTimeoutS + 30) * 1000,
      });
      if (drain.code !== 0) throw new Error(`nginx did not take the new config: ${lastLine(drain)}`);
      const tenths = (word: string) => Number(new RegExp(`${word} (\\d+)`).exec(drain.stdout)?.[1] ?? 0) * 100;
      report.proxy = 'reloaded';
      report.trafficMoved = true;
      report.drainedMs = tenths('drained');
      report.switchedAtMs = since() - report.drainedMs;
      this.say(`traffic moved to the new release; the old one drained in ${(report.drainedMs / 1000).toFixed(1)} s`);
      return;
    }
    // No proxy yet, or its ports changed: the old containers (which may publish those ports
    // themselves, from a release without the switch) stop first. The one switch that is not free.
    this.say('starting the proxy (the first switch of this app, or its ports changed)');
    if (old.length)
      await this.ssh.run('stop the old containers', proxy.retireContainersCommand(old), { timeoutMs: 60_000 });
    old.length = 0;
    await this.ssh.run(
      'start the proxy',
      proxy.createProxyCommand(this.app, this.spec.proxyImage, this.configDir, ports, networks),
    );
    const running = await this.ssh.exec(proxy.proxyRunningCommand(this.app));
    if (running.code !== 0) {
      const logs = (await this.ssh.exec(proxy.proxyLogsCommand(this.app))).stdout.trim();
      throw new Error(`it did not stay up: ${logs.split('\n').pop() ?? 'no log'}`);
    }
    report.proxy = 'started';
    report.trafficMoved = true;
    report.switchedAtMs = since();
    report.drainedMs = 0;
  }

  private async logsOf(inspected: InspectedContainer[]): Promise<{ name: string; tail: string }[]> {
    return Promise.all(
      inspected.slice(0, 5).map(async (c) => {
        const r = await this.ssh.exec(`${line(logsTailCommand(c.id, 30))} 2>&1`);
        return { name: `${c.service} (${c.name}, ${c.health ?? c.status})`, tail: r.stdout.trimEnd() };
      }),
    );
  }
}
