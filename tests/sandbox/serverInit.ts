// What runs inside a test server (tests/sandbox/Servers.ts): its init script and sshd config. The
// server is a container with its own network namespace, sshd and dockerd, so that 127.0.0.1 there
// is not the runner's, and a file there is not on the runner.

/** sshd as the old loopback sandbox had it, on the server's port 22. */
export const SERVER_SSHD_CONFIG = [
  '# njord test server sshd (tests/sandbox/serverInit.ts)',
  'Port 22',
  'HostKey /etc/ssh/ssh_host_ed25519_key',
  'AuthorizedKeysFile .ssh/authorized_keys',
  'PubkeyAuthentication yes',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'PermitRootLogin no',
  'UsePAM no',
  'StrictModes yes',
  'PermitUserEnvironment no',
  'X11Forwarding no',
  'AllowTcpForwarding yes',
  'AllowStreamLocalForwarding yes',
  'PrintMotd no',
  'PrintLastLog no',
  // Tests open many connections at once (parallel hosts, retries).
  'MaxStartups 200:30:400',
  'MaxSessions 100',
  'ClientAliveInterval 30',
  'Subsystem sftp internal-sftp',
  'LogLevel VERBOSE',
  '',
].join('\n');

/**
 * PID 2 under docker's --init: makes the users, starts sshd, then runs dockerd, again when it ends.
 * NJORD_AUTHORIZED_KEY is the sandbox client's public key; NJORD_USERS the users to make (the
 * second gets the Compose v2 plugin when /usr/local/lib/njord/docker-compose-v2 is mounted).
 */
export const SERVER_INIT = `#!/bin/sh
# njord test server init (tests/sandbox/serverInit.ts)
# Docker mounts /sys and the cgroup hierarchies read-only in a container; dockerd needs them writable.
# (A cgroup v1 hierarchy is a bind mount: its ro flag changes only with remount,bind.)
mount -o remount,rw /sys 2>/dev/null
for d in /sys/fs/cgroup /sys/fs/cgroup/*; do
  mountpoint -q "$d" || continue
  mount -o remount,bind,rw "$d" 2>/dev/null || mount -o remount,rw "$d" 2>/dev/null
done
v1user=\${NJORD_USERS%% *}
v2user=\${NJORD_USERS#* }
for u in $NJORD_USERS; do
  # '*': no password matches, without the account being locked (sshd refuses locked ones).
  id "$u" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --groups docker -p '*' "$u"
  install -d -m 700 -o "$u" -g "$u" "/home/$u/.ssh"
  printf '%s\\n' "$NJORD_AUTHORIZED_KEY" > "/home/$u/.ssh/authorized_keys"
  chown "$u:$u" "/home/$u/.ssh/authorized_keys"
  chmod 600 "/home/$u/.ssh/authorized_keys"
done
if [ -f /usr/local/lib/njord/docker-compose-v2 ] && [ "$v2user" != "$v1user" ]; then
  install -d -o "$v2user" -g "$v2user" "/home/$v2user/.docker" "/home/$v2user/.docker/cli-plugins"
  install -m 755 -o "$v2user" -g "$v2user" /usr/local/lib/njord/docker-compose-v2 \\
    "/home/$v2user/.docker/cli-plugins/docker-compose"
fi
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
mkdir -p /run/sshd
/usr/sbin/sshd -E /var/log/sshd.log
# dockerd is supervised, as systemd does on a real server: a test that kills it (the fault
# matrix) sees it come back, and the server lives on.
stopping=
trap 'stopping=1; kill -TERM $dockerd 2>/dev/null' TERM INT
while [ -z "$stopping" ]; do
  rm -f /var/run/docker.pid
  dockerd >> /var/log/dockerd.log 2>&1 &
  dockerd=$!
  # wait returns early on a trapped signal: wait again until dockerd has really ended.
  while kill -0 $dockerd 2>/dev/null; do wait $dockerd; done
  [ -n "$stopping" ] || sleep 1
done
exit 0
`;

/** The server's dockerd: pulls from the sandbox registry by its name on the test network. */
export function serverDaemonJson(registryName: string): string {
  return JSON.stringify({ 'insecure-registries': [registryName], 'log-level': 'warn' }, null, 2) + '\n';
}
