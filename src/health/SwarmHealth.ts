// The stack kind of health check (mode: swarm): swarm's view of the app's services from a manager.
// A service is well when its rolling update is done and every task swarm wants running runs the
// service's image (a task with a Docker healthcheck counts as running only once it is healthy).
// Swarm pausing an update (failure_action: pause, njord's default) ends the wait: the update failed.
import type { SshConnection } from '../ssh/SshConnection.js';
import { serviceLogsCommand, STACK_SEPARATOR, stackStateCommand } from '../remote/StackCommands.js';
import type { CheckOutcome, HealthCheck } from './HealthCheck.js';
import type { ContainerLog } from './ContainerHealth.js';

export interface StackService {
  name: string;
  image: string;
  /** Replicas asked for; undefined for a global service (one task a node). */
  replicas?: number;
  /** UpdateStatus.State: updating, paused, completed, rollback_*; undefined before a first update. */
  update?: string;
  updateMessage?: string;
}

/** What the run page shows of a stack once the deploy is decided: each service and where its tasks run. */
export interface StackSnapshot {
  stack: string;
  services: { name: string; image: string; running: number; wanted?: number; nodes: string[]; update?: string }[];
}

export interface StackTask {
  /** web.1 of stack shop is shop_web.1 */
  name: string;
  image: string;
  desired: string;
  /** `Running 3 seconds ago`, `Starting …`, `Preparing …`, `Failed …` */
  current: string;
  node: string;
  error: string;
}

interface ServiceJson {
  Spec?: {
    Name?: string;
    Mode?: { Replicated?: { Replicas?: number }; Global?: object };
    TaskTemplate?: { ContainerSpec?: { Image?: string } };
  };
  UpdateStatus?: { State?: string; Message?: string };
}

export function parseStackState(stdout: string): { services: StackService[]; tasks: StackTask[] } {
  const at = stdout.indexOf(STACK_SEPARATOR);
  const head = (at < 0 ? stdout : stdout.slice(0, at)).trim();
  const list = (head ? JSON.parse(head) : []) as ServiceJson[];
  const services = list.map((s) => ({
    name: s.Spec?.Name ?? '',
    image: s.Spec?.TaskTemplate?.ContainerSpec?.Image ?? '',
    replicas: s.Spec?.Mode?.Replicated ? (s.Spec.Mode.Replicated.Replicas ?? 1) : undefined,
    update: s.UpdateStatus?.State || undefined,
    updateMessage: s.UpdateStatus?.Message || undefined,
  }));
  const tasks = (at < 0 ? '' : stdout.slice(at + STACK_SEPARATOR.length))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const [name = '', image = '', desired = '', current = '', node = '', error = ''] = l.split('\t');
      return { name: name.trim(), image, desired, current, node, error };
    });
  return { services, tasks };
}

/** The service a task belongs to: shop_web of shop_web.1 (replicated) or shop_web.<node id> (global). */
function serviceOf(task: StackTask): string {
  return task.name.replace(/\.[^.]+$/, '');
}

/** One look at the stack: ok, waiting (with what it waits for), or fatal (swarm paused an update). */
export function judgeStack(services: StackService[], tasks: StackTask[]): CheckOutcome {
  if (!services.length) return { ok: false, detail: 'the stack has no services (yet)' };
  const paused = services.filter((s) => s.update === 'paused' || s.update === 'rollback_paused');
  if (paused.length)
    return {
      ok: false,
      fatal: true,
      detail: paused
        .map((s) => `swarm paused the update of ${s.name}: ${s.updateMessage ?? 'a task failed'}`)
        .join('; '),
    };
  const waiting: string[] = [];
  for (const s of services) {
    const wanted = tasks.filter((t) => serviceOf(t) === s.name && t.desired.toLowerCase() === 'running');
    const current = wanted.filter((t) => t.image === s.image && /^running/i.test(t.current));
    const want = s.replicas ?? Math.max(wanted.length, 1);
    if (s.update === 'updating' || s.update === 'rollback_started')
      waiting.push(`${s.name} is updating (${current.length}/${want} tasks on the new spec)`);
    else if (current.length < want || wanted.length > want) {
      const failed = tasks.find((t) => serviceOf(t) === s.name && t.image === s.image && t.error);
      waiting.push(
        `${s.name}: ${current.length}/${want} tasks running${failed ? ` (last error: ${failed.error.trim()})` : ''}`,
      );
    }
  }
  return waiting.length ? { ok: false, detail: waiting.join(', ') } : { ok: true, detail: '' };
}

export class SwarmHealth implements HealthCheck {
  constructor(
    private readonly ssh: SshConnection,
    readonly project: string,
  ) {}

  async state(): Promise<{ services: StackService[]; tasks: StackTask[] }> {
    return parseStackState((await this.ssh.exec(stackStateCommand(this.project))).stdout);
  }

  async check(): Promise<CheckOutcome> {
    const { services, tasks } = await this.state();
    return judgeStack(services, tasks);
  }

  async snapshot(): Promise<StackSnapshot> {
    const { services, tasks } = await this.state();
    return {
      stack: this.project,
      services: services.map((s) => {
        const mine = tasks.filter(
          (t) => serviceOf(t) === s.name && t.desired.toLowerCase() === 'running' && /^running/i.test(t.current),
        );
        return {
          name: s.name,
          image: s.image,
          running: mine.length,
          wanted: s.replicas,
          nodes: [...new Set(mine.map((t) => t.node))].sort(),
          update: s.update,
        };
      }),
    };
  }

  /** The last lines of the services that are not well (or of all, when none stands out). */
  async failingLogs(): Promise<ContainerLog[]> {
    const { services, tasks } = await this.state();
    const bad = services.filter((s) => !judgeStack([s], tasks).ok);
    const pick = bad.length ? bad : services;
    return Promise.all(
      pick.slice(0, 5).map(async (s) => {
        const r = await this.ssh.exec(serviceLogsCommand(s.name));
        return { name: `${s.name} (${s.update ?? 'service'})`, tail: r.stdout.trimEnd() };
      }),
    );
  }
}
