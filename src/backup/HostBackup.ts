// One host's backup: find what the app keeps, stop what must be still, write one archive per
// volume, path and database (streamed, never held whole anywhere), start the services again
// whatever happened, verify, then write the manifest last and apply retention.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostSession } from '../ssh/HostSession.js';
import { InputError } from '../inputs/InputError.js';
import type { Log } from '../report/Log.js';
import { ReleaseStore } from '../release/ReleaseStore.js';
import { archiveScript, parseArchiveResult } from '../remote/backup/ArchiveScript.js';
import { listArchive, parseListing } from '../remote/backup/ArchiveListing.js';
import { pathSource, type ArchiveSource } from '../remote/backup/ArchiveSource.js';
import { BackupDirCommands } from '../remote/backup/BackupDirCommands.js';
import { databaseSource, resolveTargetCommand } from '../remote/backup/DatabaseCommands.js';
import { parseTools, toolsProbe, type HostTools } from '../remote/backup/ToolsProbe.js';
import { VerifyCommands } from '../remote/backup/VerifyCommands.js';
import { VolumeReaders } from '../remote/backup/VolumeReaders.js';
import {
  archiveFileName,
  type ArchiveEntry,
  type BackupManifest,
  type BackupReason,
  type VerifyLevel,
} from './BackupManifest.js';
import { listBackups } from './BackupList.js';
import { compressors, pickCompression, type Compression, type CompressionChoice } from './Compression.js';
import { dumpers } from './DatabaseDumpers.js';
import type { DatabaseSpec } from './DatabaseSpec.js';
import { compareInScratchVolume, runArchiveScript } from './ArchiveRuns.js';
import { bytes, lastLines, safeName, totalSize } from './Formatting.js';
import {
  checkPaths,
  helperImage,
  hostPath,
  readInventory,
  resolveVolumes,
  runningContainer,
  servicesUsing,
  type Inventory,
} from './HostInventory.js';
import { backupsToPrune } from './Retention.js';
import { listOnRunner, sha256File } from './RunnerFiles.js';
import { runnerEncrypter, whereToEncrypt, type EncryptedOn } from './RunnerEncryption.js';
import { containersOf, ServiceControl } from './ServiceControl.js';
import { TarReaders } from './TarReaders.js';

/** The app has no volumes on the host and no paths or databases were named. */
export class NothingToBackUp extends InputError {}

export interface BackupSpec {
  /** Volume names; undefined: every named volume of the app's compose project. */
  volumes?: string[];
  paths: string[];
  databases: DatabaseSpec[];
  stopServices: string[];
  compression: CompressionChoice;
  /** age recipients; empty: not encrypted. */
  encryptTo: string[];
  toHost: boolean;
  toRunner: boolean;
  verify: VerifyLevel;
  /** Complete backups kept on the host; 0: no count limit. */
  keep: number;
  keepDays?: number;
  helperImage?: string;
  reason: BackupReason;
  meta?: { runUrl?: string; actor?: string };
}

export interface ArchiveResult extends ArchiveEntry {
  ms: number;
  /** verify: restore: what the scratch volume's read-back was compared on. */
  restoreCompared?: { files: number; entries: number };
}

export interface HostBackupResult {
  host: string;
  id: string;
  status: 'complete' | 'failed';
  manifest?: BackupManifest;
  /** sha256 of manifest.json as written: one fingerprint for the whole backup. */
  manifestSha256?: string;
  archives: ArchiveResult[];
  totalMs: number;
  pruned: string[];
  /** Backup directories without a manifest (left by runs that never finished). */
  incomplete: string[];
  stopped: string[];
  /** Where the archives are on the runner (destination artifact). */
  runnerDir?: string;
  error?: string;
}

export interface BackupHooks {
  /** Told the container ids before they are stopped, so a post step can start them. */
  onStopping?: (ids: string[]) => void;
}

interface PlannedArchive {
  entry: Omit<ArchiveEntry, 'size' | 'sha256'>;
  source: ArchiveSource;
}

