// examples/trading-config: the dev, staging and production set passes; a broken production fails
// with each error on its line.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfigs, type ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';
import { silentLog } from '../../src/report/Log.js';
import { brokenProductionErrors, brokenTradingCopy, tradingExample } from '../fixtures/config/tradingExample.js';

function run(workspace: string) {
  const spec: ValidateConfigSpec = {
    workspace,
    files: ['config/*.yaml'],
    schema: 'schema/trading-config.schema.json',
    schemaMap: [],
    composeFiles: ['docker-compose.yml'],
    requiredEnv: ['DATABASE_URL', 'DB_PASSWORD'],
    forbidPlaintextSecrets: true,
    imageVariable: 'IMAGE',
    requireVariables: true,
    envValues: {},
    env: { DATABASE_URL: 'postgres://x', DB_PASSWORD: 'x' },
    dockerCompose: 'off',
  };
  return validateConfigs(spec, silentLog);
}

const broken = brokenTradingCopy();
afterAll(() => rmSync(broken, { recursive: true, force: true }));

describe('examples/trading-config', () => {
  it('passes: dev, staging, production and the compose file', () => {
    const r = run(tradingExample);
    expect(r.findings).toEqual([]);
    expect(r.files.map((f) => [f.file, f.schema])).toEqual([
      ['config/dev.yaml', 'schema/trading-config.schema.json'],
      ['config/production.yaml', 'schema/trading-config.schema.json'],
      ['config/staging.yaml', 'schema/trading-config.schema.json'],
      ['docker-compose.yml', 'Compose Specification'],
    ]);
    expect(r.filesChecked).toBe(4);
  });

  it('fails a broken production.yaml with each error on its line and column', () => {
    const r = run(broken);
    expect(r.findings.map((f) => [f.file, f.span?.line, f.span?.column, f.message])).toEqual(
      brokenProductionErrors.map(([line, column, message]) => ['config/production.yaml', line, column, message]),
    );
    expect(r.errorCount).toBe(brokenProductionErrors.length);
  });
});
