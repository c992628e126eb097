// The deploy's `files` and `sops-age-key` inputs, read into the files that travel with the release.
import type { InputReader } from '../inputs/InputReader.js';
import { InputError } from '../inputs/InputError.js';
import { gatherReleaseFiles, type ReleaseFiles } from '../release/ReleaseFiles.js';
import type { DeployConfig } from './DeployConfig.js';

/** The age identities of the input: a keys.txt as age-keygen writes it (comments allowed) or bare lines. */
export function ageIdentities(inputs: InputReader): string[] {
  const raw = inputs.raw('sops-age-key').trim();
  if (!raw) return [];
  const ids = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!ids.length)
    throw new InputError(
      'sops-age-key',
      'holds no age identity: give the AGE-SECRET-KEY-1… line of the key (age-keygen), e.g. secrets.SOPS_AGE_KEY',
    );
  return ids;
}

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
