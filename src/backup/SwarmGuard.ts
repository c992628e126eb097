// Runs the swarm checks of SwarmApp on every host of a backup or restore, in parallel, before any
// lock is taken: the first refusal fails the run with the hosts as they were.
import type { HostSession } from '../ssh/HostSession.js';
import { readSwarmFacts, swarmRefusal, type SwarmFacts, type SwarmRequest } from './SwarmApp.js';

/** Throws the refusal of the first host where the app is a stack and more than paths was asked; returns each host's facts. */
export async function refuseSwarm(
  sessions: HostSession[],
  app: string,
  action: 'backup' | 'restore',
  req: SwarmRequest,
): Promise<Map<string, SwarmFacts>> {
  const facts = await Promise.all(sessions.map((s) => readSwarmFacts(s, app)));
  sessions.forEach((s, i) => {
    const refusal = swarmRefusal(facts[i]!, { app, host: s.spec.label, action }, req);
    if (refusal) throw refusal;
  });
  return new Map(sessions.map((s, i) => [s.spec.label, facts[i]!]));
}
