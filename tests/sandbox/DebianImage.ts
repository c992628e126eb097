// Service images for the database tests, built here from Debian's packages (Docker Hub is
// unreachable): debootstrap a minimal bookworm with the server's packages into a folder, add an
// entrypoint, then `docker import` it and push it to the sandbox registry. The registry keeps it
// between runs, so the minute-long build happens once per machine; the tag is the cache key.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { SANDBOX_STATE_DIR, sh } from './process.js';

export interface DebianImageRecipe {
  /** Short name: the repository is njord-test/<name>, the build lock <name>-image.lock. */
  name: string;
  /** Bump when the recipe changes: the tag is the cache key. */
  tag: string;
  /** Packages debootstrap adds to the minimal bookworm. */
  include: string[];
  /** Paths (globs) under the root removed after the install: what the packages set up for themselves. */
  remove: string[];
  /** Executable files written into the root, by absolute path (the entrypoint). */
  files: Record<string, string>;
  /** Dockerfile instructions for `docker import --change` (ENV, CMD). */
  changes: string[];
}

/** Dead weight in any of these images. */
const ALWAYS_REMOVED = [
  '/var/cache/apt/archives/*.deb',
  '/var/lib/apt/lists/*',
  '/usr/share/doc',
  '/usr/share/man',
  '/usr/share/locale',
];

/** The Debian mirror apt is configured with (deb822 or one-line sources). */
function debianMirror(): string {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) for (const f of readdirSync(dir)) if (/\.(list|sources)$/.test(f)) files.push(join(dir, f));
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const uri =
      /^URIs:\s*(\S+\/debian)\/?\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s+/m.exec(text);
    if (uri) return uri[1]!;
  }
  return 'http://deb.debian.org/debian';
}

function imageExists(ref: string): boolean {
  return spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;
}

/** Serialises builds of one image across processes (a test run and a bench may start together). */
async function withBuildLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(SANDBOX_STATE_DIR, `${name}-image.lock`);
  const deadline = Date.now() + 15 * 60_000;
  mkdirSync(SANDBOX_STATE_DIR, { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`ensureDebianImage: ${lock} held too long; remove it if stale`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Builds the recipe's image as `ref` and pushes it there (no cache: ensureDebianImage keeps one). */
export function buildDebianImage(ref: string, r: DebianImageRecipe): void {
  if (spawnSync('sh', ['-c', 'command -v debootstrap'], { stdio: 'ignore' }).status !== 0)
    sh('DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q debootstrap', {
      timeoutMs: 10 * 60_000,
    });
  const root = mkdtempSync(join(SANDBOX_STATE_DIR, `${r.name}-rootfs-`));
  try {
    sh(
      `debootstrap --variant=minbase --include=${r.include.join(',')} bookworm ${root} ${debianMirror()} > ${root}.log 2>&1 || { tail -30 ${root}.log; exit 1; }`,
      { timeoutMs: 15 * 60_000 },
    );
    sh(`rm -rf ${[...ALWAYS_REMOVED, ...r.remove].map((p) => root + p).join(' ')}`);
    for (const [path, content] of Object.entries(r.files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
      chmodSync(join(root, path), 0o755);
    }
    const changes = r.changes.map((c) => `--change '${c}'`).join(' ');
    sh(`tar -C ${root} -c . | docker import ${changes} - ${ref} >/dev/null`, { timeoutMs: 10 * 60_000 });
    sh(`docker push ${ref} >/dev/null`, { timeoutMs: 10 * 60_000 });
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(`${root}.log`, { force: true });
  }
}

/**
 * The image's ref in the sandbox registry: the local image, else pulled from the sandbox registry,
 * else built with debootstrap (a minute or two) and pushed.
 */
export async function ensureDebianImage(info: { registry: string }, recipe: DebianImageRecipe): Promise<string> {
  const ref = `${info.registry}/njord-test/${recipe.name}:${recipe.tag}`;
  // The servers pull it from the registry: a local copy alone is not enough.
  if (imageExists(ref) && spawnSync('docker', ['push', ref], { stdio: 'ignore' }).status === 0) return ref;
  return withBuildLock(recipe.name, async () => {
    if (imageExists(ref)) return ref;
    if (spawnSync('docker', ['pull', '-q', ref], { stdio: 'ignore' }).status === 0) return ref;
    buildDebianImage(ref, recipe);
    return ref;
  });
}
