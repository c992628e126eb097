// The gate probes until its deadline, not until one interval before it, and its failure says how
// long it really waited. Against a local HTTP server that turns healthy at a set time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HealthGate } from '../../src/health/HealthGate.js';
import type { HealthGateSpec } from '../../src/health/readHealthSpec.js';
import { specChecks } from '../../src/health/specChecks.js';
import { silentLog } from '../../src/report/Log.js';

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers.splice(0)) s.close();
});

/** 503 until `healthyAfterMs` from now, then 200; each answer after `delayMs`. */
async function service(healthyAfterMs: number, delayMs = 0): Promise<string> {
  const healthyAt = performance.now() + healthyAfterMs;
  const server = createServer((_req, res) => {
    const status = performance.now() >= healthyAt ? 200 : 503;
    setTimeout(() => res.writeHead(status).end(String(status)), delayMs);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

function spec(url: string, more: Partial<HealthGateSpec> = {}): HealthGateSpec {
  return {
    urls: [url],
    timeoutMs: 2000,
    intervalMs: 500,
    successes: 1,
    expectStatus: [],
    headers: {},
    requestTimeoutMs: 2000,
    ...more,
  };
}

function gateFor(s: HealthGateSpec): HealthGate {
  return new HealthGate(s, specChecks(s));
}

// Concurrent: each test waits out a 2 s deadline on its own server.
describe.concurrent('HealthGate deadline', () => {
  it('passes a service that turns healthy shortly before the deadline', async () => {
    const url = await service(1800);
    const gate = await gateFor(spec(url)).run(silentLog);
    expect(gate.reason).toBeUndefined();
    expect(gate.healthy).toBe(true);
    // Checks at 0, 0.5, 1, 1.5 s fail; the one at the deadline passes.
    expect(gate.attempts.length).toBeLessThanOrEqual(5);
    expect(gate.timeToHealthyMs).toBeGreaterThanOrEqual(1800);
  });

  it('counts an answer asked for at the deadline that comes after it', async () => {
    // Healthy at 1.9 s, every answer takes 300 ms: only the check started at 2 s can see it.
    const url = await service(1900, 300);
    const gate = await gateFor(spec(url)).run(silentLog);
    expect(gate.healthy).toBe(true);
    expect(gate.timeToHealthyMs).toBeGreaterThanOrEqual(2200);
  });

  it('fails saying the time it really waited and the checks it made', async () => {
    const url = await service(60_000);
    const started = performance.now();
    const gate = await gateFor(spec(url)).run(silentLog);
    const waited = performance.now() - started;
    expect(gate.healthy).toBe(false);
    expect(gate.attempts).toHaveLength(5);
    expect(gate.attempts.at(-1)!.at).toBeGreaterThanOrEqual(1990);
    const m = /^not healthy after (\d+\.\d) s \(5 checks, timeout 2\.0 s\): http:\S+ → HTTP 503$/.exec(
      gate.reason ?? '',
    );
    expect(m, gate.reason).not.toBeNull();
    const said = Number(m![1]) * 1000;
    expect(said).toBeGreaterThanOrEqual(2000);
    expect(Math.abs(said - waited)).toBeLessThanOrEqual(150);
  });

  it('stops at the deadline even when the interval is longer than what is left', async () => {
    // Checks at 0 and 1.5 s, then one at the 2 s deadline rather than none (or one at 3 s).
    const url = await service(1700);
    const started = performance.now();
    const gate = await gateFor(spec(url, { intervalMs: 1500 })).run(silentLog);
    expect(gate.healthy).toBe(true);
    expect(gate.attempts).toHaveLength(3);
    expect(performance.now() - started).toBeLessThan(2500);
  });
});
