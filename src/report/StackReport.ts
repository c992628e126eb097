// A swarm app on the run page (mode: swarm): the stack as the deploy left it, each service with its
// image, how many of its tasks run and on which nodes.
import type { HostResult } from '../deploy/HostDeployment.js';
import { shortImage, type RunSummary } from './SummaryMarkdown.js';

export function stackSection(s: RunSummary, hosts: HostResult[]): void {
  for (const h of hosts) {
    if (!h.stack) continue;
    s.paragraph(`**Stack \`${h.stack.stack}\`** as this run left it, read from the manager ${h.host}:`);
    s.table(
      ['Service', 'Image', 'Tasks running', 'Nodes', 'Last update'],
      h.stack.services.map((svc) => [
        svc.name,
        `\`${shortImage(svc.image)}\``,
        svc.wanted === undefined ? `${svc.running} (global)` : `${svc.running}/${svc.wanted}`,
        svc.nodes.join(', ') || undefined,
        svc.update,
      ]),
    );
  }
}
