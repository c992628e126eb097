// How a rollback reads on the run page (and, rendered as text, in the terminal): from → to per
// host with times, why it failed, and the releases there are when `to` matched none.
import { describeSwitch } from '../deploy/zeroDowntime/describeSwitch.js';
import { describeAttempt } from '../health/HealthGate.js';
import { annotate } from '../report/RunPage.js';
import { formatMs, RunSummary, shortImage, type Outcome } from '../report/SummaryMarkdown.js';
import type { HostRollbackResult } from './HostRollback.js';
import type { RollbackOutcome } from './Rollback.js';
import type { ReleaseRow } from './RollbackTarget.js';
import { rolloutSection } from '../report/RolloutReport.js';

export function rollbackSummary(app: string, o: RollbackOutcome): RunSummary {
  const targets = [...new Set(o.hosts.map((h) => h.target).filter(Boolean))];
  const to = targets.length === 1 ? ` to \`${targets[0]}\`` : '';
  const [outcome, text]: [Outcome, string] =
    o.status === 'rolled-back'
      ? ['success', `rolled back${to}`]
      : o.status === 'dry-run'
        ? ['neutral', `dry run${to} (nothing changed)`]
        : o.error
          ? ['failure', 'no such release (nothing changed)']
          : ['failure', `rollback${to} failed`];
  const s = new RunSummary(`Rollback ${app}`).headline(outcome, text);
  if (o.error) s.paragraph(o.error.message.split('\n')[0]!);
  s.table(
    ['Host', 'Result', 'From', 'To', 'Now running', 'Image', 'Lock wait', 'Pull', 'Start', 'Gate'],
    o.hosts.map((h) => [
      h.host,
      h.status,
      h.from ?? 'nothing',
      h.target,
      o.status === 'dry-run' || o.error ? (h.from ?? 'nothing') : (h.release ?? 'nothing healthy'),
      h.image ? shortImage(h.image) : undefined,
      formatMs(h.timings.lockMs),
      h.pulled ? `${formatMs(h.timings.pullMs)} (pruned, pulled again)` : h.pulled === false ? 'present' : undefined,
      formatMs(h.timings.startMs),
      h.gate ? `${formatMs(h.timings.gateMs)}${h.gate.healthy ? '' : ' ✗'}` : undefined,
    ]),
  );
  rolloutSection(s, o.rollout);
  for (const h of o.hosts) hostDetails(s, h, o.status);
  const first = o.hosts[0];
  return s.facts({
    release: o.status === 'rolled-back' ? first?.release : undefined,
    image: o.status === 'rolled-back' ? first?.image : undefined,
    tookMs: o.tookMs,
  });
}

function hostDetails(s: RunSummary, h: HostRollbackResult, status: RollbackOutcome['status']): void {
  if (h.releases) {
    s.paragraph(`**${h.host}**: ${h.reason}. The releases kept there:`);
    releaseTable(s, h.releases);
    return;
  }
  if (h.status === 'unchanged')
    s.paragraph(
      `**${h.host}**: not reached, the rollout stopped first: left as it was. Now running: ${h.release ? `\`${h.release}\`` : 'nothing'}.`,
    );
  if (h.note) s.paragraph(`**${h.host}**: ${h.note}.`);
  if (h.switch) s.paragraph(describeSwitch(h.host, h.switch));
  if (h.reason && status === 'failed')
    s.paragraph(`**${h.host}**: ${h.reason}. Now running: ${h.release ? `\`${h.release}\`` : 'nothing healthy'}.`);
  for (const [name, g] of [
    ['target', h.gate],
    ['restored release', h.restoreGate],
  ] as const) {
    if (!g || g.healthy) continue;
    const last = g.attempts.slice(-5).map((a) => `+${formatMs(a.at)}  ${describeAttempt(a.results, a.extra)}`);
    s.details(`${h.host}: last health answers of the ${name}`, last.join('\n'));
  }
  for (const l of h.logs ?? []) s.details(`${h.host}: logs of ${l.name}`, l.tail || '(no output)');
  if (h.plan) s.details(`${h.host}: plan`, h.plan.join('\n'), 'text');
}

export function releaseTable(s: RunSummary, rows: ReleaseRow[]): void {
  s.table(
    ['Release', 'Image', 'Deployed', 'By', 'Status'],
    rows.map((r) => [r.current ? `${r.id} (current)` : r.id, r.image, r.createdAt, r.actor, r.status]),
  );
}

/** The step's failure message, or undefined when the rollback did what was asked. */
/** The rollback's outputs (the action's and the CLI's): the first host's releases. */
export function rollbackOutputs(o: RollbackOutcome): Record<string, string | undefined> {
  const first = o.hosts[0];
  return {
    status: o.status,
    release: o.status === 'dry-run' ? first?.from : first?.release,
    'rolled-back-from': first?.from,
  };
}

export function rollbackFailure(app: string, o: RollbackOutcome): string | undefined {
  if (o.error) return o.error.message;
  if (o.status !== 'failed') return undefined;
  return `Rollback of ${app} failed: ${o.hosts
    .filter((h) => h.status === 'failed')
    .map((h) => `${h.host}: ${h.reason}`)
    .join('; ')}`;
}

export function rollbackAnnotations(app: string, o: RollbackOutcome): void {
  if (o.status === 'dry-run' || o.error) return;
  if (o.status === 'rolled-back') {
    annotate(
      'notice',
      `${app} is back on ${o.hosts.map((h) => `${h.release} on ${h.host}`).join(', ')}`,
      'Rolled back',
    );
    return;
  }
  for (const h of o.hosts.filter((x) => x.status === 'failed'))
    annotate(
      'error',
      `${h.host}: rollback to ${h.target} failed: ${h.reason}. Now running: ${h.release ?? 'nothing healthy'}.`,
      'Rollback failed',
    );
}
