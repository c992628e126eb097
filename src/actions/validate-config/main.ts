// Entry of actions/validate-config: read inputs, validate the configs, report on the run page.
import * as core from '@actions/core';
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { annotateFindings, configSummary, logFindings } from '../../validation/ConfigReport.js';
import { readValidateConfigSpec } from '../../validation/ConfigInputs.js';
import { validateConfigs } from '../../validation/ConfigValidator.js';
import { actionLog, maskSecrets, setOutputs } from '../../report/RunPage.js';
import { ageIdentities } from '../../sops/AgeIdentities.js';
import { openSopsConfigs } from '../../validation/SopsValidation.js';
import { runAction } from '../../runtime/runAction.js';

async function main(): Promise<void> {
  const workspace = process.env.GITHUB_WORKSPACE || process.cwd();
  const inputs = new InputReader(runnerInputs);
  maskSecrets([inputs.raw('sops-age-key')]);
  const { spec, mode } = readValidateConfigSpec(inputs, workspace, process.env);
  const identities = ageIdentities(inputs);
  spec.sopsOpened = await openSopsConfigs(
    workspace,
    [...spec.files, ...spec.schemaMap.map((m) => m.pattern)],
    identities,
    maskSecrets,
  );
  const report = validateConfigs(spec, actionLog);
  setOutputs({
    valid: report.errorCount === 0,
    'error-count': report.errorCount,
    'files-checked': report.filesChecked,
  });
  logFindings(report, actionLog);
  annotateFindings(report, mode);
  await configSummary(report, mode).write();
  const n = report.errorCount;
  if (n === 0)
    core.info(`validate-config: no errors in ${report.filesChecked} file${report.filesChecked === 1 ? '' : 's'}`);
  else if (mode === 'warn')
    core.info(`validate-config: ${n} error${n === 1 ? '' : 's'} reported as warnings (mode: warn)`);
  else
    core.setFailed(
      `validate-config: ${n} error${n === 1 ? '' : 's'} in the configs: see the annotations and the job summary`,
    );
}

void runAction('validate-config', main);
