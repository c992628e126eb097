// CLI plugins from Debian trixie: Compose v2 for the servers' v2 user, buildx for the buildx tests.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './process.js';

export type Fetched = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Debian bookworm ships neither Compose v2 nor buildx; Debian trixie packages both as static docker
 * CLI plugins (docker-compose 2.x, docker-buildx). Fetch the package's .deb with apt into a private
 * apt state (the system's sources stay untouched) and cache its plugin binary under `cacheDir`.
 */
function trixiePlugin(
  stateDir: string,
  pkg: 'docker-compose' | 'docker-buildx',
  deb: RegExp,
  cacheDir: string,
  log: string[],
): Fetched {
  const plugin = join(cacheDir, pkg);
  if (existsSync(plugin)) return { ok: true, path: plugin };
  const apt = join(stateDir, 'trixie-apt');
  for (const d of ['lists/partial', 'archives/partial']) mkdirSync(join(apt, d), { recursive: true });
  writeFileSync(join(apt, 'sources.list'), 'deb http://deb.debian.org/debian trixie main\n');
  const opts = [
    '-o',
    `Dir::Etc::sourcelist=${join(apt, 'sources.list')}`,
    '-o',
    'Dir::Etc::sourceparts=-',
    '-o',
    `Dir::State::Lists=${join(apt, 'lists')}`,
    '-o',
    `Dir::Cache::Archives=${join(apt, 'archives')}`,
    '-o',
    'APT::Sandbox::User=root',
  ];
  const download = () =>
    run('apt-get', [...opts, 'download', pkg], { cwd: apt, timeoutMs: 5 * 60_000 }, `apt-get download ${pkg}`);
  try {
    try {
      download();
    } catch {
      // no lists yet, or stale ones (the package moved on): fetch them, then again
      run('apt-get', [...opts, 'update', '-q'], { timeoutMs: 5 * 60_000 }, 'apt-get update (trixie lists)');
      download();
    }
  } catch (err) {
    return {
      ok: false,
      reason: `could not fetch ${pkg} from Debian trixie: ${(err as Error).message.split('\n').slice(-1)[0]}`,
    };
  }
  const file = readdirSync(apt).find((f) => deb.test(f));
  if (!file) return { ok: false, reason: `trixie's ${pkg} is not the package expected (${deb.source})` };
  const x = join(apt, 'x');
  rmSync(x, { recursive: true, force: true });
  run('dpkg', ['-x', join(apt, file), x], {}, `dpkg -x ${pkg}`);
  const inDeb = ['usr/libexec/docker/cli-plugins', 'usr/lib/docker/cli-plugins']
    .map((d) => join(x, d, pkg))
    .find((f) => existsSync(f));
  if (!inDeb) return { ok: false, reason: `trixie's ${file} has no ${pkg} CLI plugin` };
  mkdirSync(cacheDir, { recursive: true });
  copyFileSync(inDeb, plugin);
  chmodSync(plugin, 0o755);
  rmSync(x, { recursive: true, force: true });
  log.push(`fetched ${file}`);
  return { ok: true, path: plugin };
}

/** The Compose v2 plugin binary, cached on the runner; the servers mount it for their v2 user. */
export const composeV2Plugin = (stateDir: string, log: string[]) =>
  trixiePlugin(stateDir, 'docker-compose', /^docker-compose_2\..*\.deb$/, join(stateDir, 'compose-v2'), log);

/**
 * buildx, cached but installed nowhere: the runner here keeps the classic builder, and a test that
 * wants buildx puts this binary in the cli-plugins folder of a DOCKER_CONFIG of its own.
 */
export const buildxPlugin = (stateDir: string, log: string[]) =>
  trixiePlugin(stateDir, 'docker-buildx', /^docker-buildx_.*\.deb$/, join(stateDir, 'buildx'), log);
