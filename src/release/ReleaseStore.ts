// The release history on one host: release directories, the `current` link, history.jsonl.
import type { HostSession } from '../ssh/HostSession.js';
import { parseReleaseList, parseState, ReleaseCommands } from '../remote/ReleaseCommands.js';
import type { ReleaseEntry, ReleaseManifest } from './ReleaseManifest.js';
import { releasesToPrune } from './ReleaseManifest.js';

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
  /** After a rollback: the release that runs (a failed one leaves either side), null for nothing. */
  running?: string | null;
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
    return toEntries(parseReleaseList((await this.s.ssh.run('list releases', this.cmd.list())).stdout));
  }

  /** The current release and every release, in one round trip. */
  async state(): Promise<{ current?: string; releases: ReleaseEntry[] }> {
    return parseStoreState((await this.s.ssh.run('read the releases', this.cmd.state())).stdout);
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

/** Reads the output of ReleaseCommands.state(). */
export function parseStoreState(stdout: string): { current?: string; releases: ReleaseEntry[] } {
  const { current, list } = parseState(stdout);
  return { current, releases: toEntries(list) };
}

function toEntries(list: { id: string; json?: string }[]): ReleaseEntry[] {
  return list
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
