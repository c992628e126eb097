// What the health gate asks of each kind of check (an HTTP URL, the app's containers, …): one look
// at a time. The gate repeats every check together until all pass `successes` times in a row.
import type { Duplex } from 'node:stream';
import type { ProbeResult } from './HttpProbe.js';

export interface CheckOutcome {
  ok: boolean;
  /** Ends the wait at once: e.g. a crashed container will not recover by waiting. */
  fatal?: boolean;
  /** Why it is not ok (or what it saw), in a few words for the log and the summary. */
  detail: string;
  /** An answer from a target with its latency (a URL's status): the summary's timeline shows it. */
  answer?: ProbeResult;
}

export interface HealthCheck {
  check(): Promise<CheckOutcome>;
}

/** Opens a stream to host:port from where the check runs: an SSH tunnel makes it the host's loopback. */
export type StreamOpener = (host: string, port: number) => Promise<Duplex>;
