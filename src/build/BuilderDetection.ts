// Which builder the runner has: buildx (GitHub's runners, Docker Desktop) or only the classic
// `docker build` (older engines, this project's sandbox). Quick CLI calls, parsed here.
import type { DockerCli } from './DockerCli.js';

export type Builder =
  { kind: 'buildx'; version: string; name: string; driver: string } | { kind: 'classic'; why: string };

/** `docker buildx inspect` (any buildx version): the builder's name and driver, before its nodes. */
export function parseBuildxInspect(stdout: string): { name: string; driver: string } | undefined {
  const head = stdout.split(/^Nodes:/m)[0] ?? '';
  const name = /^Name:\s*(\S+)/m.exec(head)?.[1];
  const driver = /^Driver:\s*(\S+)/m.exec(head)?.[1];
  return name && driver ? { name, driver } : undefined;
}

/** `github.com/docker/buildx v0.12.1 30feaa1` → `v0.12.1`. */
export function parseBuildxVersion(stdout: string): string | undefined {
  return /\bv?\d+\.\d+\.\d+\S*/.exec(stdout.trim())?.[0];
}

export async function detectBuilder(docker: DockerCli): Promise<Builder> {
  const version = await docker.run(['buildx', 'version']);
  if (version.code !== 0) return { kind: 'classic', why: 'the docker CLI has no buildx plugin' };
  const inspect = await docker.run(['buildx', 'inspect']);
  const builder = inspect.code === 0 ? parseBuildxInspect(inspect.stdout) : undefined;
  if (!builder) return { kind: 'classic', why: `buildx has no usable builder: ${inspect.stderr.trim()}` };
  return { kind: 'buildx', version: parseBuildxVersion(version.stdout) ?? 'unknown', ...builder };
}
