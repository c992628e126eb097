// The release history on one host: release directories, the `current` link, history.jsonl.
import type { HostSession } from '../connection/HostSession.js';
import { parseReleaseList, ReleaseCommands } from '../remote/ReleaseCommands.js';
import type { ReleaseEntry, ReleaseManifest } from './ReleaseManifest.js';
import { releasesToPrune } from './ReleaseManifest.js';

export interface ReleaseFile {
  name: string;
  content: string;
  /** Secret files are created 0600 from the start. */
  secret: boolean;
}

export interface HistoryEvent {
  time: string;
  event: 'deploy' | 'rollback';
  release?: string;
  from?: string;
  result: string;
  image?: string;
  digest?: string;
  actor?: string;
  runUrl?: string;
  reason?: string;
  /** Why a rollback failed (its `reason` is the one the person gave for it). */
  failure?: string;
}

export class ReleaseStore {
  private readonly cmd: ReleaseCommands;

  constructor(private readonly s: HostSession) {
    this.cmd = new ReleaseCommands(s.layout);
  }

  async current(): Promise<string | undefined> {
    const out = (await this.s.ssh.run('read the current release', this.cmd.readCurrent())).stdout.trim();
    return out ? out.split('/').pop() : undefined;
  }

  async list(): Promise<ReleaseEntry[]> {
    const out = (await this.s.ssh.run('list releases', this.cmd.list())).stdout;
    return parseReleaseList(out)
      .filter((r) => r.id !== '*')
      .map(({ id, json }) => {
        let manifest: ReleaseManifest | undefined;
        try {
          manifest = json ? (JSON.parse(json) as ReleaseManifest) : undefined;
        } catch {
          manifest = undefined;
        }
        return { id, manifest };
      });
  }

  /** Creates the release directory and writes its files, in parallel channels. */
  async create(id: string, files: ReleaseFile[]): Promise<void> {
    await this.s.ssh.run(`create release ${id}`, this.cmd.createRelease(id));
    await Promise.all(
      files.map((f) =>
        this.s.ssh.run(
          `write ${f.secret ? 'the env file' : f.name}`,
          this.cmd.writeFile(`${this.s.layout.release(id)}/${f.name}`, f.secret),
          {
            stdin: f.content,
          },
        ),
      ),
    );
  }

  async writeManifest(m: ReleaseManifest): Promise<void> {
    await this.s.ssh.run(`write release.json of ${m.id}`, this.cmd.writeFile(this.s.layout.manifest(m.id), false), {
      stdin: JSON.stringify(m, null, 2) + '\n',
    });
  }

  async activate(id: string): Promise<void> {
    await this.s.ssh.run(`point current at ${id}`, this.cmd.activate(id));
  }

  async remove(ids: string[]): Promise<void> {
    if (ids.length) await this.s.ssh.run(`remove releases ${ids.join(', ')}`, this.cmd.remove(ids));
  }

  /** Deletes releases beyond `keep`, never the protected ones; returns what it removed. */
  async prune(keep: number, protect: (string | undefined)[]): Promise<string[]> {
    const ids = (await this.list()).map((r) => r.id);
    const doomed = releasesToPrune(ids, keep, protect);
    await this.remove(doomed);
    return doomed;
  }

  async appendHistory(e: HistoryEvent): Promise<void> {
    await this.s.ssh.run('append to history', this.cmd.appendHistory(), { stdin: JSON.stringify(e) + '\n' });
  }
}
