// The gate a release must pass: every check of every kind (each URL answers as expected, every
// container with a Docker healthcheck reports healthy, …) passes `successes` times in a row before
// `timeout`.
import type { Log } from '../report/Log.js';
import { formatMs } from '../report/SummaryMarkdown.js';
import type { HealthCheck } from './HealthCheck.js';
import type { ProbeResult } from './HttpProbe.js';

/** How long and how often the gate checks, and how many passes in a row make healthy. */
export interface GateTiming {
  timeoutMs: number;
  intervalMs: number;
  successes: number;
}

export interface Attempt {
  /** ms since the gate started. */
  at: number;
  ok: boolean;
  /** The answers of the checks that have one (each URL's), in the checks' order. */
  results: ProbeResult[];
  /** What the other checks said (the containers'), when there are any. */
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
    private readonly spec: GateTiming,
    private readonly checks: HealthCheck[],
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
      // Every check goes out together: an attempt costs the slowest, not the sum.
      const outcomes = await Promise.all(this.checks.map((c) => c.check()));
      const results = outcomes.flatMap((o) => (o.answer ? [o.answer] : []));
      const others = outcomes.filter((o) => !o.answer);
      const extra = others.length
        ? others
            .map((o) => o.detail)
            .filter(Boolean)
            .join('; ')
        : undefined;
      const fatal = outcomes.find((o) => o.fatal);
      const ok = outcomes.every((o) => o.ok);
      attempts.push({ at: since(), ok, results, extra: extra });
      streak = ok ? streak + 1 : 0;
      const lastStatus = results.at(-1)?.status;
      log.info(
        `${label}health attempt ${attempts.length}: ${describeAttempt(results, extra)}${ok ? ` (${streak}/${spec.successes})` : ''}`,
      );
      if (streak >= spec.successes) return { healthy: true, attempts, timeToHealthyMs: since(), lastStatus };
      if (fatal) return { healthy: false, attempts, lastStatus, reason: fatal.detail };
      if (last || performance.now() >= deadline) {
        const why = describeAttempt(results, extra);
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
  const parts = results.map((r) => `${r.url} → ${r.ok ? `${r.status ?? 'ok'} in ${r.latencyMs} ms` : r.reason}`);
  if (extra) parts.push(extra);
  return parts.join('; ') || 'no checks';
}
