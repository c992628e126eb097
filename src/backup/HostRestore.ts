// One host's restore: pick the backup, refuse it unless every archive's checksum matches (and an
// encrypted one decrypts), stop the services that use what is restored, take a safety backup of
// what is there, put the archives back, and start the services again however it ends. If putting
// an archive back fails, what was there is put back from the safety backup. A backup from the
// runner (backup-dir) is checked there and sent to a private folder on the host first.
import type { HostSession } from '../ssh/HostSession.js';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import { BackupDirCommands } from '../remote/backup/BackupDirCommands.js';
import { guarded } from '../remote/backup/RemoteScript.js';
import { RestoreCommands } from '../remote/backup/RestoreCommands.js';
import { StagingCommands } from '../remote/backup/StagingCommands.js';
import { parseTools, toolsProbe, type HostTools } from '../remote/backup/ToolsProbe.js';
import { selectArchives } from './ArchiveSelection.js';
import { listBackups } from './BackupList.js';
import { checkRestoreTargets } from './RestoreTargets.js';
import { isRegularBackup, newBackupId, type ArchiveEntry, type BackupManifest } from './BackupManifest.js';
import { compressors } from './Compression.js';
import { dumpers } from './DatabaseDumpers.js';
import type { DatabaseSpec } from './DatabaseSpec.js';
import { lastLines } from './Formatting.js';
import { HostBackup, NothingToBackUp, type BackupSpec } from './HostBackup.js';
import {
  findVolume,
  helperImage,
  hostPath,
  readInventory,
  runningContainer,
  servicesUsing,
  type Inventory,
} from './HostInventory.js';
import type { RunnerSource } from './RunnerBackup.js';
import { stageOnHost } from './RunnerStaging.js';
import { containersOf, ServiceControl } from './ServiceControl.js';

export interface RestoreSpec {
  /** A backup id, or 'latest' (the newest complete backup on each host, or in fromDir). */
  backupId: string;
  /** A folder on the runner holding the backup (a downloaded artifact), instead of the host's backups. */
  fromDir?: string;
  /** Subsets by kind; all undefined: everything in the backup. */
  volumes?: string[];
  paths?: string[];
  databases?: string[];
  /** age identities (AGE-SECRET-KEY-1…), for encrypted backups. */
  identities: string[];
  /** undefined: the services whose containers use the restored volumes. */
  stopServices?: string[];
  safetyBackup: boolean;
  helperImage?: string;
  meta?: { runUrl?: string; actor?: string };
}

export interface RestoredItem {
  file: string;
  kind: ArchiveEntry['kind'];
  name: string;
  size: number;
  ms: number;
}

export interface HostRestoreResult {
  host: string;
  backupId?: string;
  status: 'restored' | 'failed';
  restored: RestoredItem[];
  safetyBackupId?: string;
  /** Set when a failed restore put the safety backup's copy back. */
  recovered?: string;
  stopped: string[];
  totalMs: number;
  error?: string;
}

export interface RestoreHooks {
  onStopping?: (ids: string[]) => void;
  onSafetyBackup?: (id: string) => void;
  /** Told what the restore would put back, before anything is read further; may refuse it by throwing. */
  onSelected?: (backupId: string, selected: ArchiveEntry[]) => void;
}

export class HostRestore {
  readonly result: HostRestoreResult;
  private readonly dirs: BackupDirCommands;
  private readonly staging: StagingCommands;
  private readonly restore: RestoreCommands;
  private readonly services: ServiceControl;
  private manifest!: BackupManifest;
  private selected: ArchiveEntry[] = [];
  private inv!: Inventory;
  private tools!: HostTools;
  private stopList: ReturnType<typeof containersOf> = [];

  constructor(
    readonly session: HostSession,
    private readonly app: string,
    private readonly spec: RestoreSpec,
    private readonly token: string,
    private readonly log: Log,
    private readonly hooks: RestoreHooks = {},
    /** The backup on the runner to restore, instead of one on the host. */
    private readonly source?: RunnerSource,
  ) {
    this.dirs = new BackupDirCommands(session.layout);
    this.staging = new StagingCommands(session.layout, token);
    this.restore = new RestoreCommands(session.layout, token);
    this.services = new ServiceControl(session, log);
    this.result = { host: session.spec.label, status: 'failed', restored: [], stopped: [], totalMs: 0 };
  }

