// What the checks report: one problem, in plain words, on a file's line and column where it has one.
import type { Span } from './YamlSource.js';

export type Rule =
  | 'input'
  | 'read'
  | 'syntax'
  | 'duplicate-key'
  | 'schema'
  | 'schema-file'
  | 'compose-schema'
  | 'compose-variable'
  | 'compose-reference'
  | 'compose-image'
  | 'compose-check'
  | 'compose-config'
  | 'plaintext-secret'
  | 'secret-value'
  | 'required-env';

export interface Finding {
  rule: Rule;
  message: string;
  /** Workspace-relative path; absent for problems with no file (an input, the environment). */
  file?: string;
  span?: Span;
  /** 'warning' for advice that never fails the step (e.g. docker-compose v1 disagreeing). */
  severity: 'error' | 'warning';
}

/** Annotation titles: what kind of problem, at a glance in the diff. */
export const ruleTitle: Record<Rule, string> = {
  input: 'validate-config input',
  read: 'unreadable file',
  syntax: 'YAML syntax',
  'duplicate-key': 'duplicate key',
  schema: 'config schema',
  'schema-file': 'schema file',
  'compose-schema': 'compose schema',
  'compose-variable': 'compose variable',
  'compose-reference': 'compose reference',
  'compose-image': 'compose image',
  'compose-check': 'compose check',
  'compose-config': 'docker compose config',
  'plaintext-secret': 'plaintext secret file',
  'secret-value': 'secret in plain text',
  'required-env': 'required env',
};

export function byPosition(a: Finding, b: Finding): number {
  return (
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.span?.line ?? 0) - (b.span?.line ?? 0) ||
    (a.span?.column ?? 0) - (b.span?.column ?? 0)
  );
}
