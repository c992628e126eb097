// The image input: a repository name without tag or digest, lower-cased as GHCR demands, split into
// the registry docker talks to and the repository path the registry API uses.
import { InputError } from '../inputs/InputError.js';

export interface ImageName {
  /** The name as tags are written on it: ghcr.io/acme/shop, 127.0.0.1:5000/app, acme/shop. */
  name: string;
  /** The registry as docker names it for login: ghcr.io, 127.0.0.1:5000, docker.io. */
  registry: string;
  /** The repository path in the registry's API: acme/shop (library/nginx on Docker Hub). */
  path: string;
  /** The input had upper-case letters, lower-cased here. */
  lowered: boolean;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d{1,5})?$/;

/** The first component names a registry when it looks like a host: a dot, a port, or localhost. */
function isRegistryHost(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost';
}

export function parseImageName(input: string, inputName = 'image'): ImageName {
  const given = input.trim();
  if (!given) throw new InputError(inputName, 'is empty: give a repository like ghcr.io/acme/shop');
  if (given.includes('@'))
    throw new InputError(inputName, `'${given}' has a digest; give the repository name only, like ghcr.io/acme/shop`);
  const lastSlash = given.lastIndexOf('/');
  if (given.lastIndexOf(':') > lastSlash)
    throw new InputError(
      inputName,
      `'${given}' has a tag; give the repository name only and put extra tags in the tags input`,
    );
  const name = given.toLowerCase();
  const parts = name.split('/');
  const hasHost = parts.length > 1 && isRegistryHost(parts[0]!);
  const registry = hasHost ? parts[0]! : 'docker.io';
  const repo = hasHost ? parts.slice(1) : parts;
  if (hasHost && !HOST.test(registry))
    throw new InputError(inputName, `'${given}': '${parts[0]}' is not a registry host (e.g. ghcr.io)`);
  for (const c of repo)
    if (!COMPONENT.test(c))
      throw new InputError(
        inputName,
        `'${given}': '${c}' is not a valid repository name part (letters, digits, and . _ - between them)`,
      );
  const path = registry === 'docker.io' && repo.length === 1 ? `library/${repo[0]}` : repo.join('/');
  return { name, registry, path, lowered: name !== given };
}

/** The host the registry's HTTP API answers on (Docker Hub's differs from its name). */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}
