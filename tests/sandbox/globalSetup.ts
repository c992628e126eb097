// Vitest global setup: starts (or reuses) the sandbox once for the whole run and hands its info to
// the tests, which read it with `inject('sandbox')`. Where the sandbox cannot run (not root), it
// provides nothing and the sandbox tests skip with sandboxUnavailableReason().
//
// The sandbox is left running after the run: other test runs (and other people's) may be using it,
// and the next run then starts in a fraction of a second. NJORD_SANDBOX_STOP=1 makes teardown stop
// what this run started (never what was already running).
import type { TestProject } from 'vitest/node';
import { sandboxStartLog, sandboxUnavailableReason, startSandbox, stopSandbox, type SandboxInfo } from './Sandbox.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxInfo | undefined;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const reason = sandboxUnavailableReason();
  if (reason) {
    console.log(`[sandbox] unavailable, sandbox tests will skip: ${reason}`);
    project.provide('sandbox', undefined);
    return async () => undefined;
  }
  const t0 = Date.now();
  const info = await startSandbox();
  const startedNow = sandboxStartLog();
  const took = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    startedNow.length
      ? `[sandbox] started in ${took} s: ${startedNow.join('; ')}`
      : `[sandbox] reused what was running (${took} s): ssh ${info.hostSpec}, registry ${info.registry}`,
  );
  project.provide('sandbox', info);
  return async () => {
    if (process.env.NJORD_SANDBOX_STOP !== '1') return;
    if (startedNow.length) console.log('[sandbox] NJORD_SANDBOX_STOP=1: stopping what this run started');
    await stopSandbox();
  };
}
