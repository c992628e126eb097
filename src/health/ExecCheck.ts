// The exec kind of health check: a command exits 0 inside the service's container on the host (a
// worker's own self-test, `redis-cli ping`), run over the host's SSH connection.
import { execCheckCommand } from '../remote/HealthCommands.js';
import type { CommandResult } from '../ssh/SshConnection.js';
import { lastLine } from '../ssh/SshConnection.js';
import type { CheckOutcome, HealthCheck } from './HealthCheck.js';

/** Runs a command on the host, as SshConnection.exec does. */
export type HostExec = (command: string, opts: { timeoutMs: number }) => Promise<CommandResult>;

export class ExecCheck implements HealthCheck {
  private readonly command: string;

  constructor(
    private readonly target: { raw: string; service: string; argv: string[] },
    private readonly exec: HostExec,
    private readonly timeoutMs: number,
    project?: string,
  ) {
    this.command = execCheckCommand(target.service, target.argv, project);
  }

  async check(): Promise<CheckOutcome> {
    const started = performance.now();
    const url = this.target.raw;
    let reason: string | undefined;
    try {
      const r = await this.exec(this.command, { timeoutMs: this.timeoutMs });
      if (r.code !== 0) reason = `exit ${r.code}: ${lastLine(r)}`;
    } catch (err) {
      reason = (err as Error).message;
    }
    const latencyMs = Math.round(performance.now() - started);
    return { ok: !reason, detail: reason ?? '', answer: { url, ok: !reason, latencyMs, reason } };
  }
}
