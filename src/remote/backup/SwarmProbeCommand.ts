// What backup and restore read first, to tell a swarm stack from a Compose app on a host: whether
// this manager lists a stack of the app's name (and the nodes its tasks run on), how many of the
// stack's task containers and volumes this node holds, then the current release's release.json.
// One round trip, read only; a worker or a host outside any swarm answers 0 and no nodes.
import { line, quote } from '../Shell.js';

export function swarmProbeCommand(app: string, currentManifest: string): string {
  const label = `label=com.docker.stack.namespace=${app}`;
  const stack = `docker stack ls --format '{{.Name}}' 2>/dev/null | grep -cxF ${quote(app)}`;
  const nodes = `docker stack ps --filter desired-state=running --format '{{.Node}}' ${quote(app)} 2>/dev/null | sort -u | tr '\\n' ' '`;
  const tasks = `${line(['docker', 'ps', '-aq', '--filter', label])} | wc -l`;
  const volumes = `${line(['docker', 'volume', 'ls', '-q', '--filter', label])} | wc -l`;
  return [
    `printf 'stack %s\\nnodes %s\\ntasks %s\\nvolumes %s\\n' "$(${stack})" "$(${nodes})" "$(${tasks})" "$(${volumes})"`,
    `cat ${quote(currentManifest)} 2>/dev/null || true`,
  ].join('; ');
}
