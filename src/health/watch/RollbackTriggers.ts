// The `watch` and `rollback-triggers` inputs: how long to watch a release after its gate, and what
// rolls it back, in the shape deployment procedures write them:
//   error_rate:   { threshold: 5%, duration: 5m }
//   latency:      { p95_threshold: 1000ms, duration: 3m }
//   health_check: { consecutive_failures: 3 }
//   prometheus:   [{ query: 'sum(rate(errors_total[1m]))', above: 2 }]
import { parse } from 'yaml';
import { InputError } from '../../inputs/InputError.js';
import type { InputReader } from '../../inputs/InputReader.js';

export type Percentile = 50 | 95 | 99;

export type Trigger =
  | { kind: 'error_rate'; name: string; threshold: number; durationMs: number }
  | { kind: 'latency'; name: string; percentile: Percentile; thresholdMs: number; durationMs: number }
  | { kind: 'health_check'; name: string; consecutiveFailures: number }
  | { kind: 'prometheus'; name: string; query: string; url: string; above?: number; below?: number };

export interface WatchSpec {
  watchMs: number;
  triggers: Trigger[];
}

const INPUT = 'rollback-triggers';
export const DEFAULT_PROMETHEUS = 'http://127.0.0.1:9090';
/** What rolls a watched release back when no triggers are given. */
const DEFAULT_TRIGGERS = 'health_check: { consecutive_failures: 3 }';

/** The watch the inputs ask for, or undefined when `watch` is 0 (the default: no watch). */
export function readWatchSpec(inputs: InputReader): WatchSpec | undefined {
  const watchMs = inputs.seconds('watch', 0, { min: 0, max: 6 * 3600 }) * 1000;
  const text = inputs.raw(INPUT).trim();
  if (!watchMs) {
    if (text) throw new InputError('watch', 'is required when rollback-triggers is set: how long to watch, e.g. 5m');
    return undefined;
  }
  return { watchMs, triggers: parseTriggers(text || DEFAULT_TRIGGERS, watchMs) };
}

export function parseTriggers(text: string, watchMs: number): Trigger[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new InputError(INPUT, `is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  // A block copied with its key from a procedure document is welcome as it is.
  if (isMap(doc) && Object.keys(doc).length === 1 && 'rollback_triggers' in doc) doc = doc.rollback_triggers;
  if (!isMap(doc))
    throw new InputError(INPUT, 'must be a mapping of triggers: error_rate, latency, health_check, prometheus');
  const triggers: Trigger[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'prometheus') {
      const list = Array.isArray(value) ? value : [value];
      list.forEach((v, i) => triggers.push(prometheusTrigger(v, list.length > 1 ? `prometheus[${i}]` : 'prometheus')));
      continue;
    }
    if (!isMap(value)) throw new InputError(INPUT, `${key} must be a mapping, e.g. ${key}: { … }`);
    const duration = () => durationOf(key, value.duration, watchMs);
    if (key === 'error_rate') {
      known(key, value, ['threshold', 'duration']);
      triggers.push({
        kind: 'error_rate',
        name: key,
        threshold: percentOf(key, value.threshold),
        durationMs: duration(),
      });
    } else if (key === 'latency') {
      known(key, value, ['p50_threshold', 'p95_threshold', 'p99_threshold', 'duration']);
      const durationMs = duration();
      for (const percentile of [50, 95, 99] as const) {
        const field = `p${percentile}_threshold`;
        if (value[field] === undefined) continue;
        const thresholdMs = msOf(`${key}.${field}`, value[field]);
        triggers.push({ kind: 'latency', name: `${key}.${field}`, percentile, thresholdMs, durationMs });
      }
      if (!triggers.some((t) => t.kind === 'latency'))
        throw new InputError(INPUT, 'latency needs p50_threshold, p95_threshold or p99_threshold, e.g. 1000ms');
    } else if (key === 'health_check') {
      known(key, value, ['consecutive_failures']);
      const n = Number(value.consecutive_failures);
      if (!Number.isInteger(n) || n < 1 || n > 1000)
        throw new InputError(INPUT, 'health_check.consecutive_failures must be a whole number from 1, e.g. 3');
      triggers.push({ kind: 'health_check', name: `${key}.consecutive_failures`, consecutiveFailures: n });
    } else throw new InputError(INPUT, `has no trigger ${key}: use error_rate, latency, health_check or prometheus`);
  }
  return triggers;
}

function prometheusTrigger(v: unknown, name: string): Trigger {
  if (!isMap(v) || typeof v.query !== 'string' || !v.query.trim())
    throw new InputError(INPUT, `${name} needs a query: { query: <PromQL>, above: <number> } or below:`);
  known(name, v, ['query', 'above', 'below', 'url']);
  const num = (k: 'above' | 'below') => {
    if (v[k] === undefined) return undefined;
    const n = Number(v[k]);
    if (typeof v[k] === 'boolean' || !Number.isFinite(n)) throw new InputError(INPUT, `${name}.${k} must be a number`);
    return n;
  };
  const above = num('above');
  const below = num('below');
  if (above === undefined && below === undefined)
    throw new InputError(INPUT, `${name} needs above: or below: a number the query's value must not cross`);
  const url = v.url === undefined ? DEFAULT_PROMETHEUS : String(v.url).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/.test(url))
    throw new InputError(INPUT, `${name}.url '${url}' is not an http:// URL`);
  return { kind: 'prometheus', name, query: v.query.trim(), url, above, below };
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function known(key: string, value: Record<string, unknown>, fields: string[]): void {
  const other = Object.keys(value).find((k) => !fields.includes(k));
  if (other) throw new InputError(INPUT, `${key} has no field ${other}: use ${fields.join(', ')}`);
}

/** `5%` or `5` (per cent) → 0.05. */
function percentOf(key: string, v: unknown): number {
  const m = /^(\d+(?:\.\d+)?)\s*%?$/.exec(String(v ?? '').trim());
  const n = m ? Number(m[1]) : NaN;
  if (!m || n > 100) throw new InputError(INPUT, `${key}.threshold must be a percentage, e.g. 5%`);
  return n / 100;
}

/** `1000ms`, `1.5s` or `1000` (ms). */
function msOf(name: string, v: unknown): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(String(v).trim());
  if (!m) throw new InputError(INPUT, `${name} must be a latency, e.g. 1000ms or 1.5s`);
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

/** `5m`, `90s`, `500ms` or `90` (s); the whole watch when not given; never longer than the watch. */
function durationOf(key: string, v: unknown, watchMs: number): number {
  if (v === undefined) return watchMs;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/.exec(String(v).trim());
  if (!m) throw new InputError(INPUT, `${key}.duration must be a duration, e.g. 90s or 5m`);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const ms = Number(m[1]) * unit[m[2] ?? 's']!;
  if (ms <= 0) throw new InputError(INPUT, `${key}.duration must be more than 0`);
  if (ms > watchMs)
    throw new InputError(
      INPUT,
      `${key}.duration ${String(v)} is longer than the watch (${watchMs / 1000}s): the window would never fill; shorten it or watch longer`,
    );
  return ms;
}