  private get host(): string {
    return this.session.spec.label;
  }

  private say(m: string): void {
    this.log.info(`${this.host}: ${m}`);
  }

  /** Picks the backup and checks it whole; changes nothing. A bad backup or input throws here. */
  async prepare(): Promise<void> {
    this.manifest = this.source ? this.source.backup.manifest : await this.pickOnHost();
    this.result.backupId = this.manifest.id;
    if (this.manifest.app !== this.app)
      throw new InputError('app', `backup ${this.manifest.id} is of app '${this.manifest.app}', not '${this.app}'`);
    this.selected = selectArchives(this.manifest, this.spec, this.app, this.onHost);
    this.hooks.onSelected?.(this.manifest.id, this.selected);
    this.inv = await readInventory(
      this.session,
      this.app,
      this.selected.filter((a) => a.volume).map((a) => a.volume!.name),
    );
    await this.checkTargets();

    for (const a of this.selected) {
      if (a.kind === 'database') {
        const db = a.database!;
        if (!dumpers[db.engine].restore)
          throw new InputError(
            'databases',
            `${db.service}: a ${db.engine} dump cannot be loaded into a running server; restore the volume that holds its data instead`,
          );
        if (!runningContainer(this.inv, db.service))
          throw new InputError(
            'databases',
            `${db.service} has no running container on ${this.host} to load the dump into`,
          );
      }
      if (a.kind === 'volume' && !helperImage(this.inv, a.volume!.name, this.spec.helperImage))
        throw new InputError(
          'helper-image',
          `${this.host} has no container of ${this.app} to take an image from; set helper-image`,
        );
    }

    // The host decompresses: a new server may lack the tool the backup was made with.
    this.tools = parseTools((await this.session.ssh.run('check the restore tools', toolsProbe)).stdout);
    const missing = [...new Set(this.selected.map((a) => a.compression))].filter((c) => !this.tools[c]);
    if (missing.length)
      throw new Error(
        `${this.host} has no ${missing.join(', ')} to decompress backup ${this.manifest.id}; install it (apt-get install ${missing.join(' ')}). Nothing was changed.`,
      );

    // Refuse a damaged backup before anything changes.
    if (this.source) for (const a of this.selected) await this.source.check(a);
    else await this.checkOnHost();

    const restoredDbServices = this.selected.filter((a) => a.database).map((a) => a.database!.service);
    let stop = this.spec.stopServices;
    if (!stop) {
      const users = this.selected.flatMap((a) => (a.volume ? servicesUsing(this.inv, a.volume.name) : []));
      stop = [...new Set(users)].filter((s) => !restoredDbServices.includes(s)).sort();
    }
    for (const s of stop)
      if (restoredDbServices.includes(s))
        throw new InputError(
          'stop-services',
          `${s} loads its dump through its running container; take it out of stop-services`,
        );
    this.stopList = containersOf(this.inv, stop, 'stop-services', this.host);
  }

  /** A `paths` entry as this host sees it (`~/…` under the SSH user's home). */
  private readonly onHost = (p: string): string => hostPath(p, this.session.facts.home);

  /** Nothing is written over the app's root, and a runner backup writes only what is named or the app's own. */
  private async checkTargets(): Promise<void> {
    const hostBackups = this.source
      ? (await listBackups(this.session)).flatMap((b) => (b.manifest ? [b.manifest] : []))
      : [];
    checkRestoreTargets(this.selected, {
      host: this.host,
      app: this.app,
      root: this.session.layout.root,
      fromRunner: !!this.source,
      namedPaths: this.spec.paths?.map(this.onHost),
      namedVolumes: this.spec.volumes,
      hostVolumes: this.inv.volumes,
      hostBackups,
    });
  }

