// How a deploy (and a rollback, which shares its shape) reads on the run page.
import type { DeployConfig } from '../deploy/DeployConfig.js';
import type { DeployOutcome } from '../deploy/Deployer.js';
import type { HostResult } from '../deploy/HostDeployment.js';
import { describeAttempt } from '../health/HealthGate.js';
import { describeSwitch } from '../deploy/zeroDowntime/describeSwitch.js';
import type { DeploymentRequest, FinalState } from './Deployments.js';
import { releaseTasksSection } from './ReleaseTasksReport.js';
import { annotate } from './RunPage.js';
import { watchSection } from './WatchReport.js';
import { pathOf, rolloutSection } from './RolloutReport.js';
import { stackSection } from './StackReport.js';
import { formatMs, RunSummary, shortImage, type Outcome, type RunFacts } from './SummaryMarkdown.js';

function headline(o: DeployOutcome): [Outcome, string] {
  const release = `release \`${o.releaseId}\``;
  if (o.status === 'deployed') return ['success', `deployed — ${release}`];
  if (o.status === 'rolled-back')
    return [
      'failure',
      `rolled back — ${release} ${o.hosts.some((h) => h.watch?.tripped) ? 'tripped a rollback trigger in its watch' : 'failed its health gate'}`,
    ];
  if (o.status === 'dry-run') return ['neutral', `dry run (nothing changed) — ${release}`];
  if (o.error) return ['failure', `failed before the rollout (nothing changed) — ${release}`];
  return ['failure', `failed — ${release}`];
}

/** The image as a table shows it: short digest, and the digest it resolved to when given by tag. */
function imageCell(h: HostResult): string | undefined {
  if (!h.image) return undefined;
  const pinned = h.image.includes('@sha256:');
  return `\`${shortImage(h.image)}\`${!pinned && h.digest ? ` (${h.digest.slice(0, 19)}…)` : ''}`;
}

export function deploySummary(
  app: string,
  o: DeployOutcome,
  facts: Pick<RunFacts, 'environment' | 'tookMs'> = {},
): RunSummary {
  const [outcome, text] = headline(o);
  const s = new RunSummary(`Deploy ${app}`).headline(outcome, text);
  if (o.error) s.paragraph(o.error.message.split('\n')[0]!);
  // The tasks' column only where a deploy has tasks (or backup-before): other summaries keep their shape.
  const tasks = !!o.releaseTasks;
  s.table(
    ['Host', 'Result', 'Now running', 'Image', 'Connect', 'Pull', ...(tasks ? ['Tasks'] : []), 'Start', 'Gate'],
    o.hosts.map((h) => [
      h.host,
      h.status,
      h.release ?? 'nothing',
      imageCell(h),
      formatMs(h.timings.connectMs),
      formatMs(h.timings.pullMs),
      ...(tasks ? [formatMs(h.timings.tasksMs)] : []),
      formatMs(h.timings.startMs),
      h.gate ? `${formatMs(h.timings.gateMs)}${h.gate.healthy ? '' : ' ✗'}` : undefined,
    ]),
  );
  rolloutSection(s, o.rollout);
  stackSection(s, o.hosts);
  releaseTasksSection(s, o.releaseTasks);
  watchSection(s, o.hosts);
  for (const h of o.hosts) hostDetails(s, h, !!o.error, o);
  const first = o.hosts[0];
  // What this run deployed (the headline says what runs now).
  s.facts({ release: o.status === 'dry-run' ? undefined : o.releaseId, image: first?.image, ...facts });
  return s;
}

