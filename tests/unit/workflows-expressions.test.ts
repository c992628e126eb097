// The test evaluator of `${{ }}` expressions that the pipeline test drives the workflow files with:
// it must read them as GitHub does, or the pipeline test would check something else than users run.
import { describe, expect, it } from 'vitest';
import { condition, evaluate, interpolate } from '../support/workflowExpressions.js';

const ctx = {
  inputs: { 'remote-dir': '', environment: 'production', 'backup-before': false, image: 'ghcr.io/acme/shop' },
  secrets: { REGISTRY_PASSWORD: '', SSH_PRIVATE_KEY: 'key' },
  github: { token: 'ghs_x', actor: 'octocat', event: { repository: { name: 'shop' } } },
  needs: { build: { result: 'success', outputs: { 'image-ref': 'ghcr.io/acme/shop@sha256:ab' } } },
  steps: {},
  vars: {},
  env: {},
};
const ok = { success: () => true, failure: () => false };
const failed = { success: () => false, failure: () => true };

describe('workflow expressions', () => {
  it('reads context paths, hyphenated names and index access, case-insensitively', () => {
    expect(evaluate('needs.build.outputs.image-ref', ctx)).toBe('ghcr.io/acme/shop@sha256:ab');
    expect(evaluate("needs['build'].OUTPUTS['image-ref']", ctx)).toBe('ghcr.io/acme/shop@sha256:ab');
    expect(evaluate('github.event.repository.name', ctx)).toBe('shop');
    expect(evaluate('inputs.missing', ctx)).toBe(null);
    expect(() => evaluate('nope.x', ctx)).toThrow(/unknown context 'nope'/);
  });

  it('&& and || return values with GitHub’s truthiness (empty string, 0, null, false are falsy)', () => {
    expect(evaluate('secrets.REGISTRY_PASSWORD || github.token', ctx)).toBe('ghs_x');
    expect(evaluate("inputs.remote-dir || 'default'", ctx)).toBe('default');
    expect(evaluate("startsWith(needs.build.outputs.image-ref, 'ghcr.io/') && github.token || ''", ctx)).toBe('ghs_x');
    expect(evaluate("startsWith('docker.io/x', 'ghcr.io/') && github.token || ''", ctx)).toBe('');
    expect(evaluate("0 || null || ''", ctx)).toBe('');
    expect(evaluate('!inputs.backup-before', ctx)).toBe(true);
  });

  it('compares strings case-insensitively and coerces numbers as GitHub does', () => {
    expect(evaluate("inputs.environment == 'PRODUCTION'", ctx)).toBe(true);
    expect(evaluate("'1' == 1", ctx)).toBe(true);
    expect(evaluate("inputs.environment != 'staging' && 2 > 1", ctx)).toBe(true);
    expect(evaluate("'it''s' == format('it{0}s', '''')", ctx)).toBe(true);
  });

  it('interpolates with: values, keeping a lone expression’s type', () => {
    expect(interpolate('${{ inputs.backup-before }}', ctx)).toBe(false);
    expect(interpolate('deploy-${{ inputs.environment }}', ctx)).toBe('deploy-production');
    expect(interpolate('plain', ctx)).toBe('plain');
    expect(interpolate(true, ctx)).toBe(true);
  });

  it('if: implies success() unless a status function is used', () => {
    expect(condition(undefined, ctx, ok)).toBe(true);
    expect(condition(undefined, ctx, failed)).toBe(false);
    expect(condition('inputs.backup-before', ctx, ok)).toBe(false);
    expect(condition('${{ !inputs.backup-before }}', ctx, failed)).toBe(false);
    expect(condition('always()', ctx, failed)).toBe(true);
    expect(condition('failure()', ctx, failed)).toBe(true);
  });

  it('refuses what it does not know instead of guessing', () => {
    expect(() => evaluate("hashFiles('**/x')", ctx)).toThrow(/not supported/);
    expect(() => evaluate('inputs.environment ==', ctx)).toThrow();
    expect(() => evaluate("'open", ctx)).toThrow(/unterminated/);
  });
});