  private async pickOnHost(): Promise<BackupManifest> {
    const listed = await listBackups(this.session);
    const complete = listed.filter((b) => b.complete).sort((a, b) => (a.id < b.id ? 1 : -1));
    const wanted = this.spec.backupId;
    const pick =
      wanted === 'latest'
        ? complete.find((b) => isRegularBackup(b.id, b.manifest))
        : listed.find((b) => b.id === wanted);
    if (!pick && wanted === 'latest' && complete.length)
      throw new InputError(
        'backup-id',
        `${this.host} has no complete backup of ${this.app} in ${this.session.layout.backupsDir} besides safety copies (${complete.map((b) => b.id).join(', ')}); name one in backup-id to restore it`,
      );
    if (!pick)
      throw new InputError(
        'backup-id',
        `${this.host} has no ${wanted === 'latest' ? 'complete backup' : `backup '${wanted}'`} of ${this.app} in ${this.session.layout.backupsDir}; complete ones: ${complete.map((b) => b.id).join(', ') || 'none'}`,
      );
    if (!pick.manifest)
      throw new InputError(
        'backup-id',
        `${pick.id} on ${this.host} never finished (it has no manifest): it cannot be restored`,
      );
    return pick.manifest;
  }

  /** Every selected archive's checksum on the host, and that the identities open the encrypted ones. */
  private async checkOnHost(): Promise<void> {
    const id = this.manifest.id;
    for (const a of this.selected) {
      const sum = (await this.session.ssh.run(`checksum ${a.file}`, this.dirs.sha256(id, a.file))).stdout.trim();
      if (sum !== a.sha256)
        throw new Error(
          `${this.host}: refusing to restore backup ${id}: ${a.file} has sha256 ${sum || '(unreadable)'}, but its manifest says ${a.sha256}. Nothing was changed.`,
        );
    }
    const encrypted = this.selected.filter((a) => a.encrypted);
    if (encrypted.length && !this.spec.identities.length)
      throw new InputError(
        'decrypt-key',
        `backup ${id} is encrypted (age); give the identity (AGE-SECRET-KEY-1…) that opens it`,
      );
    for (const a of encrypted) {
      const r = await this.session.ssh.stream(guarded(this.restore.checkDecrypt(id, a.file), { secretLine: true }), {
        holdStdin: true,
        stdinText: this.spec.identities.join(' ') + '\n',
      });
      if (r.code !== 0)
        throw new InputError('decrypt-key', `does not open ${a.file} of backup ${id}: ${lastLines(r.stderr, 2, ' ')}`);
    }
  }

  /** prepare() first. */
  async run(): Promise<HostRestoreResult> {
    const started = performance.now();
    const r = this.result;
    const touched: ArchiveEntry[] = [];
    try {
      try {
        const from = this.source
          ? await stageOnHost(this.session, this.staging, this.source, this.selected, (m) => this.say(m))
          : { id: this.manifest.id, archives: this.selected };
        await this.services.stop(this.stopList, this.hooks.onStopping);
        r.stopped = this.services.stoppedServices;
        if (this.spec.safetyBackup) r.safetyBackupId = await this.safetyBackup();
        for (const a of from.archives) {
          touched.push(a);
          const t0 = performance.now();
          this.say(`restoring ${a.kind} ${a.name} from ${a.file}`);
          await this.restoreArchive(from.id, a);
          r.restored.push({ file: a.file, kind: a.kind, name: a.name, size: a.size, ms: performance.now() - t0 });
        }
      } catch (err) {
        r.error = (err as Error).message;
        if (r.safetyBackupId && touched.length) await this.recover(r.safetyBackupId, touched);
        throw err;
      } finally {
        await this.services.start();
        if (this.source) await this.session.ssh.exec(this.staging.remove());
      }
      r.status = 'restored';
      this.say(`backup ${this.manifest.id} is restored (${r.restored.length} archive(s))`);
      return r;
    } finally {
      r.totalMs = performance.now() - started;
    }
  }

