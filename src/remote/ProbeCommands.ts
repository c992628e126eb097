// The first command on every host: one round trip that says where home is, which Compose
// the host has (v2 plugin or v1 binary, detected per host), and whether Docker answers.
export type ComposeVariant = 'v2' | 'v1';

export interface HostFacts {
  home: string;
  compose?: ComposeVariant;
  dockerVersion?: string;
  dockerError?: string;
}

export const probeScript = [
  `printf 'home=%s\\n' "$HOME"`,
  `if docker compose version >/dev/null 2>&1; then echo compose=v2; elif command -v docker-compose >/dev/null 2>&1; then echo compose=v1; else echo compose=none; fi`,
  `v=$(docker version --format '{{.Server.Version}}' 2>&1) && echo "docker=$v" || echo "dockererr=$(echo $v | tr '\\n' ' ')"`,
].join('; ');

export function parseProbe(stdout: string): HostFacts {
  const kv = new Map<string, string>();
  for (const l of stdout.split('\n')) {
    const eq = l.indexOf('=');
    if (eq > 0) kv.set(l.slice(0, eq), l.slice(eq + 1).trim());
  }
  const compose = kv.get('compose');
  return {
    home: kv.get('home') ?? '',
    compose: compose === 'v2' || compose === 'v1' ? compose : undefined,
    dockerVersion: kv.get('docker'),
    dockerError: kv.get('dockererr'),
  };
}
