// The gate a release must pass: every URL answers as expected, and every container with a
// Docker healthcheck reports healthy, `successes` times in a row before `timeout`.
import type { Log } from '../log/Log.js';
import type { HttpProbe, ProbeExpectations, ProbeResult } from './HttpProbe.js';

export interface HealthGateSpec extends ProbeExpectations {
  urls: string[];
  timeoutMs: number;
  intervalMs: number;
  successes: number;
}

/** Another condition checked with the URLs, e.g. Docker's own health states. `fatal` ends the wait. */
export type ExtraCheck = () => Promise<{ ok: boolean; fatal?: boolean; detail: string }>;

export interface Attempt {
  /** ms since the gate started. */
  at: number;
  ok: boolean;
  results: ProbeResult[];
  extra?: string;
}

export interface GateResult {
  healthy: boolean;
  attempts: Attempt[];
  timeToHealthyMs?: number;
  lastStatus?: number;
  /** Why it failed, in one line. */
  reason?: string;
}

export class HealthGate {
  constructor(
    private readonly spec: HealthGateSpec,
    private readonly probe: HttpProbe,
    private readonly extra?: ExtraCheck,
  ) {}

  async run(log: Log, label = ''): Promise<GateResult> {
    const { spec } = this;
    const start = performance.now();
    const since = () => Math.round(performance.now() - start);
    const attempts: Attempt[] = [];
    let streak = 0;
    for (;;) {
      const attemptStart = performance.now();
      // URLs and the extra check go out together: an attempt costs the slowest, not the sum.
      const [results, extra] = await Promise.all([
        Promise.all(
          spec.urls.map((u) =>
            this.probe.probe(u, {
              ...spec,
              requestTimeoutMs: Math.max(100, Math.min(spec.requestTimeoutMs, spec.timeoutMs - since())),
            }),
          ),
        ),
        this.extra?.(),
      ]);
      const ok = results.every((r) => r.ok) && (extra?.ok ?? true);
      attempts.push({ at: since(), ok, results, extra: extra?.detail });
      streak = ok ? streak + 1 : 0;
      const lastStatus = results.at(-1)?.status;
      log.info(
        `${label}health attempt ${attempts.length}: ${describeAttempt(results, extra?.detail)}${ok ? ` (${streak}/${spec.successes})` : ''}`,
      );
      if (streak >= spec.successes) return { healthy: true, attempts, timeToHealthyMs: since(), lastStatus };
      if (extra?.fatal) return { healthy: false, attempts, lastStatus, reason: extra.detail };
      const wait = spec.intervalMs - (performance.now() - attemptStart);
      if (since() + Math.max(wait, 0) >= spec.timeoutMs) {
        const why = describeAttempt(results, extra?.detail);
        return {
          healthy: false,
          attempts,
          lastStatus,
          reason: `not healthy after ${Math.round(spec.timeoutMs / 1000)}s: ${why}`,
        };
      }
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export function describeAttempt(results: ProbeResult[], extra?: string): string {
  const parts = results.map((r) => `${r.url} → ${r.ok ? `${r.status} in ${r.latencyMs} ms` : r.reason}`);
  if (extra) parts.push(extra);
  return parts.join('; ') || 'no checks';
}