  private async restoreArchive(backupId: string, a: ArchiveEntry): Promise<void> {
    const compressor = compressors[a.compression];
    let script: string;
    if (a.kind === 'volume') {
      script = this.restore.volume({
        id: backupId,
        file: a.file,
        volume: a.volume!.name,
        labels: a.volume!.labels,
        image: helperImage(this.inv, a.volume!.name, this.spec.helperImage)!,
        compressor,
        encrypted: a.encrypted,
      });
    } else if (a.kind === 'path') {
      script = this.restore.path({ id: backupId, file: a.file, path: a.path!, compressor, encrypted: a.encrypted });
    } else {
      const db = a.database!;
      script = this.restore.database({
        id: backupId,
        file: a.file,
        containerId: runningContainer(this.inv, db.service)!.id,
        restoreScript: dumpers[db.engine].restore!,
        target: db.target ?? '',
        compressor,
        encrypted: a.encrypted,
      });
    }
    const res = await this.session.ssh.stream(guarded(script, { secretLine: a.encrypted }), {
      holdStdin: true,
      stdinText: a.encrypted ? this.spec.identities.join(' ') + '\n' : undefined,
    });
    if (res.code !== 0)
      throw new Error(
        `${this.host}: restoring ${a.kind} ${a.name} from ${a.file} failed (exit ${res.code}): ${lastLines(res.stderr, 6) || 'no output'}`,
      );
  }

  /** What is there now, into a backup of its own (encrypted to the same recipients). */
  private async safetyBackup(): Promise<string | undefined> {
    const vols = this.selected
      .filter((a) => a.volume && findVolume(this.inv, this.app, a.volume.name))
      .map((a) => a.volume!.name);
    const databases: DatabaseSpec[] = this.selected
      .filter((a) => a.database)
      .map((a) => ({ service: a.database!.service, engine: a.database!.engine, arg: a.database!.target }));
    const spec: BackupSpec = {
      volumes: vols,
      paths: this.selected.filter((a) => a.path).map((a) => a.path!),
      databases,
      stopServices: [],
      compression: this.manifest.compression,
      encryptTo: this.safetyRecipients(),
      toHost: true,
      toRunner: false,
      verify: 'list',
      keep: 0,
      helperImage: this.spec.helperImage,
      reason: 'pre-restore',
      meta: this.spec.meta,
    };
    const id = newBackupId(new Date(), 'pre-restore');
    this.hooks.onSafetyBackup?.(id);
    this.say(`taking a safety backup (${id}) of what is there now`);
    const b = new HostBackup(this.session, this.app, spec, id, this.token, this.log);
    try {
      await b.prepare();
    } catch (err) {
      // Nothing of what is restored exists now (a removed volume): nothing to keep.
      if (err instanceof NothingToBackUp) return undefined;
      throw err;
    }
    await b.run();
    return id;
  }

  /**
   * The safety backup is encrypted to the backup's own recipients. A host without age (a runner
   * backup encrypted on the runner) keeps it in the clear, as the data it copies already is there.
   */
  private safetyRecipients(): string[] {
    const to = this.manifest.encryptedTo ?? [];
    if (!to.length || !this.source || this.tools.age) return to;
    this.say(
      'the safety backup is not encrypted: the host has no age (it copies what is on the host in the clear already)',
    );
    return [];
  }

  /** After a failed restore: puts back what the safety backup holds for what was touched. */
  private async recover(safetyId: string, touched: ArchiveEntry[]): Promise<void> {
    const safety = (await listBackups(this.session)).find((b) => b.id === safetyId)?.manifest;
    if (!safety) return;
    const back: string[] = [];
    for (const a of touched) {
      const copy = safety.archives.find((s) => s.kind === a.kind && s.name === a.name);
      if (!copy) continue;
      try {
        await this.restoreArchive(safetyId, copy);
        back.push(`${a.kind} ${a.name}`);
      } catch (err) {
        this.log.error(
          `${this.host}: could not put ${a.kind} ${a.name} back from ${safetyId}: ${(err as Error).message}`,
        );
      }
    }
    if (back.length) {
      this.result.recovered = safetyId;
      this.log.warn(
        `${this.host}: the restore failed; put ${back.join(', ')} back as it was, from safety backup ${safetyId}`,
      );
    }
  }
}
