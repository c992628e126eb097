// validate-config's engine as the unit tests call it: on one workspace, with nothing checked but
// what the test turns on (no compose files, no plaintext-secret rule, docker compose off), quietly.
import { silentLog } from '../../src/report/Log.js';
import { validateConfigs, type ValidateConfigSpec } from '../../src/validation/ConfigValidator.js';

export function validateIn(workspace: string, over: Partial<ValidateConfigSpec> = {}) {
  return validateConfigs(
    {
      workspace,
      files: [],
      schemaMap: [],
      composeFiles: [],
      requiredEnv: [],
      forbidPlaintextSecrets: false,
      imageVariable: 'IMAGE',
      requireVariables: true,
      envValues: {},
      env: {},
      dockerCompose: 'off',
      ...over,
    },
    silentLog,
  );
}
