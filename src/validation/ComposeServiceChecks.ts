// The checks Compose's loader makes on each service after the schema (compose-go's checkConsistency
// and validation package, read and written again here): what a service must have, keys that
// exclude each other, values that must agree, and names that must exist. Values still holding a
// variable whose value is unknown here are skipped rather than guessed.
import { isUnresolved } from './ComposeVariables.js';
import {
  bytes,
  composeFinding,
  integer,
  isDict,
  number,
  type Dict,
  type Project,
  type Service,
} from './ComposeModel.js';
import type { Finding } from './Finding.js';

type Report = (key: string, rest: (string | number)[], message: string, at?: 'key' | 'value') => void;

const WATCH_WITHOUT_TARGET = new Set(['rebuild', 'restart']);

function known(v: unknown): boolean {
  return v !== undefined && !isUnresolved(v);
}

function checkBuild(s: Service, p: Project, report: Report): void {
  const build = s.def.build;
  if (!isDict(build)) return;
  if (build.dockerfile !== undefined && build.dockerfile_inline !== undefined)
    report(
      'build',
      ['dockerfile_inline'],
      `services.${s.name}.build: dockerfile and dockerfile_inline exclude each other: keep one`,
      'key',
    );
  if (isDict(build.additional_contexts))
    for (const [name, c] of Object.entries(build.additional_contexts)) {
      if (typeof c !== 'string' || !c.startsWith('service:')) continue;
      const target = p.services.find((x) => x.name === c.slice('service:'.length));
      if (!target)
        report(
          'build',
          ['additional_contexts', name],
          `services.${s.name}.build.additional_contexts.${name}: '${c}' names no service of this project`,
        );
      else if (target.def.build === undefined)
        report(
          'build',
          ['additional_contexts', name],
          `services.${s.name}.build.additional_contexts.${name}: service '${target.name}' has no build: only a built service can be a context`,
        );
    }
  const platform = s.def.platform;
  if (Array.isArray(build.platforms) && build.platforms.length && typeof platform === 'string' && known(platform)) {
    if (!build.platforms.some((x) => x === platform || isUnresolved(x)))
      report(
        'platform',
        [],
        `services.${s.name}.platform '${platform}' must be one of build.platforms (${build.platforms.join(', ')})`,
      );
  }
}

function checkNetworks(s: Service, p: Project, report: Report): void {
  const mode = s.def.network_mode;
  if (mode !== undefined && s.def.networks !== undefined)
    report(
      'networks',
      [],
      `services.${s.name}: network_mode and networks exclude each other: use networks (or network_mode alone)`,
      'key',
    );
  if (typeof mode === 'string' && mode.startsWith('service:') && known(mode)) {
    const target = mode.slice('service:'.length);
    if (!p.services.some((x) => x.name === target))
      report('network_mode', [], `services.${s.name}.network_mode: '${mode}' names no service of this project`);
  }
}

function checkHealthcheck(s: Service, report: Report): void {
  const hc = s.def.healthcheck;
  if (!isDict(hc) || !Array.isArray(hc.test) || !hc.test.length) return;
  const first = hc.test[0];
  if (known(first) && !['CMD', 'CMD-SHELL', 'NONE'].includes(String(first)))
    report(
      'healthcheck',
      ['test', 0],
      `services.${s.name}.healthcheck.test: a list must start with CMD, CMD-SHELL or NONE (found '${String(first)}'); a string runs in a shell`,
    );
}

function checkScale(s: Service, report: Report): void {
  const d = s.def;
  const deploy = isDict(d.deploy) ? d.deploy : {};
  const scale = integer(d.scale);
  const replicas = integer(deploy.replicas);
  if (scale !== undefined && scale < 0)
    report('scale', [], `services.${s.name}.scale must be 0 or more (found ${scale})`);
  if (replicas !== undefined && replicas < 0)
    report('deploy', ['replicas'], `services.${s.name}.deploy.replicas must be 0 or more (found ${replicas})`);
  if (scale !== undefined && replicas !== undefined && scale !== replicas)
    report(
      'scale',
      [],
      `services.${s.name}: scale (${scale}) and deploy.replicas (${replicas}) differ: set one of them`,
    );
  const count = scale ?? replicas;
  if (count !== undefined && count > 1 && d.container_name !== undefined)
    report(
      'container_name',
      [],
      `services.${s.name}: container_name cannot be set with ${scale !== undefined ? 'scale' : 'deploy.replicas'} ${count}: a container name must be unique`,
      'key',
    );
}

/** `cpus`, `mem_limit`, … against the same limit under deploy.resources: Compose refuses two values. */
function checkResources(s: Service, report: Report): void {
  const res = isDict(s.def.deploy) && isDict(s.def.deploy.resources) ? s.def.deploy.resources : undefined;
  if (!res) return;
  const pairs: [string, 'limits' | 'reservations', string, (v: unknown) => number | undefined][] = [
    ['cpus', 'limits', 'cpus', number],
    ['mem_limit', 'limits', 'memory', bytes],
    ['mem_reservation', 'reservations', 'memory', bytes],
    ['pids_limit', 'limits', 'pids', integer],
  ];
  for (const [key, group, sub, read] of pairs) {
    const a = read(s.def[key]);
    const section = res[group];
    const b = isDict(section) ? read(section[sub]) : undefined;
    if (a !== undefined && a !== 0 && b !== undefined && a !== b)
      report(key, [], `services.${s.name}: ${key} and deploy.resources.${group}.${sub} differ: set one of them`, 'key');
  }
}

