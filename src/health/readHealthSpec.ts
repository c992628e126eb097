// What the deploy's, the rollback's and the health-gate action's inputs ask the gate to check, read
// from those inputs; specChecks turns it into checks of each kind.
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import type { GateTiming } from './HealthGate.js';
import type { ProbeExpectations } from './HttpProbe.js';
import { parseHealthTarget } from './healthTargets.js';

export interface HealthGateSpec extends GateTiming, ProbeExpectations {
  urls: string[];
}

/** Input names differ between the deploy (`health-url`, …) and the health-gate action (`urls`, …). */
export interface HealthInputNames {
  urls: string;
  timeout: string;
  interval: string;
  successes: string;
  expectStatus: string;
  expectBody?: string;
  maxLatency?: string;
  headers?: string;
}

export const deployHealthInputs: HealthInputNames = {
  urls: 'health-url',
  timeout: 'health-timeout',
  interval: 'health-interval',
  successes: 'health-successes',
  expectStatus: 'health-expect-status',
};

export function readHealthSpec(inputs: InputReader, names: HealthInputNames): HealthGateSpec {
  const urls = inputs.list(names.urls, { commas: false });
  for (const u of urls) {
    const target = parseHealthTarget(u);
    if ('error' in target) throw new InputError(names.urls, target.error);
  }
  const timeoutMs = inputs.seconds(names.timeout, 60, { min: 1, max: 3600 }) * 1000;
  const intervalMs = inputs.seconds(names.interval, 1, { min: 0.05, max: 600 }) * 1000;
  const successes = inputs.int(names.successes, 2, { min: 1, max: 100 });
  const expectStatus = inputs.list(names.expectStatus).map((s) => {
    if (!/^[1-5]\d\d$/.test(s)) throw new InputError(names.expectStatus, `'${s}' is not an HTTP status code`);
    return Number(s);
  });
  const expectBody = names.expectBody ? inputs.string(names.expectBody) || undefined : undefined;
  const maxLatency = names.maxLatency ? inputs.int(names.maxLatency, 0, { min: 0, max: 600_000 }) : 0;
  const headers: Record<string, string> = {};
  if (names.headers) {
    for (const h of inputs.list(names.headers, { commas: false })) {
      const colon = h.indexOf(':');
      if (colon <= 0) throw new InputError(names.headers, `'${h}' is not 'Name: value'`);
      headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    }
  }
  return {
    urls,
    timeoutMs,
    intervalMs,
    successes,
    expectStatus,
    expectBody,
    maxLatencyMs: maxLatency || undefined,
    headers,
    requestTimeoutMs: Math.max(2000, Math.min(intervalMs * 5, 10_000)),
  };
}