export class HostBackup {
  readonly result: HostBackupResult;
  private readonly dirs: BackupDirCommands;
  private readonly volumeReaders: VolumeReaders;
  private readonly verifyCmd: VerifyCommands;
  private readonly tarReaders: TarReaders;
  private readonly services: ServiceControl;
  private tools!: HostTools;
  private compression!: Compression;
  private inv!: Inventory;
  private plan: PlannedArchive[] = [];
  private stopList: ReturnType<typeof containersOf> = [];
  private createdDir = false;
  private encryptedOn?: EncryptedOn;
  private encrypter?: Awaited<ReturnType<typeof runnerEncrypter>>;

  constructor(
    readonly session: HostSession,
    private readonly app: string,
    private readonly spec: BackupSpec,
    readonly id: string,
    token: string,
    private readonly log: Log,
    private readonly hooks: BackupHooks = {},
  ) {
    this.dirs = new BackupDirCommands(session.layout);
    this.volumeReaders = new VolumeReaders(session.layout, token);
    this.verifyCmd = new VerifyCommands(session.layout, token);
    this.tarReaders = new TarReaders(session, token);
    this.services = new ServiceControl(session, log);
    this.result = {
      host: session.spec.label,
      id,
      status: 'failed',
      archives: [],
      totalMs: 0,
      pruned: [],
      incomplete: [],
      stopped: [],
    };
  }

  private get host(): string {
    return this.session.spec.label;
  }

  private say(m: string): void {
    this.log.info(`${this.host}: ${m}`);
  }

  /** Reads the host and decides every archive; changes nothing. Bad input throws here. */
  async prepare(): Promise<void> {
    const { ssh } = this.session;
    const probed = (await ssh.run('check the backup tools', `${toolsProbe}; ${this.tarReaders.readCommand()}`)).stdout;
    this.tools = parseTools(probed);
    this.tarReaders.load(probed);
    for (const t of ['sha256sum', 'mkfifo', 'tar'] as const)
      if (!this.tools[t]) throw new Error(`${this.host}: ${t} is missing; install coreutils and tar`);
    this.compression = pickCompression(this.spec.compression, this.tools, this.host);
    this.encryptedOn = whereToEncrypt(this.spec.encryptTo, {
      host: this.host,
      hostHasAge: this.tools.age,
      toHost: this.spec.toHost,
    });
    if (this.encryptedOn === 'runner') this.encrypter = await runnerEncrypter(this.spec.encryptTo);
    if (this.spec.verify === 'restore' && !this.tools.gnutar)
      throw new InputError('verify', `restore needs GNU tar on ${this.host} to compare files; use verify: list`);

    this.inv = await readInventory(this.session, this.app, this.spec.volumes ?? []);
    const volumes = resolveVolumes(this.inv, this.app, this.spec.volumes, this.host);
    const home = this.session.facts.home;
    const paths = this.spec.paths.map((p) => hostPath(p, home));
    await checkPaths(this.session, paths);
    this.stopList = containersOf(this.inv, this.spec.stopServices, 'stop-services', this.host);
    const ext = compressors[this.compression].ext + (this.spec.encryptTo.length ? '.age' : '');
    const taken = new Set<string>();
    const base = { compression: this.compression, encrypted: this.spec.encryptTo.length > 0 };

    for (const v of volumes) {
      const image = helperImage(this.inv, v.name, this.spec.helperImage);
      if (!image)
        throw new InputError(
          'helper-image',
          `${this.host} has no container of ${this.app} to take an image from for reading volume ${v.name}; set helper-image to any image present there`,
        );
      this.plan.push({
        entry: {
          ...base,
          file: archiveFileName('volume', v.name, `tar.${ext}`, taken),
          kind: 'volume',
          name: v.name,
          volume: { name: v.name, labels: v.labels },
          services: servicesUsing(this.inv, v.name),
        },
        source: this.volumeReaders.source(v.name, image, await this.tarReaders.of(image)),
      });
    }
    for (const p of paths)
      this.plan.push({
        entry: { ...base, file: archiveFileName('path', p, `tar.${ext}`, taken), kind: 'path', name: p, path: p },
        source: pathSource(p),
      });
    for (const db of this.spec.databases) {
      if (this.spec.stopServices.includes(db.service))
        throw new InputError(
          'stop-services',
          `${db.service} is dumped through its running container; take it out of stop-services`,
        );
      const c = runningContainer(this.inv, db.service);
      if (!c) throw new InputError('databases', `${db.service} has no running container on ${this.host} to dump from`);
      const dumper = dumpers[db.engine];
      let target = db.arg ?? '';
      if (!target && dumper.resolveTarget)
        target = (
          await ssh.run(`read ${db.service}'s database name`, resolveTargetCommand(c.id, dumper.resolveTarget))
        ).stdout.trim();
      this.plan.push({
        entry: {
          ...base,
          file: archiveFileName('database', `${db.service}-${db.engine}`, `${dumper.ext}.${ext}`, taken),
          kind: 'database',
          name: db.service,
          database: { service: db.service, engine: db.engine, target: target || undefined },
          services: [db.service],
        },
        source: databaseSource(c.id, dumper.dump, target),
      });
    }
    if (!this.plan.length)
      throw new NothingToBackUp(
        'volumes',
        `nothing to back up on ${this.host}: ${this.app} has no named volumes there, and no paths or databases were given`,
      );
  }

