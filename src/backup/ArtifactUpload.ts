// destination: artifact. The archives (already on the runner's disk, streamed there) and the
// manifest are uploaded as one workflow artifact through GitHub's artifact service.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { collectingWhile } from '../runtime/youngGarbage.js';

export interface UploadedArtifact {
  name: string;
  id?: number;
  size?: number;
}

/** Checked before any host is touched: without the runtime there is nowhere to upload to. */
export function checkArtifactRuntime(): void {
  if (!process.env.ACTIONS_RUNTIME_TOKEN || !process.env.ACTIONS_RESULTS_URL)
    throw new Error(
      'destination artifact needs the GitHub Actions runtime (ACTIONS_RUNTIME_TOKEN, ACTIONS_RESULTS_URL): run the backup on a GitHub-hosted or self-hosted runner',
    );
}

export async function uploadBackupArtifact(
  name: string,
  dir: string,
  retentionDays?: number,
): Promise<UploadedArtifact> {
  checkArtifactRuntime();
  // The client's default is 32 parallel 8 MiB chunks, 256 MiB in flight; 2 keeps the runner small.
  process.env.ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY ??= '2';
  // Loaded only now: its code is a third of the bundle, and the streaming before needs none of it.
  await import('../runtime/realUndici.js'); // before the client: its @actions/github may need undici as it loads
  const { DefaultArtifactClient } = await import('@actions/artifact');
  const files = readdirSync(dir)
    .sort()
    .map((f) => join(dir, f));
  // Stored, not deflated: the archives are compressed (or encrypted) already. The client's 8 MiB
  // blocks are fresh buffers too: collected as they die, the runner stays under 150 MB.
  const res = await collectingWhile(() =>
    new DefaultArtifactClient().uploadArtifact(name, files, dir, { retentionDays, compressionLevel: 0 }),
  );
  return { name, id: res.id, size: res.size };
}
