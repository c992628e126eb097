// The gate a release must pass: every URL answers as expected, and every container with a
// Docker healthcheck reports healthy, `successes` times in a row before `timeout`.
import type { Log } from '../report/Log.js';
import { formatMs } from '../report/SummaryMarkdown.js';
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

  /**
   * Checks start every `intervalMs` until the deadline (`timeoutMs` after the first): when the next
   * one would come after it, the last starts at the deadline itself, so a service healthy just
   * before the deadline passes. A request asked in time gets its own request timeout, even past
   * the deadline: an answer is judged on what it says, not on when the gate asked. The gate may so
   * end up to one request timeout after the deadline; its reason says how long it really waited.
   */
  async run(log: Log, label = ''): Promise<GateResult> {
    const { spec } = this;
    const start = performance.now();
    const deadline = start + spec.timeoutMs;
    const since = () => Math.round(performance.now() - start);
    const attempts: Attempt[] = [];
    let streak = 0;
    // Set once the next check is the one at the deadline: a timer may wake a hair before it.
    let last = false;
    for (;;) {
      const attemptStart = performance.now();
      // URLs and the extra check go out together: an attempt costs the slowest, not the sum.
      const [results, extra] = await Promise.all([
        Promise.all(spec.urls.map((u) => this.probe.probe(u, spec))),
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
      if (last || performance.now() >= deadline) {
        const why = describeAttempt(results, extra?.detail);
        return {
          healthy: false,
          attempts,
          lastStatus,
          reason: `not healthy after ${formatMs(since())} (${attempts.length} check${attempts.length > 1 ? 's' : ''}, timeout ${formatMs(spec.timeoutMs)}): ${why}`,
        };
      }
      const next = attemptStart + spec.intervalMs;
      last = next >= deadline;
      const wait = Math.min(next, deadline) - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export function describeAttempt(results: ProbeResult[], extra?: string): string {
  const parts = results.map((r) => `${r.url} → ${r.ok ? `${r.status} in ${r.latencyMs} ms` : r.reason}`);
  if (extra) parts.push(extra);
  return parts.join('; ') || 'no checks';
}