  /** prepare() first. Stops, archives, restarts, verifies, writes the manifest, prunes. */
  async run(runnerRoot?: string): Promise<HostBackupResult> {
    const started = performance.now();
    const r = this.result;
    const createdAt = new Date().toISOString();
    try {
      const store = new ReleaseStore(this.session);
      const release = await store.current().catch(() => undefined);
      const image = release
        ? (await store.list().catch(() => [])).find((e) => e.id === release)?.manifest?.image || undefined
        : undefined;
      await this.session.ssh.run(
        'create the backup directory',
        this.tarReaders.withRemembered(this.dirs.create(this.id)),
      );
      this.createdDir = true;
      if (this.spec.toRunner && runnerRoot) {
        r.runnerDir = join(runnerRoot, `${this.app}-${safeName(this.host)}-${this.id}`);
        mkdirSync(r.runnerDir, { recursive: true, mode: 0o700 });
      }
      try {
        await this.services.stop(this.stopList, this.hooks.onStopping);
        r.stopped = this.services.stoppedServices;
        for (const p of this.plan) r.archives.push(await this.archive(p));
      } finally {
        await this.services.start();
      }
      await this.verify();
      const manifest: BackupManifest = {
        format: 1,
        id: this.id,
        app: this.app,
        host: this.host,
        reason: this.spec.reason,
        createdAt,
        completedAt: new Date().toISOString(),
        release,
        image,
        compression: this.compression,
        encryptedTo: this.spec.encryptTo.length ? this.spec.encryptTo : undefined,
        encryptedOn: this.encryptedOn,
        archives: r.archives.map(({ ms: _ms, restoreCompared: _c, ...a }) => a),
        stoppedServices: r.stopped,
        verified: this.spec.verify,
        durationMs: Math.round(performance.now() - started),
        runUrl: this.spec.meta?.runUrl,
        actor: this.spec.meta?.actor,
      };
      const text = JSON.stringify(manifest, null, 2) + '\n';
      if (r.runnerDir) writeFileSync(join(r.runnerDir, 'manifest.json'), text);
      if (this.spec.toHost)
        await this.session.ssh.run('write the manifest', this.dirs.writeManifest(this.id), { stdin: text });
      else await this.session.ssh.run('remove the work directory', this.dirs.remove([this.id]));
      r.manifest = manifest;
      r.manifestSha256 = createHash('sha256').update(text).digest('hex');
      r.status = 'complete';
      this.say(`backup ${this.id} is complete: ${r.archives.length} archive(s), ${bytes(totalSize(r.archives))}`);
      if (this.spec.toHost) await this.retention();
      return r;
    } catch (err) {
      r.error = (err as Error).message;
      if (this.createdDir) await this.session.ssh.exec(this.dirs.removeIfIncomplete(this.id)).catch(() => undefined);
      throw err;
    } finally {
      r.totalMs = performance.now() - started;
    }
  }

