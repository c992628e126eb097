// Real compose files (tests/fixtures/compose-corpus/NOTES.md says where each comes from): every file
// Compose accepts draws no error with the policy rules off, and every file Compose refuses draws one.
// `unseen/` was held back while the checks were written, and measured once at the end.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateIn } from '../support/validateKit.js';

const corpus = join(import.meta.dirname, '../fixtures/compose-corpus');

/** Compose files under a folder: `*.yaml` files, and `compose.yaml` in each sub-folder (with its .env). */
function composeFiles(dir: string): string[] {
  if (!existsSync(join(corpus, dir))) return [];
  return readdirSync(join(corpus, dir))
    .sort()
    .flatMap((name) => {
      const rel = `${dir}/${name}`;
      if (statSync(join(corpus, rel)).isDirectory())
        return existsSync(join(corpus, rel, 'compose.yaml')) ? [`${rel}/compose.yaml`] : composeFiles(rel);
      return /\.ya?ml$/.test(name) ? [rel] : [];
    });
}

/** The policy rules off: no image variable, unset variables as Compose treats them, no secrets rule. */
function errorsOf(file: string): string[] {
  const report = validateIn(corpus, { composeFiles: [file], imageVariable: '', requireVariables: false });
  return report.findings
    .filter((f) => f.severity === 'error')
    .map((f) => `${f.span?.line}:${f.span?.column} ${f.message}`);
}

for (const part of ['', 'unseen/']) {
  describe(`the ${part ? 'unseen ' : ''}compose corpus`, () => {
    const valid = [...composeFiles(`${part}valid/compose-go`), ...composeFiles(`${part}valid/awesome-compose`)];
    const invalid = composeFiles(`${part}invalid`);

    it(`has files to check (${valid.length} valid, ${invalid.length} invalid)`, () => {
      expect(valid.length).toBeGreaterThan(part ? 40 : 150);
      expect(invalid.length).toBeGreaterThan(part ? 10 : 40);
    });

    it('draws no error on a file Compose accepts', () => {
      const wrong = valid.map((f) => ({ file: f, errors: errorsOf(f) })).filter((r) => r.errors.length);
      expect(wrong).toEqual([]);
    });

    it('draws an error on every file Compose refuses', () => {
      const passed = invalid.filter((f) => errorsOf(f).length === 0);
      expect(passed).toEqual([]);
    });
  });
}
