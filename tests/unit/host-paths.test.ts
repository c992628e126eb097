// Backup and restore paths are normalised, and none may hold or lie inside the app's remote-dir;
// a backup brought from the runner restores only what the operator names or the app owns.
import { describe, expect, it } from 'vitest';
import { readPaths } from '../../src/backup/BackupConfig.js';
import type { ArchiveEntry, BackupManifest } from '../../src/backup/BackupManifest.js';
import { refuseAppRoot } from '../../src/backup/HostPaths.js';
import { checkRestoreTargets, type RestoreTargetFacts } from '../../src/backup/RestoreTargets.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { inputError } from '../support/inputError.js';

const paths = (text: string) => readPaths(new InputReader({ get: (n) => (n === 'paths' ? text : '') }), 'paths');

describe('paths input', () => {
  it('normalises dots, doubled and trailing slashes', () => {
    expect(paths('/srv/./data/\n/srv/x/../site//\n~/a/../b/\n~/site')).toEqual([
      '/srv/data',
      '/srv/site',
      '~/b',
      '~/site',
    ]);
  });

  it.each([
    ['/.', 'is the whole host'],
    ['/srv/..', 'is the whole host'],
    ['/srv/../../', 'is the whole host'],
    ['~/../..', 'climbs out of the home directory'],
    ['~/..', 'climbs out of the home directory'],
    ['~/', 'is the whole home directory'],
    ['~/x/..', 'is the whole home directory'],
    ['srv/data', 'is not an absolute path'],
    ['~other/data', 'is not an absolute path'],
  ])('refuses %s', (p, why) => {
    const e = inputError(() => paths(p));
    expect(e.input).toBe('paths');
    expect(e.message).toContain(why);
  });
});

describe('the app root', () => {
  const root = '/srv/njord/shop';
  it.each([
    ['/srv', 'holds'],
    ['/srv/njord/shop', 'holds'],
    ['/srv/njord/shop/backups', 'lies inside'],
  ])('refuses %s, which %s the remote-dir', (p, how) => {
    const e = inputError(() => refuseAppRoot('paths', [p], root, 'app1'));
    expect(e.message).toBe(
      `Input 'paths': ${p} ${how} the app's remote-dir ${root} on app1 (its backups, releases and lock); name the directories that hold the app's data`,
    );
  });

  it('lets a neighbour through', () => {
    expect(() => refuseAppRoot('paths', ['/srv/njord/shop-data', '/srv/njord/sho'], root, 'app1')).not.toThrow();
  });
});

const pathArchive = (path: string): ArchiveEntry => ({
  file: `path-${path.replace(/\//g, '-')}.tar.gz`,
  kind: 'path',
  name: path,
  path,
  size: 1,
  sha256: 'x',
  compression: 'gzip',
  encrypted: false,
});
const volumeArchive = (name: string, project = 'shop'): ArchiveEntry => ({
  file: `volume-${name}.tar.gz`,
  kind: 'volume',
  name,
  volume: { name, labels: { 'com.docker.compose.project': project, 'com.docker.compose.volume': 'data' } },
  size: 1,
  sha256: 'x',
  compression: 'gzip',
  encrypted: false,
});
const manifest = (archives: ArchiveEntry[]) => ({ app: 'shop', archives }) as BackupManifest;
const facts = (over: Partial<RestoreTargetFacts> = {}): RestoreTargetFacts => ({
  host: 'app1',
  app: 'shop',
  root: '/home/deploy/njord/shop',
  fromRunner: true,
  hostVolumes: [{ name: 'shop_data', labels: { 'com.docker.compose.project': 'shop' } }],
  hostBackups: [],
  ...over,
});

describe('what a restore may write', () => {
  it('from the runner: refuses a path or volume nobody named and the app does not own', () => {
    const p = inputError(() => checkRestoreTargets([pathArchive('/etc')], facts()));
    expect(p.input).toBe('paths');
    expect(p.message).toContain('would restore /etc on app1, which no backup of shop there holds');
    const v = inputError(() => checkRestoreTargets([volumeArchive('billing_db', 'billing')], facts()));
    expect(v.input).toBe('volumes');
    expect(v.message).toContain('would restore volume billing_db on app1, which is not a volume of shop there');
  });

  it("from the runner: writes what is named, the app's own volumes and the paths of its backups on the host", () => {
    expect(() =>
      checkRestoreTargets(
        [pathArchive('/srv/site'), volumeArchive('billing_db', 'billing')],
        facts({ namedPaths: ['/srv/site'], namedVolumes: ['billing_db'] }),
      ),
    ).not.toThrow();
    expect(() =>
      checkRestoreTargets(
        [volumeArchive('shop_data'), pathArchive('/srv/site')],
        facts({ hostBackups: [manifest([pathArchive('/srv/site')])] }),
      ),
    ).not.toThrow();
  });

  it('a volume named through a label of the crafted manifest is not named', () => {
    // select() matches `volumes: data` by the manifest's compose label too; the label proves nothing.
    const e = inputError(() => checkRestoreTargets([volumeArchive('other')], facts({ namedVolumes: ['data'] })));
    expect(e.input).toBe('volumes');
  });

  it('from anywhere: refuses a path over the app root or not plain, and a volume name that is not one', () => {
    const inRoot = inputError(() => checkRestoreTargets([pathArchive('/home/deploy')], facts({ fromRunner: false })));
    expect(inRoot.message).toContain("holds the app's remote-dir /home/deploy/njord/shop on app1");
    expect(inputError(() => checkRestoreTargets([pathArchive('/srv/../etc')], facts())).message).toContain(
      'not a plain absolute path',
    );
    expect(inputError(() => checkRestoreTargets([volumeArchive('../x')], facts())).message).toContain(
      'not a volume name',
    );
  });
});
