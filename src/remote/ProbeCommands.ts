// The first command on every host: one round trip that says where home is, which Compose
// the host has (v2 plugin or v1 binary, detected per host), and whether Docker answers.
export type ComposeVariant = 'v2' | 'v1';

export interface HostFacts {
  home: string;
  compose?: ComposeVariant;
  dockerVersion?: string;
  dockerError?: string;
}

// The Docker engine is asked in the background while Compose is looked for: the two CLI starts
// overlap, and each answer is one short line, written whole, in any order. (One command a line:
// `&` ends a command, so `& ;` would not parse.)
export const probeScript = [
  `printf 'home=%s\\n' "$HOME"`,
  `{ v=$(docker version --format '{{.Server.Version}}' 2>&1) && echo "docker=$v" || echo "dockererr=$(echo $v | tr '\\n' ' ')"; } &`,
  `if docker compose version >/dev/null 2>&1; then echo compose=v2; elif command -v docker-compose >/dev/null 2>&1; then echo compose=v1; else echo compose=none; fi`,
  `wait`,
].join('\n');

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
