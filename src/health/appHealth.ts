// The app's runtime as the gate sees it on one host: Compose's containers, or a swarm stack.
import type { SshConnection } from '../ssh/SshConnection.js';
import { ContainerHealth, type AppHealth } from './ContainerHealth.js';
import { SwarmHealth } from './SwarmHealth.js';

export function appHealth(ssh: SshConnection, app: string, mode: 'compose' | 'swarm' | undefined): AppHealth {
  return mode === 'swarm' ? new SwarmHealth(ssh, app) : new ContainerHealth(ssh, app);
}
