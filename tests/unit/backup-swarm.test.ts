// Backup and restore of a swarm stack: what tells a stack from a Compose app on a host, and what is
// refused (volumes, databases, stop-services: they live or run on whichever node swarm chose),
// naming the input and the way that works. Only host directories (paths) pass.
import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../src/backup/BackupManifest.js';
import {
  parseSwarmFacts,
  swarmArchivesRefusal,
  swarmEvidence,
  swarmRefusal,
  type SwarmFacts,
} from '../../src/backup/SwarmApp.js';

const compose: SwarmFacts = { stack: false, nodes: [], localTasks: 0, localVolumes: 0 };
const manager: SwarmFacts = {
  stack: true,
  nodes: ['node-a', 'node-b'],
  localTasks: 2,
  localVolumes: 1,
  releaseMode: 'swarm',
};
const backup = { app: 'shop', host: 'deploy@a', action: 'backup' as const };
const restore = { ...backup, action: 'restore' as const };

describe('parseSwarmFacts', () => {
  it('reads the probe of a manager running the stack, with its release.json', () => {
    const out = [
      'stack 1',
      'nodes node-a node-b ',
      'tasks       2',
      'volumes 1',
      JSON.stringify({ id: 'r1', app: 'shop', mode: 'swarm', composeFiles: ['a.yml'] }, null, 2),
      '',
    ].join('\n');
    expect(parseSwarmFacts(out)).toEqual(manager);
  });

  it('reads a host outside any swarm whose current release is a Compose one', () => {
    const out = `stack 0\nnodes \ntasks 0\nvolumes 0\n${JSON.stringify({ id: 'r1', composeFiles: [] }, null, 2)}\n`;
    expect(parseSwarmFacts(out)).toEqual({ ...compose, releaseMode: undefined });
    expect(swarmEvidence(parseSwarmFacts(out), 'shop')).toBeUndefined();
  });

  it('takes a missing or broken release.json for no release', () => {
    expect(parseSwarmFacts('stack 0\nnodes \ntasks 0\nvolumes 0\n').releaseMode).toBeUndefined();
    expect(parseSwarmFacts('stack 0\nnodes \ntasks 0\nvolumes 0\n{"mode": "sw').releaseMode).toBeUndefined();
  });
});

describe('swarmEvidence', () => {
  it('counts the release, the stack on a manager, or its containers or volumes on a worker', () => {
    expect(swarmEvidence({ ...compose, releaseMode: 'swarm' }, 'shop')).toMatch(/deployed with mode: swarm/);
    expect(swarmEvidence({ ...compose, stack: true }, 'shop')).toBe('this manager lists the stack shop');
    expect(swarmEvidence({ ...compose, localTasks: 3 }, 'shop')).toMatch(/^3 task container/);
    expect(swarmEvidence({ ...compose, localVolumes: 1 }, 'shop')).toMatch(/^1 volume\(s\) of the stack shop/);
  });
});

describe('swarmRefusal: backup', () => {
  it('lets a Compose app through, whatever is asked', () => {
    expect(swarmRefusal(compose, backup, { databases: ['db'], stopServices: ['web'], paths: [] })).toBeUndefined();
  });

  it('passes host directories with volumes: none', () => {
    expect(swarmRefusal(manager, backup, { volumes: [], paths: ['/srv/shop'] })).toBeUndefined();
  });

  it('refuses every volume (volumes left empty), naming volumes: none and the pinned bind mount', () => {
    const err = swarmRefusal(manager, backup, { paths: ['/srv/shop'] })!;
    expect(err.input).toBe('volumes');
    expect(err.message).toMatch(/^Input 'volumes': shop runs as a swarm stack on deploy@a \(its current release/);
    expect(err.message).toContain('swarm creates shop_<name> separately on each node');
    expect(err.message).toContain('(its tasks run on node-a, node-b)');
    expect(err.message).toContain('set volumes: none and give paths');
    expect(err.message).toContain('deploy.placement.constraints: [node.hostname == node-a]');
  });

  it('refuses a named volume', () => {
    expect(swarmRefusal(manager, backup, { volumes: ['data'], paths: [] })?.input).toBe('volumes');
  });

  it('refuses databases and stop-services first, each naming its input', () => {
    const db = swarmRefusal(manager, backup, { volumes: [], paths: ['/x'], databases: ['db'] })!;
    expect(db.input).toBe('databases');
    expect(db.message).toContain('cannot be dumped or loaded from deploy@a');
    expect(db.message).toContain('bind-mounted host directory');
    const stop = swarmRefusal(manager, backup, { volumes: [], paths: ['/x'], stopServices: ['web'] })!;
    expect(stop.input).toBe('stop-services');
    expect(stop.message).toContain('swarm starts their tasks again');
  });

  it('refuses a backup with nothing but volumes: none, asking for paths', () => {
    const err = swarmRefusal({ ...compose, localTasks: 1 }, backup, { volumes: [], paths: [] })!;
    expect(err.input).toBe('paths');
    expect(err.message).toContain('give the directories in paths');
  });
});

describe('swarmRefusal: restore', () => {
  it('passes a restore with no subset (its archives are checked once the backup is picked) or with paths', () => {
    expect(swarmRefusal(manager, restore, {})).toBeUndefined();
    expect(swarmRefusal(manager, restore, { paths: ['/srv/shop'], stopServices: [] })).toBeUndefined();
  });

  it('refuses named volumes, databases and stop-services', () => {
    expect(swarmRefusal(manager, restore, { volumes: ['data'] })?.input).toBe('volumes');
    expect(swarmRefusal(manager, restore, { databases: ['db'] })?.message).toMatch(/and restore that directory/);
    expect(swarmRefusal(manager, restore, { stopServices: ['web'] })?.input).toBe('stop-services');
  });
});

describe('swarmArchivesRefusal', () => {
  const path = { kind: 'path', name: '/srv/shop', path: '/srv/shop' } as ArchiveEntry;
  const volume = { kind: 'volume', name: 'shop_data', volume: { name: 'shop_data', labels: {} } } as ArchiveEntry;
  const ctx = { app: 'shop', host: 'deploy@a', backupId: '20261206-120000-000' };

  it('passes paths only, and anything for a Compose app', () => {
    expect(swarmArchivesRefusal(manager, ctx, [path])).toBeUndefined();
    expect(swarmArchivesRefusal(compose, ctx, [path, volume])).toBeUndefined();
  });

  it("refuses a backup's volume archives for a stack, naming them and paths", () => {
    const err = swarmArchivesRefusal(manager, ctx, [path, volume])!;
    expect(err.input).toBe('volumes');
    expect(err.message).toContain('backup 20261206-120000-000 holds volume shop_data');
    expect(err.message).toContain('name them in paths (with volumes: none)');
  });
});
