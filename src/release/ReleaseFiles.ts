// The files that travel with a release: those the compose files name by a relative path, and those
// the `files` input adds. Gathered and checked on the runner before any host is touched; SOPS files
// among them are decrypted here (the age key never leaves the runner) and travel as 0600 files.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { InputError } from '../inputs/InputError.js';
import { expandGlobs } from '../validation/Glob.js';
import { openSops, sopsFormat, sopsRecipients } from '../sops/SopsFile.js';
import { SopsError } from '../sops/SopsCrypto.js';
import { composeReferences, ReferenceError } from './ComposeReferences.js';
import { tarArchive, type TarEntry } from './TarArchive.js';

/** A release is configuration, not data: past this the deploy is refused with the sizes. */
export const MAX_RELEASE_FILES_BYTES = 10 * 1024 * 1024;
export const MAX_RELEASE_FILES = 1000;

export interface ReleaseFile {
  /** Relative to the release directory, as compose reads it. */
  path: string;
  /** sha256 of the file as it is in the repository (for a SOPS file: the encrypted one). */
  sha256: string;
  bytes: number;
  /** Decrypted from SOPS on the runner; written 0600 on the host. */
  sops?: true;
}

export interface ReleaseFiles {
  files: ReleaseFile[];
  /** The archive the host unpacks into the release directory. */
  archive: Buffer;
  /** Decrypted values, for the log's mask. */
  secretValues: string[];
}

export interface GatherOptions {
  workspace: string;
  /** Workspace-relative paths of the compose files: the first one's folder is the project directory. */
  composeSources: { source: string; name: string; content: string }[];
  /** The deploy's variables (env input and IMAGE), for `${VAR}` in paths. */
  vars: ReadonlyMap<string, string>;
  /** The `files` input: globs, `!` excludes. */
  globs: string[];
  /** Age identities (AGE-SECRET-KEY-1…) from the `sops-age-key` input. */
  sopsKeys: string[];
}

/** Names njord writes itself in the release directory. */
const RESERVED = ['release.env', 'release.json'];

