// A runner backup's archives sent into the host's staging folder, each checked by its sha256 as
// it landed. Encrypted ones are opened on the runner: what lands is the compressed archive. Done
// before services stop, so they stay down the least.
import { pipeline, Writable } from 'node:stream';
import type { HostSession } from '../ssh/HostSession.js';
import type { StagingCommands } from '../remote/backup/StagingCommands.js';
import type { ArchiveEntry } from './BackupManifest.js';
import { bytes, lastLines } from './Formatting.js';
import type { RunnerSource } from './RunnerBackup.js';
import { HashingCounter } from './RunnerFiles.js';

/** Returns where each restore reads from: the staging folder's id and the archives in it. */
export async function stageOnHost(
  session: HostSession,
  staging: StagingCommands,
  source: RunnerSource,
  selected: ArchiveEntry[],
  say: (m: string) => void,
): Promise<{ id: string; archives: ArchiveEntry[] }> {
  const host = session.spec.label;
  const archives: ArchiveEntry[] = [];
  for (const a of selected) {
    const t0 = performance.now();
    const sent = new HashingCounter();
    // A read or decryption error destroys `sent` with it, which ends the send with that error.
    pipeline(await source.read(a), sent, () => undefined);
    let landed = '';
    const r = await session.ssh.stream(staging.receive(a.file), {
      stdin: sent,
      stdout: new Writable({
        write: (chunk: Buffer, _enc, done) => {
          landed += chunk.toString();
          done();
        },
      }),
    });
    const where = staging.dir;
    if (r.code !== 0)
      throw new Error(
        `${host}: sending ${a.file} to ${where} failed (exit ${r.code}): ${lastLines(r.stderr, 3) || 'no output'}. Nothing was changed.`,
      );
    if (landed.trim() !== sent.digest())
      throw new Error(
        `${host}: ${a.file} did not land in ${where} as sent: its sha256 there is ${landed.trim() || '(none)'}, what was sent ${sent.digest()}. Nothing was changed.`,
      );
    say(`sent ${a.file} (${bytes(sent.bytes)}) from the runner in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    archives.push({ ...a, encrypted: false });
  }
  return { id: staging.id, archives };
}
