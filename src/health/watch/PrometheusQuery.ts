// A Prometheus trigger's query, asked of Prometheus's HTTP API through the host's SSH tunnel (so
// http://127.0.0.1:9090 is the host's own Prometheus), read as one number.
import type { HttpProbe } from '../HttpProbe.js';
import type { Trigger } from './RollbackTriggers.js';

type PrometheusTrigger = Extract<Trigger, { kind: 'prometheus' }>;

export interface MetricValue {
  value?: number;
  /** Why no number came back (Prometheus down, an empty vector, …). */
  error?: string;
}

export class PrometheusQuery {
  constructor(
    readonly trigger: PrometheusTrigger,
    private readonly probe: HttpProbe,
    private readonly timeoutMs: number,
  ) {}

  async value(): Promise<MetricValue> {
    const url = `${this.trigger.url}/api/v1/query?query=${encodeURIComponent(this.trigger.query)}`;
    const r = await this.probe.probe(url, { expectStatus: [200], headers: {}, requestTimeoutMs: this.timeoutMs });
    if (!r.ok) return { error: `${this.trigger.url}: ${r.reason}` };
    return parseQueryAnswer(r.body ?? '');
  }
}

/** The number in an instant query's answer: a scalar, or the first sample of a vector. */
export function parseQueryAnswer(body: string): MetricValue {
  let answer: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return { error: 'the answer is not JSON (a query of one number, e.g. sum(…), keeps it short)' };
  }
  if (answer.status !== 'success') return { error: `Prometheus: ${answer.error ?? 'query failed'}` };
  const result = answer.data?.result;
  const raw =
    answer.data?.resultType === 'scalar'
      ? (result as [number, string] | undefined)?.[1]
      : (result as { value?: [number, string] }[] | undefined)?.[0]?.value?.[1];
  if (raw === undefined) return { error: 'the query returned no sample' };
  const value = Number(raw);
  return Number.isNaN(value) ? { error: `the query returned ${raw}` } : { value };
}
