// The hand-written deploy this project replaces, as people write it: ssh, copy the compose file,
// compose pull && up -d, then poll the health URL on the server over ssh. The benches time the
// action against it. The image is the script's first argument.
import { spawn } from 'node:child_process';

export interface PlainDeploy {
  /** user@host:port, as the action's `hosts` input names the server. */
  hostSpec: string;
  keyFile: string;
  knownFile: string;
  app: string;
  /** The folder holding docker-compose.yml on the runner. */
  workspace: string;
  /** The app's port on the server's loopback. */
  port: number;
  /** The gate: `successes` good answers in a row, `interval` seconds apart. */
  interval: number;
  successes: number;
}

export function plainDeployScript(d: PlainDeploy): string {
  const m = /^(.+)@(.+):(\d+)$/.exec(d.hostSpec);
  if (!m) throw new Error(`plainDeployScript: '${d.hostSpec}' is not user@host:port`);
  const [, user, host, sshPort] = m;
  const opts = `-i ${d.keyFile} -o UserKnownHostsFile=${d.knownFile} -o BatchMode=yes`;
  return `
set -eu
SSH="ssh ${opts} -p ${sshPort} ${user}@${host}"
DIR=njord/${d.app}
$SSH "mkdir -p $DIR"
scp -q ${opts} -P ${sshPort} ${d.workspace}/docker-compose.yml ${user}@${host}:$DIR/docker-compose.yml
$SSH "cd $DIR && export IMAGE=$1 && docker-compose -p ${d.app} pull -q && docker-compose -p ${d.app} up -d --remove-orphans"
# The app's port is on the server's loopback: poll it there, in one more ssh session.
$SSH bash -s <<'POLL'
ok=0
for i in $(seq 1 60); do
  if curl -fsS -o /dev/null http://127.0.0.1:${d.port}/health; then ok=$((ok+1)); else ok=0; fi
  [ "$ok" -ge ${d.successes} ] && exit 0
  sleep ${d.interval}
done
exit 1
POLL
`;
}

/** Runs the scripts at once (as `&` and `wait` would), each with `image`; rejects when one fails. */
export async function runPlainDeploys(scripts: string[], image: string): Promise<void> {
  await Promise.all(
    scripts.map(
      (script) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn('bash', ['-c', script, 'deploy', image], { stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (b: Buffer) => (out += b.toString()));
          child.stderr.on('data', (b: Buffer) => (out += b.toString()));
          child.on('error', reject);
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`plain deploy failed:\n${out}`))));
        }),
    ),
  );
}
