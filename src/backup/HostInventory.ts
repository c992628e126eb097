// What the app keeps on one host: its compose project's named volumes and containers (which
// service, running or not, which volumes each mounts), read from `docker inspect` JSON.
import { posix } from 'node:path';
import type { HostSession } from '../ssh/HostSession.js';
import { InputError } from '../inputs/InputError.js';
import { refuseAppRoot } from './HostPaths.js';
import { containerStatesCommand } from '../remote/DockerCommands.js';
import { existingPathsCommand, projectVolumesCommand, volumesCommand } from '../remote/backup/InventoryCommands.js';

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
}

export interface ContainerInfo {
  id: string;
  name: string;
  service: string;
  running: boolean;
  /** The image id the container was created from: present on the host by definition. */
  image: string;
  volumes: string[];
}

export interface Inventory {
  volumes: VolumeInfo[];
  containers: ContainerInfo[];
}

interface VolumeJson {
  Name?: string;
  Labels?: Record<string, string> | null;
}

interface ContainerJson {
  Id?: string;
  Name?: string;
  Image?: string;
  Config?: { Labels?: Record<string, string> | null };
  State?: { Running?: boolean };
  Mounts?: { Type?: string; Name?: string }[] | null;
}

function parseJsonList<T>(stdout: string): T[] {
  const text = stdout.trim();
  if (!text) return [];
  const parsed = JSON.parse(text) as T[] | null;
  return Array.isArray(parsed) ? parsed : [];
}

export function parseVolumes(stdout: string): VolumeInfo[] {
  return parseJsonList<VolumeJson>(stdout)
    .filter((v) => v.Name)
    .map((v) => ({ name: v.Name!, labels: v.Labels ?? {} }));
}

export function parseContainers(stdout: string): ContainerInfo[] {
  return parseJsonList<ContainerJson>(stdout).map((c) => ({
    id: c.Id ?? '',
    name: (c.Name ?? '').replace(/^\//, ''),
    service: c.Config?.Labels?.['com.docker.compose.service'] ?? '',
    running: !!c.State?.Running,
    image: c.Image ?? '',
    volumes: (c.Mounts ?? []).filter((m) => m.Type === 'volume' && m.Name).map((m) => m.Name!),
  }));
}

export async function readInventory(s: HostSession, app: string, named: string[] = []): Promise<Inventory> {
  const [vols, containers] = await Promise.all([
    s.ssh.run('list the app volumes', projectVolumesCommand(app)),
    s.ssh.run('list the app containers', containerStatesCommand(app)),
  ]);
  const volumes = parseVolumes(vols.stdout);
  const others = named.filter((n) => !volumes.some((v) => v.name === n));
  if (others.length) volumes.push(...parseVolumes((await s.ssh.run('inspect volumes', volumesCommand(others))).stdout));
  return { volumes, containers: parseContainers(containers.stdout) };
}

/** A requested volume: its Docker name, `<app>_<name>`, or the name the compose file gives it. */
export function findVolume(inv: Inventory, app: string, wanted: string): VolumeInfo | undefined {
  return (
    inv.volumes.find((v) => v.name === wanted) ??
    inv.volumes.find((v) => v.name === `${app}_${wanted}`) ??
    inv.volumes.find(
      (v) => v.labels['com.docker.compose.project'] === app && v.labels['com.docker.compose.volume'] === wanted,
    )
  );
}

/** The volumes to back up: the ones named, else every named volume of the compose project. */
export function resolveVolumes(inv: Inventory, app: string, wanted: string[] | undefined, host: string): VolumeInfo[] {
  if (!wanted) return inv.volumes.filter((v) => v.labels['com.docker.compose.project'] === app);
  return wanted.map((w) => {
    const v = findVolume(inv, app, w);
    if (!v)
      throw new InputError(
        'volumes',
        `${host} has no volume '${w}' (nor '${app}_${w}'); the app's volumes there: ${inv.volumes.map((x) => x.name).join(', ') || 'none'}`,
      );
    return v;
  });
}

export function servicesUsing(inv: Inventory, volume: string): string[] {
  return [...new Set(inv.containers.filter((c) => c.volumes.includes(volume)).map((c) => c.service))].sort();
}

export function runningContainer(inv: Inventory, service: string): ContainerInfo | undefined {
  return inv.containers.find((c) => c.service === service && c.running);
}

/**
 * An image to create throwaway containers from: the given helper image, else one a container
 * using the volume runs, else any of the app's. Present on the host, so nothing is pulled.
 */
export function helperImage(inv: Inventory, volume: string | undefined, given: string | undefined): string | undefined {
  if (given) return given;
  const user = volume ? inv.containers.find((c) => c.volumes.includes(volume) && c.image) : undefined;
  return user?.image ?? inv.containers.find((c) => c.image)?.image;
}

/** A `paths` entry as the host sees it: `~/…` is under the SSH user's home. */
export function hostPath(path: string, home: string): string {
  return path.startsWith('~/') ? posix.join(home, path.slice(2)) : path;
}

/** Throws an input error unless each path (as the host sees it) is a directory the SSH user can read and none holds or lies inside the app's own root. */
export async function checkPaths(s: HostSession, paths: string[]): Promise<void> {
  refuseAppRoot('paths', paths, s.layout.root, s.spec.label);
  if (!paths.length) return;
  const found = (await s.ssh.run('check the paths', existingPathsCommand(paths))).stdout.split('\n');
  paths.forEach((p, i) => {
    if (found[i] !== 'ok')
      throw new InputError('paths', `${p} is not a directory the SSH user can read on ${s.spec.label}`);
  });
}