export async function gatherReleaseFiles(o: GatherOptions): Promise<ReleaseFiles | undefined> {
  const project = resolve(o.workspace, dirname(o.composeSources[0]?.source ?? '.'));
  const root = realpathSync(o.workspace);
  const picked = new Map<string, 'compose-file' | 'files'>();
  const composeNames = new Set(o.composeSources.map((c) => c.name));
  for (const c of o.composeSources) {
    let refs;
    try {
      refs = composeReferences(c.source, c.content, o.vars);
    } catch (e) {
      if (e instanceof ReferenceError) throw new InputError('compose-file', e.message);
      throw e;
    }
    for (const r of refs) {
      const rel = posix.normalize(r.path.replace(/\/+$/, ''));
      const at = `${r.composeFile}:${r.line} (${r.field})`;
      if (rel === '..' || rel.startsWith('../'))
        throw new InputError(
          'compose-file',
          `${at} names ${r.path}, which climbs out of the project directory: keep it beside the compose file, or name a file of the server itself by an absolute path`,
        );
      const full = join(project, rel);
      if (!existsSync(full) && r.optional) continue;
      if (!existsSync(full))
        throw new InputError(
          'compose-file',
          `${at} names ${r.path}, which is not in the workspace (${full}); add the file, or fix the path`,
        );
      if (!inside(root, realpathSync(full)))
        throw new InputError('compose-file', `${at} names ${r.path}, a link that leads out of the workspace`);
      if (rel === '.' || composeNames.has(rel)) continue;
      picked.set(rel, 'compose-file');
    }
  }
  if (o.globs.length) {
    const { files, unmatched } = expandGlobs(o.globs, project);
    if (unmatched.length) throw new InputError('files', `${unmatched.join(', ')} matched no file in ${project}`);
    for (const f of files) {
      const rel = posix.normalize(f);
      if (rel.startsWith('../')) throw new InputError('files', `${f} is outside the project directory ${project}`);
      if (!composeNames.has(rel) && !picked.has(rel)) picked.set(rel, 'files');
    }
  }
  if (!picked.size) return undefined;

  const plain = [...picked].flatMap(([rel, input]) => walk(project, rel, root).map((p) => ({ path: p, input })));
  for (const { path, input } of plain)
    if (RESERVED.includes(path))
      throw new InputError(input, `${path} would overwrite njord's own ${path} in the release; rename the file`);
  if (plain.length > MAX_RELEASE_FILES)
    throw new InputError(
      plain[0]!.input,
      `${plain.length} files would travel with the release, over the ${MAX_RELEASE_FILES} a release carries`,
    );
  const sized = plain.map((p) => ({ ...p, bytes: statSync(join(project, p.path)).size }));
  const total = sized.reduce((n, p) => n + p.bytes, 0);
  if (total > MAX_RELEASE_FILES_BYTES) {
    const largest = [...sized].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
    throw new InputError(
      largest[0]!.input,
      `the files that travel with the release total ${mib(total)}, over the ${mib(MAX_RELEASE_FILES_BYTES)} a release carries (configuration, not data); the largest: ${largest.map((l) => `${l.path} (${mib(l.bytes)})`).join(', ')}`,
    );
  }

  const files: ReleaseFile[] = [];
  const entries: TarEntry[] = [];
  const secretValues: string[] = [];
  const dirs = new Set<string>();
  for (const { path, input } of sized) {
    const full = join(project, path);
    const raw = readFileSync(full);
    const sha256 = createHash('sha256').update(raw).digest('hex');
    for (let d = posix.dirname(path); d !== '.' && !dirs.has(d); d = posix.dirname(d)) dirs.add(d);
    const format = raw.length < 4 * 1024 * 1024 ? sopsFormat(path, raw.toString('utf8')) : undefined;
    if (!format) {
      files.push({ path, sha256, bytes: raw.length });
      entries.push({ path, content: raw, mode: statSync(full).mode & 0o111 ? 0o755 : 0o644 });
      continue;
    }
    const text = raw.toString('utf8');
    if (!o.sopsKeys.length)
      throw new InputError(
        'sops-age-key',
        `${path} is SOPS-encrypted (to ${sopsRecipients(format, text).join(', ')}) and travels with the release: set sops-age-key to an age identity of one of them`,
      );
    try {
      const opened = await openSops(format, text, o.sopsKeys);
      secretValues.push(...opened.values);
      const content = Buffer.from(opened.text, 'utf8');
      files.push({ path, sha256, bytes: content.length, sops: true });
      entries.push({ path, content, mode: 0o600 });
    } catch (e) {
      if (!(e instanceof SopsError)) throw e;
      throw new InputError(e.aboutKey ? 'sops-age-key' : input, `${path} (SOPS): ${e.message}`);
    }
  }
  const dirEntries = [...dirs].sort().map((d): TarEntry => ({ path: d, mode: 0o755 }));
  return { files, archive: tarArchive([...dirEntries, ...entries]), secretValues };
}

/** The file itself, or every file under a folder (sorted; .git and node_modules never entered). */
function walk(project: string, rel: string, root: string): string[] {
  const full = join(project, rel);
  if (!statSync(full).isDirectory()) return [rel];
  const out: string[] = [];
  for (const name of readdirSync(full).sort()) {
    if (name === '.git' || name === 'node_modules') continue;
    const child = rel === '.' ? name : `${rel}/${name}`;
    const st = lstatSync(join(project, child));
    if (st.isSymbolicLink() && !inside(root, realpathSync(join(project, child))))
      throw new InputError('compose-file', `${child} is a link that leads out of the workspace`);
    if (st.isDirectory()) out.push(...walk(project, child, root));
    else if (st.isFile() || (st.isSymbolicLink() && statSync(join(project, child)).isFile())) out.push(child);
  }
  return out;
}

function inside(root: string, path: string): boolean {
  const r = relative(root, path);
  return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && !r.startsWith('/'));
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
