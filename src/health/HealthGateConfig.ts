// The health-gate action's inputs: the deploy's gate with its own input names, and optional SSH
// access to check through a tunnel into each host instead of from where it runs.
import { InputError } from '../inputs/InputError.js';
import type { InputReader } from '../inputs/InputReader.js';
import { readSshAccess, type SshAccess } from '../ssh/ConnectionConfig.js';
import { readHealthSpec, type HealthGateSpec, type HealthInputNames } from './readHealthSpec.js';
import { isExecCheck } from './healthTargets.js';

export const healthGateInputs: HealthInputNames = {
  urls: 'urls',
  timeout: 'timeout',
  interval: 'interval',
  successes: 'successes',
  expectStatus: 'expect-status',
  expectBody: 'expect-body',
  maxLatency: 'max-latency-ms',
  headers: 'headers',
};

export interface HealthGateConfig {
  spec: HealthGateSpec;
  /** Set when `hosts` is: each URL is then checked through a tunnel into each host. */
  ssh?: SshAccess;
}

export function readHealthGateConfig(inputs: InputReader): HealthGateConfig {
  const spec = readHealthSpec(inputs, healthGateInputs);
  if (!spec.urls.length)
    throw new InputError('urls', 'is required: one or more http(s)://, tcp:// or exec:// URLs, one a line');
  const re = spec.expectBody && /^\/(.+)\/([a-z]*)$/.exec(spec.expectBody);
  if (re) {
    try {
      new RegExp(re[1]!, re[2]);
    } catch (err) {
      throw new InputError(
        'expect-body',
        `${spec.expectBody} is not a valid regular expression: ${(err as Error).message}`,
      );
    }
  }
  if (inputs.list('hosts').length) return { spec, ssh: readSshAccess(inputs) };
  for (const name of ['ssh-key', 'known-hosts'])
    if (inputs.raw(name).trim())
      throw new InputError('hosts', `is required when ${name} is given: the user@host[:port] to check through`);
  const exec = spec.urls.find(isExecCheck);
  if (exec) throw new InputError('hosts', `is required for ${exec}: an exec:// check runs in a container on a host`);
  return { spec };
}

/** Header values may be credentials (Authorization: Bearer …): mask them before anything prints. */
export function headerValues(inputs: InputReader): string[] {
  return inputs
    .list('headers', { commas: false })
    .map((h) => h.slice(h.indexOf(':') + 1).trim())
    .filter((v) => v.length >= 4);
}
