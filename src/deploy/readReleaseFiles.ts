// The deploy's `files` and `sops-age-key` inputs, read into the files that travel with the release.
import type { InputReader } from '../inputs/InputReader.js';
import { gatherReleaseFiles, type ReleaseFiles } from '../release/ReleaseFiles.js';
import type { DeployConfig } from './DeployConfig.js';
import { ageIdentities } from '../sops/AgeIdentities.js';

export async function readReleaseFiles(
  inputs: InputReader,
  cfg: DeployConfig,
  workspace: string,
): Promise<ReleaseFiles | undefined> {
  const vars = new Map(cfg.env);
  if (cfg.image) vars.set('IMAGE', cfg.image);
  return gatherReleaseFiles({
    workspace,
    composeSources: cfg.composeFiles,
    vars,
    globs: inputs.list('files', { commas: false }),
    sopsKeys: ageIdentities(inputs),
  });
}
