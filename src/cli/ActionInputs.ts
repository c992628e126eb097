// The inputs each action declares, read from its action.yml at run time: the CLI's options are
// the actions' inputs, with their descriptions and defaults, so the two can never drift apart.
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface DeclaredInput {
  name: string;
  description: string;
  required: boolean;
  default?: string;
}

/**
 * The package root: two levels above the running entry, which is dist/cli/index.js (or, in
 * development, src/cli/main.ts); an npm bin link is followed to it.
 */
export function packageRoot(entry = process.argv[1] ?? ''): string {
  return resolve(dirname(realpathSync(entry)), '..', '..');
}

export function declaredInputs(root: string, actionDir: string): DeclaredInput[] {
  const file = join(root, actionDir, 'action.yml');
  const yml = parse(readFileSync(file, 'utf8')) as {
    inputs?: Record<string, { description?: string; required?: boolean; default?: unknown } | null>;
  };
  return Object.entries(yml.inputs ?? {}).map(([name, spec]) => ({
    name,
    description: spec?.description ?? '',
    required: spec?.required === true,
    // `${{ github.… }}` defaults mean nothing outside a workflow.
    default:
      spec?.default === undefined || spec.default === null || String(spec.default).includes('${{')
        ? undefined
        : String(spec.default),
  }));
}
