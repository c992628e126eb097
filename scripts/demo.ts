// The quick start's first command: a full deploy story on a local sandbox, through the bundled
// action exactly as a GitHub runner runs it. It starts dockerd, a registry and servers (containers
// with their own sshd and dockerd, reached over SSH like any other machine), then tells one story:
//   npm run demo                   one server: v1, v2, a broken v3 rolled back, then the same with zero downtime
//   npm run demo -- --servers 3    a fleet: v1 on all, v2 one server at a time, a broken v3 stopped at the canary
//   npm run demo -- --swarm        a three-manager swarm: v1, a rolling update to v2 under load, a broken v3 put back
// Run as root.
import { startSandbox, sandboxUnavailableReason } from '../tests/sandbox/Sandbox.js';
import { fleetStory } from './demo/fleet.js';
import { oneServerStory } from './demo/one-server.js';
import { say } from './demo/show.js';
import { swarmStory } from './demo/swarm.js';

const USAGE = 'usage: npm run demo [-- --servers N (2 to 4) | -- --swarm]';

/** The story the command line asks for; exits with the usage on anything else. */
function story(args: string[]): { servers: number; swarm: boolean } {
  const wanted = { servers: 1, swarm: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.split('=', 2);
    if (flag === '--swarm' && inline === undefined) wanted.swarm = true;
    else if (flag === '--servers') {
      const value = inline ?? args[++i];
      if (!/^[1-4]$/.test(value ?? '')) fail(`--servers takes a count of servers from 1 to 4, not '${value ?? ''}'`);
      wanted.servers = Number(value);
    } else fail(`unknown argument '${arg}'`);
  }
  if (wanted.swarm && wanted.servers > 1) fail('--swarm runs on its own three managers: leave out --servers');
  return wanted;
}

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const wanted = story(process.argv.slice(2));
const reason = sandboxUnavailableReason();
if (reason) {
  console.error(`The demo needs the local sandbox, which cannot run here: ${reason}. Run it as root on Linux.`);
  process.exit(1);
}

say('Starting the sandbox: dockerd, a registry, and servers with their own sshd and dockerd …');
const info = await startSandbox();
console.log(`server ${info.server}, reached as ${info.hostSpec}; registry ${info.registry}`);

if (wanted.swarm) await swarmStory(info);
else if (wanted.servers > 1) await fleetStory(info, wanted.servers);
else await oneServerStory(info);
