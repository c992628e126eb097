// Stops the containers of some compose services for a consistent copy and starts them again. The
// ids are announced before anything stops, so a post step can start them after a killed run.
import type { HostSession } from '../ssh/HostSession.js';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import { startContainersCommand, stopContainersCommand } from '../remote/DockerCommands.js';
import { line } from '../remote/Shell.js';
import type { ContainerInfo, Inventory } from './HostInventory.js';

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

  constructor(
    private readonly s: HostSession,
    private readonly log: Log,
  ) {}

  get stoppedServices(): string[] {
    return [...new Set(this.stopped.map((c) => c.service))].sort();
  }

  async stop(containers: ContainerInfo[], announce?: (ids: string[]) => void): Promise<void> {
    if (!containers.length) return;
    announce?.(containers.map((c) => c.id));
    this.stopped = containers;
    this.log.info(`${this.s.spec.label}: stopping ${this.stoppedServices.join(', ')}`);
    await this.s.ssh.run('stop services', line(stopContainersCommand(containers.map((c) => c.id))), {
      timeoutMs: 5 * 60_000,
    });
  }

  /** Starts what `stop` stopped; safe to call twice. */
  async start(): Promise<void> {
    if (!this.stopped.length) return;
    const names = this.stoppedServices.join(', ');
    await this.s.ssh.run('start the stopped services', line(startContainersCommand(this.stopped.map((c) => c.id))), {
      timeoutMs: 5 * 60_000,
    });
    this.stopped = [];
    this.log.info(`${this.s.spec.label}: started ${names} again`);
  }
}
