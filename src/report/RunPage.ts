// The one place actions talk to the run page through @actions/core: log, masks, outputs,
// annotations, the job summary file, and the links to this run.
import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import type { Log } from './Log.js';

export interface AnnotationPlace {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
}

export const actionLog: Log = {
  info: (m) => core.info(m),
  warn: (m) => core.warning(m),
  error: (m) => core.error(m),
  debug: (m) => core.debug(m),
};

/** Masks each value, and each line of a multi-line one (the runner masks line by line). */
export function maskSecrets(values: Iterable<string>): void {
  for (const v of values) {
    if (!v) continue;
    core.setSecret(v);
    for (const line of v.split(/\r?\n/)) if (line.trim().length >= 4) core.setSecret(line.trim());
  }
}

export function setOutputs(outputs: Record<string, string | number | boolean | undefined>): void {
  for (const [k, v] of Object.entries(outputs)) core.setOutput(k, v === undefined ? '' : String(v));
}

export function annotate(
  kind: 'error' | 'warning' | 'notice',
  message: string,
  title?: string,
  place: AnnotationPlace = {},
): void {
  const props: core.AnnotationProperties = {
    title,
    file: place.file,
    startLine: place.line,
    startColumn: place.column,
    endLine: place.endLine,
    endColumn: place.endColumn,
  };
  if (kind === 'error') core.error(message, props);
  else if (kind === 'warning') core.warning(message, props);
  else core.notice(message, props);
}

/** Appends to $GITHUB_STEP_SUMMARY; a runner without one (the CLI) just skips it. */
export async function appendStepSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, true).write();
}

/** Whether the step has a summary file that something was already written to. */
export function stepSummaryWritten(): boolean {
  const file = process.env.GITHUB_STEP_SUMMARY;
  return !!file && existsSync(file) && statSync(file).size > 0;
}

/** Links to this run, its commit and repository, from the runner's environment. */
export function runLinks(): { runUrl?: string; commitUrl?: string; repoUrl?: string } {
  const server = process.env.GITHUB_SERVER_URL || 'https://github.com';
  const repo = process.env.GITHUB_REPOSITORY;
  const runId = process.env.GITHUB_RUN_ID;
  const sha = process.env.GITHUB_SHA;
  return {
    repoUrl: repo ? `${server}/${repo}` : undefined,
    runUrl: repo && runId ? `${server}/${repo}/actions/runs/${runId}` : undefined,
    commitUrl: repo && sha ? `${server}/${repo}/commit/${sha}` : undefined,
  };
}