  private async archive(p: PlannedArchive): Promise<ArchiveResult> {
    const t0 = performance.now();
    const script = archiveScript(this.session.layout, {
      id: this.id,
      file: p.entry.file,
      source: p.source,
      compressor: compressors[this.compression],
      encryptTo: this.encryptedOn === 'host' ? this.spec.encryptTo : [],
      toHost: this.spec.toHost,
      toRunner: this.spec.toRunner,
      listAs: this.spec.verify === 'checksum' ? undefined : p.entry.kind === 'database' ? 'bytes' : 'tar',
    });
    const where = this.encryptedOn ? `, encrypted on the ${this.encryptedOn}` : '';
    this.say(`archiving ${p.entry.kind} ${p.entry.name} → ${p.entry.file} (${p.source.name}${where})`);
    const { runnerDir } = this.result;
    const runner = runnerDir ? { dir: runnerDir, file: p.entry.file, encrypter: this.encrypter } : undefined;
    const { res, stored } = await runArchiveScript(this.session, script, runner);
    if (res.code !== 0)
      throw new Error(
        `${this.host}: archiving ${p.entry.kind} ${p.entry.name} failed (exit ${res.code}): ${
          lastLines(res.stderr.replace(/njord-result.*\n?/, ''), 6) || 'no output'
        }`,
      );
    const out = parseArchiveResult(res.stderr);
    const size = stored ? stored.bytes : out.size;
    const sha256 = stored ? stored.digest() : out.sha256;
    if (size === undefined || !sha256)
      throw new Error(
        `${this.host}: archiving ${p.entry.name} gave no size or checksum: ${
          lastLines(res.stderr.replace(/njord-result.*\n?/, ''), 6) || 'no output'
        }`,
      );
    const ms = performance.now() - t0;
    this.say(`${p.entry.file}: ${bytes(size)} in ${(ms / 1000).toFixed(1)} s`);
    const result: ArchiveResult = { ...p.entry, size, sha256, ms };
    if (out.listed) {
      if (p.entry.kind !== 'database') result.entries = out.listed.entries;
      result.rawSize = out.listed.bytes;
    }
    return result;
  }

  /** Checksums re-read where the archives are, then each listed (unless it was as it was written) or extracted end to end. */
  private async verify(): Promise<void> {
    const { ssh } = this.session;
    for (const a of this.result.archives) {
      const comp = compressors[a.compression];
      const isTar = a.kind !== 'database';
      if (this.spec.toHost) {
        const sum = (await ssh.run(`re-read ${a.file}`, this.dirs.sha256(this.id, a.file))).stdout.trim();
        if (sum !== a.sha256)
          throw new Error(`${this.host}: ${a.file} reads back as sha256 ${sum}, but ${a.sha256} was written`);
      }
      if (this.result.runnerDir) {
        const sum = await sha256File(join(this.result.runnerDir, a.file));
        if (sum !== a.sha256) throw new Error(`runner copy of ${a.file} reads back as ${sum}, not ${a.sha256}`);
      }
      if (a.encrypted || this.spec.verify === 'checksum') continue;
      // An archive listed as it was written has its uncompressed size already.
      if (a.rawSize === undefined) {
        const listed = this.spec.toHost
          ? parseListing(
              (await ssh.run(`list ${a.file}`, listArchive(this.session.layout, this.id, a.file, comp, isTar))).stdout,
            )
          : await listOnRunner(join(this.result.runnerDir!, a.file), comp, isTar);
        if (isTar) a.entries = listed.entries;
        a.rawSize = listed.bytes;
      }
      if (this.spec.verify === 'restore' && a.kind === 'volume' && this.spec.toHost) {
        const image = helperImage(this.inv, a.name, this.spec.helperImage)!;
        const scratch = `njord-verify-${this.id}-${this.result.archives.indexOf(a)}`;
        const compared = await compareInScratchVolume(this.session, this.verifyCmd, {
          id: this.id,
          file: a.file,
          image,
          compressor: comp,
          scratch,
        });
        a.restoreCompared = compared;
        this.say(
          `${a.file}: restored into a scratch volume; all ${compared.files} file(s) match by sha256, and all ${compared.entries} entries by type, mode, owner and size`,
        );
      }
    }
  }

  private async retention(): Promise<void> {
    const listed = await listBackups(this.session);
    this.result.incomplete = listed.filter((b) => !b.complete && b.id !== this.id).map((b) => b.id);
    if (!this.spec.keep && this.spec.keepDays === undefined) return;
    const doomed = backupsToPrune(listed, { keep: this.spec.keep, keepDays: this.spec.keepDays }, new Date());
    if (doomed.length) await this.session.ssh.run(`remove backups ${doomed.join(', ')}`, this.dirs.remove(doomed));
    this.result.pruned = doomed;
    if (doomed.length) this.say(`pruned ${doomed.join(', ')}`);
  }
}
