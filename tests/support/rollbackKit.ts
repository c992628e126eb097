// Shared by the rollback and CLI integration tests: the rollback action through its bundle, with
// the sandbox connection and a fast gate, and the release history as the host keeps it.
import { runAction, type ActionRun, type RunActionOptions } from '../harness/runAction.js';
import type { SandboxInfo } from '../sandbox/Sandbox.js';
import { gatedAppInputs, type TestApp } from './deployKit.js';
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
