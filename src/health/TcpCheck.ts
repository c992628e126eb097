// The TCP kind of health check: the port accepts a connection (Redis, a FIX engine, anything without
// an HTTP endpoint). Through an SSH tunnel the host's sshd makes the connection, on its loopback.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { CheckOutcome, HealthCheck, StreamOpener } from './HealthCheck.js';

export class TcpCheck implements HealthCheck {
  constructor(
    private readonly target: { raw: string; host: string; port: number },
    private readonly timeoutMs: number,
    private readonly open: StreamOpener = connectHere,
  ) {}

  async check(): Promise<CheckOutcome> {
    const started = performance.now();
    const url = this.target.raw;
    let timer: NodeJS.Timeout | undefined;
    try {
      const stream = await Promise.race([
        this.open(this.target.host, this.target.port),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no connection within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      stream.destroy();
      const latencyMs = Math.round(performance.now() - started);
      return { ok: true, detail: '', answer: { url, ok: true, latencyMs } };
    } catch (err) {
      const m = (err as Error).message;
      const reason = /ECONNREFUSED|Connection refused|open failed/i.test(m) ? 'connection refused' : m;
      const latencyMs = Math.round(performance.now() - started);
      return { ok: false, detail: reason, answer: { url, ok: false, latencyMs, reason } };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A connection from where the check runs (no tunnel). */
function connectHere(host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}