function checkWatch(s: Service, report: Report): void {
  const watch = isDict(s.def.develop) ? s.def.develop.watch : undefined;
  if (!Array.isArray(watch)) return;
  watch.forEach((w, i) => {
    if (!isDict(w)) return;
    if (w.path === '')
      report('develop', ['watch', i, 'path'], `services.${s.name}.develop.watch[${i}].path must not be empty`);
    if ((w.target === undefined || w.target === '') && !WATCH_WITHOUT_TARGET.has(String(w.action)))
      report(
        'develop',
        ['watch', i],
        `services.${s.name}.develop.watch[${i}]: target is required for action ${String(w.action)} (only rebuild and restart go without one)`,
        'key',
      );
  });
}

/** Device requests (deploy…devices, gpus): count is `all` or a number, and excludes device_ids. */
export function checkDevices(
  list: unknown,
  at: (i: number, key?: string) => [string, (string | number)[]],
  report: Report,
): void {
  if (!Array.isArray(list)) return;
  list.forEach((dev, i) => {
    if (!isDict(dev)) return;
    if (dev.count !== undefined && dev.device_ids !== undefined) {
      const [key, rest] = at(i, 'device_ids');
      report(key, rest, 'count and device_ids exclude each other: give the number of devices or their ids', 'key');
    }
    if (known(dev.count) && dev.count !== 'all' && integer(dev.count) === undefined) {
      const [key, rest] = at(i, 'count');
      report(key, rest, `count must be 'all' or a number (found ${JSON.stringify(dev.count)})`);
    }
  });
}

function checkMounts(s: Service, report: Report): void {
  const seen = new Map<string, string>();
  const claim = (target: string, where: string, key: string, rest: (string | number)[]) => {
    const before = seen.get(target);
    if (before) report(key, rest, `services.${s.name}.${where}: ${target} is already mounted by ${before}`);
    else seen.set(target, `services.${s.name}.${where}`);
  };
  const tmpfs = typeof s.def.tmpfs === 'string' ? [s.def.tmpfs] : s.def.tmpfs;
  if (Array.isArray(tmpfs))
    tmpfs.forEach((t, i) => {
      if (typeof t === 'string' && known(t)) claim(t.split(':')[0]!, `tmpfs[${i}]`, 'tmpfs', [i]);
    });
  if (Array.isArray(s.def.volumes))
    s.def.volumes.forEach((v, i) => {
      const target = typeof v === 'string' ? volumeTarget(v) : isDict(v) ? v.target : undefined;
      if (typeof target === 'string' && target && known(target))
        claim(target.replace(/\/+$/, '') || '/', `volumes[${i}]`, 'volumes', [i]);
    });
}

/** The target of a short volume spec (`src:dst[:opts]` or `dst`; a Windows drive `C:` stays whole). */
function volumeTarget(spec: string): string | undefined {
  const parts = spec.split(':');
  if (/^[A-Za-z]$/.test(parts[0]!) && parts.length > 1) parts.splice(0, 2, `${parts[0]}:${parts[1]}`);
  if (parts.length === 1) return parts[0];
  return parts[1];
}

export function checkServices(p: Project): Finding[] {
  const out: Finding[] = [];
  for (const s of p.services) {
    const report: Report = (key, rest, message, at = 'value') =>
      out.push(composeFinding(s.fileOf(key), ['services', s.name, key, ...rest], message, at));
    const d: Dict = s.def;
    if (d.image === undefined && d.build === undefined && d.provider === undefined && d.extends === undefined)
      out.push(
        composeFinding(
          s.fileOf('image'),
          ['services', s.name],
          `service '${s.name}' has neither image nor build: give image: (an image to run) or build: (a context to build one)`,
          'key',
        ),
      );
    checkBuild(s, p, report);
    checkNetworks(s, p, report);
    checkHealthcheck(s, report);
    checkScale(s, report);
    checkResources(s, report);
    checkWatch(s, report);
    checkMounts(s, report);
    const devices =
      isDict(d.deploy) && isDict(d.deploy.resources) && isDict(d.deploy.resources.reservations)
        ? d.deploy.resources.reservations.devices
        : undefined;
    checkDevices(
      devices,
      (i, k) => ['deploy', ['resources', 'reservations', 'devices', i, ...(k ? [k] : [])]],
      (key, rest, m, at) =>
        report(key, rest, `services.${s.name}.deploy.resources.reservations.devices[${rest[3]}]: ${m}`, at),
    );
    checkDevices(
      d.gpus,
      (i, k) => ['gpus', [i, ...(k ? [k] : [])]],
      (key, rest, m, at) => report(key, rest, `services.${s.name}.gpus[${rest[0]}]: ${m}`, at),
    );
  }
  return out;
}