function hostDetails(s: RunSummary, h: HostResult, beforeRollout: boolean, o: DeployOutcome): void {
  const now = h.release ? `\`${h.release}\`` : 'nothing';
  if (h.status === 'unchanged' && o.rollout)
    s.paragraph(`**${h.host}**: not reached, the rollout stopped first: left as it was. Now running: ${now}.`);
  else if (pathOf(o.rollout, h.host) === 'switched, then back')
    s.paragraph(`**${h.host}**: release \`${h.attempted}\` was ${h.reason}. Now running: ${now}.`);
  else if (h.status === 'unchanged')
    s.paragraph(
      `**${h.host}**: was ready, and is left as it was: another host failed before the rollout. Now running: ${h.release ? `\`${h.release}\`` : 'nothing'}.`,
    );
  else if (h.reason && beforeRollout)
    s.paragraph(
      `**${h.host}**: failed before the rollout, at ${h.reason}. Nothing was changed; now running: ${h.release ? `\`${h.release}\`` : 'nothing'}.`,
    );
  else if (h.reason)
    s.paragraph(
      `**${h.host}**: release \`${h.attempted}\` failed: ${h.reason}. Now running: ${h.release ? `\`${h.release}\`` : 'nothing healthy'}.`,
    );
  if (h.switch) s.paragraph(describeSwitch(h.host, h.switch));
  if (h.gate && !h.gate.healthy) {
    const last = h.gate.attempts.slice(-5).map((a) => `+${formatMs(a.at)}  ${describeAttempt(a.results, a.extra)}`);
    s.details(`${h.host}: last health answers`, last.join('\n'));
  }
  for (const l of h.logs ?? []) s.details(`${h.host}: logs of ${l.name}`, l.tail || '(no output)');
  if (h.plan) s.details(`${h.host}: plan`, h.plan.join('\n'), 'text');
  if (h.pruned?.length) s.paragraph(`${h.host}: pruned old releases ${h.pruned.map((p) => `\`${p}\``).join(', ')}.`);
}

/** The deploy's outputs (the action's and the CLI's): the first host's releases. */
export function deployOutputs(o: DeployOutcome): Record<string, string | undefined> {
  const first = o.hosts[0];
  return {
    status: o.status,
    release: o.status === 'dry-run' ? '' : first?.release,
    'previous-release': first?.previous,
    'release-attempted': o.releaseId,
  };
}

export function deployAnnotations(app: string, o: DeployOutcome): void {
  if (o.status === 'deployed') {
    annotate(
      'notice',
      `${app} release ${o.releaseId} is healthy on ${o.hosts.map((h) => h.host).join(', ')}`,
      'Deployed',
    );
    return;
  }
  // A failure before the rollout is the step's one error (the summary has each host).
  if (o.status === 'dry-run' || o.error) return;
  for (const h of o.hosts.filter((x) => x.status !== 'deployed' && x.status !== 'unchanged')) {
    annotate(
      'error',
      `${h.host}: release ${h.attempted} ${h.status === 'rolled-back' ? 'was rolled back' : 'failed'}: ${h.reason}. Now running: ${h.release ?? 'nothing healthy'}.`,
      h.status === 'rolled-back' ? 'Rolled back' : 'Deploy failed',
    );
  }
}

/** The step's failure message, or undefined when the deploy did what was asked. */
export function deployFailure(app: string, o: DeployOutcome, seeWhere = 'the job summary'): string | undefined {
  if (o.error) return o.error.message;
  if (o.status !== 'failed' && o.status !== 'rolled-back') return undefined;
  return `Deploy of ${app} ${o.status === 'rolled-back' ? 'was rolled back' : 'failed'}: see ${seeWhere}`;
}

/**
 * The summary when the inputs are refused, before any host is contacted: the error, and each host
 * that could be read from the inputs, untouched.
 */
export function inputErrorSummary(app: string | undefined, error: Error, hosts: string[]): RunSummary {
  const refused = error.name === 'OutsideDeployWindow';
  const s = new RunSummary(app ? `Deploy ${app}` : 'Deploy').headline(
    'failure',
    refused ? 'refused: outside every deploy window (nothing changed)' : 'failed: bad input (nothing changed)',
  );
  s.paragraph(error.message.split('\n')[0]!);
  if (hosts.length)
    s.table(
      ['Host', 'Result'],
      hosts.map((h) => [h, `not contacted (${refused ? 'outside the deploy windows' : 'bad input'})`]),
    );
  return s.facts({});
}

/** The GitHub Deployment a deploy records: for the commit the image was built from. */
export function deploymentRequest(cfg: DeployConfig): DeploymentRequest {
  const hosts = cfg.hosts.map((h) => h.label);
  return {
    sha: cfg.meta.gitSha ?? '',
    description: `njord: deploying ${cfg.app} to ${hosts.length === 1 ? hosts[0] : `${hosts.length} hosts`}`,
    payload: { app: cfg.app, image: cfg.image ?? null, hosts },
  };
}

/** The deployment's last status and its description (GitHub shows it in the Environments list). */
export function deploymentVerdict(app: string, o: DeployOutcome): [FinalState, string] {
  const hosts = o.hosts.length === 1 ? o.hosts[0]!.host : `${o.hosts.length} hosts`;
  if (o.status === 'deployed') return ['success', `${app} release ${o.releaseId} is healthy on ${hosts}`];
  if (o.status === 'rolled-back')
    return ['failure', `${app} release ${o.releaseId} failed its health gate on ${hosts}; the previous release runs`];
  const reason = o.hosts.find((h) => h.reason)?.reason ?? o.error?.message ?? 'see the run';
  return ['failure', `${app} release ${o.releaseId} failed: ${reason}`];
}
