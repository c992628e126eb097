// One wrapper for every action's entry: the same bundle runs as `main` and as `post`
// (GitHub runs the post entry with the state the main saved), and any error fails the step once.
import * as core from '@actions/core';
import { InputError } from '../inputs/InputError.js';
import { stoppedSummary } from '../report/SummaryMarkdown.js';
import { isPostStep, markMainStep } from './state.js';

export async function runAction(title: string, main: () => Promise<void>, post?: () => Promise<void>): Promise<void> {
  const isPost = isPostStep();
  try {
    if (!isPost) markMainStep();
    if (isPost) await post?.();
    else await main();
  } catch (err) {
    fail(err);
    // A main that stopped before writing its summary still leaves one on the run page.
    if (!isPost)
      await stoppedSummary(title, err instanceof Error ? err.message : String(err), err instanceof InputError).catch(
        () => undefined,
      );
  }
}

export function fail(err: unknown): void {
  if (err instanceof InputError) {
    core.setFailed(err.message);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  core.setFailed(message);
  if (err instanceof Error && err.stack) core.debug(err.stack);
}
