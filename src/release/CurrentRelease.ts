// What runs on an environment's hosts, read from each host's `current` and its release.json: the
// release a promotion copies (the same image digest, from the same commit). Changes nothing.
import type { ConnectionConfig } from '../ssh/ConnectionConfig.js';
import { closeHosts, openHosts } from '../ssh/HostSession.js';
import type { Log } from '../report/Log.js';
import type { ReleaseManifest } from './ReleaseManifest.js';
import { ReleaseStore } from './ReleaseStore.js';

export interface CurrentRelease {
  release: string;
  /** The image as deployed, and by the digest its hosts resolved. */
  image: string;
  digest: string;
  /** `repository@sha256:…`: the exact image, whatever its tag points at now. */
  imageRef: string;
  gitSha: string;
}

/** The one release current on every host; refused when hosts differ, none runs, or it lacks a digest. */
export async function readCurrentRelease(cfg: ConnectionConfig, log: Log): Promise<CurrentRelease> {
  const sessions = await openHosts(cfg, log);
  try {
    const states = await Promise.all(sessions.map((s) => new ReleaseStore(s).state()));
    const found = states.map((st, i) => {
      const host = sessions[i]!.spec.label;
      const manifest = st.releases.find((r) => r.id === st.current)?.manifest;
      if (!st.current || !manifest) throw new Error(`${host}: no release of ${cfg.app} is current there`);
      return { host, manifest };
    });
    const ids = new Set(found.map((f) => f.manifest.id));
    if (ids.size > 1)
      throw new Error(
        `the hosts run different releases (${found.map((f) => `${f.host}: ${f.manifest.id}`).join(', ')}); deploy one first`,
      );
    return describe(found[0]!.manifest, found[0]!.host);
  } finally {
    closeHosts(sessions);
  }
}

function describe(m: ReleaseManifest, host: string): CurrentRelease {
  if (!m.digest || !m.image)
    throw new Error(`${host}: release ${m.id} has no image digest in its release.json, so it cannot be copied exactly`);
  const repository = m.image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[^/:]+$/, '');
  return {
    release: m.id,
    image: m.image,
    digest: m.digest,
    imageRef: `${repository}@${m.digest}`,
    gitSha: m.gitSha ?? '',
  };
}
