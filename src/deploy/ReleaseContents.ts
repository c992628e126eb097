// What a deploy writes into its release directory on each host: the env file, the manifest, the
// compose files, the travelling files and (mode: swarm) the proxy's config. Built once per run.
import { renderEnvFile } from '../release/EnvFile.js';
import type { ReleaseManifest } from '../release/ReleaseManifest.js';
import { replayedOptions, type DeployConfig } from './DeployConfig.js';
import { RELEASE_FILES_WRITE } from './DeployPlan.js';
import { SWARM_PROXY_CONFIG, swarmProxyConfig } from './swarm/SwarmRelease.js';

/** The release's manifest as written before its rollout (status `pending`). */
export function pendingManifest(cfg: DeployConfig, releaseId: string): ReleaseManifest {
  return {
    id: releaseId,
    app: cfg.app,
    image: cfg.image ?? '',
    ...replayedOptions(cfg),
    envKeys: releaseVars(cfg).map(([k]) => k),
    gitSha: cfg.meta.gitSha,
    ref: cfg.meta.ref,
    runUrl: cfg.meta.runUrl,
    actor: cfg.meta.actor,
    createdAt: new Date().toISOString(),
    status: 'pending',
    ...(cfg.releaseFiles && {
      files: cfg.releaseFiles.files.map(({ path, sha256, sops }) => ({ path, sha256, sops })),
    }),
  };
}

/** Each file of the release directory by name, as the plan's writes name them. */
export function releaseContents(cfg: DeployConfig, manifest: ReleaseManifest): Record<string, string | Buffer> {
  const contents: Record<string, string | Buffer> = {
    'release.env': renderEnvFile(releaseVars(cfg)),
    'release.json': JSON.stringify(manifest, null, 2) + '\n',
  };
  for (const f of cfg.composeFiles) contents[f.name] = f.content;
  if (cfg.releaseFiles) contents[RELEASE_FILES_WRITE] = cfg.releaseFiles.archive;
  if (cfg.mode === 'swarm' && cfg.zeroDowntime) contents[SWARM_PROXY_CONFIG] = swarmProxyConfig(cfg.zeroDowntime);
  return contents;
}

/** The release's variables: IMAGE first, then env, then secrets (a later one wins in the env file). */
function releaseVars(cfg: DeployConfig): [string, string][] {
  return [...(cfg.image ? ([['IMAGE', cfg.image]] as [string, string][]) : []), ...cfg.env, ...cfg.secrets];
}
