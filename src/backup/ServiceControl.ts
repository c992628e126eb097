// Stops the containers of some compose services for a consistent copy and starts them again. The
// host guarantees the start: one SSH command stops them, then waits on its stdin, and starts them
// when the runner ends it, or when the runner falls silent (its heartbeat stops: a killed runner, a
// dropped connection). The ids are also announced before anything stops, for the post step.
import { PassThrough, Writable } from 'node:stream';
import type { HostSession } from '../ssh/HostSession.js';
import type { StreamResult } from '../ssh/SshConnection.js';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import { stopUntilReleasedCommand } from '../remote/backup/ServiceGuardCommand.js';
import type { ContainerInfo, Inventory } from './HostInventory.js';

/** How often the runner says it is alive (the host waits SILENCE_S without a word). */
export const HEARTBEAT_MS = 5_000;

/** The running containers of `services`; a service the app does not have is an input error. */
export function containersOf(inv: Inventory, services: string[], input: string, host: string): ContainerInfo[] {
  const known = new Set(inv.containers.map((c) => c.service));
  for (const s of services)
    if (!known.has(s))
      throw new InputError(
        input,
        `${host} runs no service '${s}' of this app; its services: ${[...known].sort().join(', ') || 'none'}`,
      );
  return inv.containers.filter((c) => services.includes(c.service) && c.running);
}

export class ServiceControl {
  private stopped: ContainerInfo[] = [];
  private guard?: { heartbeat: PassThrough; timer: NodeJS.Timeout; done: Promise<StreamResult> };

  constructor(
    private readonly s: HostSession,
    private readonly log: Log,
  ) {}

  get stoppedServices(): string[] {
    return [...new Set(this.stopped.map((c) => c.service))].sort();
  }

  async stop(containers: ContainerInfo[], announce?: (ids: string[]) => void): Promise<void> {
    if (!containers.length) return;
    const ids = containers.map((c) => c.id);
    announce?.(ids);
    this.stopped = containers;
    this.log.info(`${this.s.spec.label}: stopping ${this.stoppedServices.join(', ')}`);
    const heartbeat = new PassThrough();
    const timer = setInterval(() => heartbeat.write('alive\n'), HEARTBEAT_MS);
    let said = '';
    let heard: (s: string) => void = () => undefined;
    const stoppedLine = new Promise<string>((r) => (heard = r));
    const stdout = new Writable({
      write: (chunk: Buffer, _enc, next) => {
        said += chunk.toString();
        if (said.includes('\n')) heard(said.slice(0, said.indexOf('\n')));
        next();
      },
    });
    const done = this.s.ssh.stream(stopUntilReleasedCommand(ids), { stdin: heartbeat, stdout });
    const stopBeating = () => clearInterval(timer);
    done.then(stopBeating, stopBeating);
    timer.unref();
    this.guard = { heartbeat, timer, done };
    const first = await Promise.race([stoppedLine, done.then((r) => `exited ${r.code}: ${r.stderr.trim()}`)]);
    if (first !== 'stopped 0') {
      await this.start().catch(() => undefined);
      throw new Error(`${this.s.spec.label}: stopping ${this.stoppedServices.join(', ')} failed (${first})`);
    }
  }

  /** Starts what `stop` stopped (the host does, as the runner ends the guard's stdin); safe to call twice. */
  async start(): Promise<void> {
    if (!this.stopped.length || !this.guard) return;
    const names = this.stoppedServices.join(', ');
    const { heartbeat, timer, done } = this.guard;
    this.guard = undefined;
    clearInterval(timer);
    heartbeat.end();
    const r = await done;
    if (r.code !== 0)
      throw new Error(`${this.s.spec.label}: starting ${names} again failed (exit ${r.code}): ${r.stderr.trim()}`);
    this.stopped = [];
    this.log.info(`${this.s.spec.label}: started ${names} again`);
  }
}
