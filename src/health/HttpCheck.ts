// The HTTP kind of health check: one URL answering as the spec expects, directly or through a
// tunnel into the host.
import type { CheckOutcome, HealthCheck } from './HealthCheck.js';
import type { HttpProbe, ProbeExpectations } from './HttpProbe.js';

export class HttpCheck implements HealthCheck {
  constructor(
    private readonly url: string,
    private readonly expect: ProbeExpectations,
    private readonly probe: HttpProbe,
  ) {}

  async check(): Promise<CheckOutcome> {
    const answer = await this.probe.probe(this.url, this.expect);
    return { ok: answer.ok, detail: answer.reason ?? '', answer };
  }
}
