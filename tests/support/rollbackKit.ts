// Shared by the rollback and CLI integration tests: the rollback action through its bundle, with
// the sandbox connection and a fast gate, the release history as the host keeps it, and the
// rollback workflow's call for an app.
import { runAction, type ActionRun, type RunActionOptions } from '../harness/runAction.js';
import type { SandboxInfo } from '../sandbox/Sandbox.js';
import { gatedAppInputs, type TestApp } from './deployKit.js';
import type { WorkflowCall } from './workflowRun.js';
import { onHost } from './hostState.js';

export function rollbackInputs(
  info: SandboxInfo,
  app: TestApp,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...gatedAppInputs(info, app), ...extra };
}

export function rollback(
  info: SandboxInfo,
  app: TestApp,
  extra: Record<string, string> = {},
  opts: RunActionOptions = {},
): Promise<ActionRun> {
  return runAction('actions/rollback', rollbackInputs(info, app, extra), { workspace: app.workspace, ...opts });
}

export interface HistoryLine {
  /** When the host recorded it (ISO 8601, the runner's clock). */
  time: string;
  event: string;
  release?: string;
  from?: string;
  result: string;
  actor?: string;
  runUrl?: string;
  reason?: string;
  failure?: string;
  running?: string | null;
  image?: string;
}

export function historyOnHost(app: TestApp): HistoryLine[] {
  return onHost(`cat ${app.root}/history.jsonl 2>/dev/null || true`)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HistoryLine);
}

/**
 * What the rollback workflow is called with for `app` on the sandbox's first server: its host, app
 * and health URL, `inputs`, the SSH secrets, and the app's workspace as the caller's checkout.
 */
export function rollbackWorkflowCall(
  info: SandboxInfo,
  app: TestApp,
  inputs: Record<string, string>,
): Omit<WorkflowCall, 'env'> {
  return {
    inputs: { hosts: info.hostSpec, app: app.name, 'health-url': `http://127.0.0.1:${app.port}/health`, ...inputs },
    secrets: { SSH_PRIVATE_KEY: info.privateKey, SSH_KNOWN_HOSTS: info.knownHosts },
    workspace: app.workspace,
  };
}
