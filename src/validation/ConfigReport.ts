// validate-config on the run page: one annotation per problem on its file, line and column (as many
// as GitHub shows, with a count of the rest), every problem in the log, and a job summary table of
// file, schema, result and errors.
import type { Log } from '../report/Log.js';
import { annotate } from '../report/RunPage.js';
import { RunSummary, type Outcome } from '../report/SummaryMarkdown.js';
import type { ValidationReport } from './ConfigValidator.js';
import { ruleTitle, type Finding } from './Finding.js';

/**
 * GitHub shows at most 10 error and 10 warning annotations of a step (and 50 of a job) and drops
 * the rest silently, so the count line and the step's failure must fit within them.
 */
export const ANNOTATIONS_PER_KIND = 10;
/** Summary rows and listed problems are capped too: a job summary holds at most 1 MiB. */
const SUMMARY_ROWS = 500;
const SUMMARY_PROBLEMS = 1000;

export type Mode = 'fail' | 'warn';

export type Annotate = typeof annotate;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function kindOf(f: Finding, mode: Mode): 'error' | 'warning' {
  return mode === 'warn' ? 'warning' : f.severity;
}

/** Whether the step ends with core.setFailed, which is one more error annotation. */
export function failsStep(report: ValidationReport, mode: Mode): boolean {
  return mode === 'fail' && report.errorCount > 0;
}

/**
 * Annotates findings in order, at most ANNOTATIONS_PER_KIND errors and as many warnings, counting
 * the failure message and a "N more" line within them. Returns how many findings it annotated.
 */
export function annotateFindings(report: ValidationReport, mode: Mode, emit: Annotate = annotate): number {
  const shown = new Set<Finding>();
  const counts: [kind: 'error' | 'warning', rest: number, all: number][] = [];
  for (const kind of ['error', 'warning'] as const) {
    const of = report.findings.filter((f) => kindOf(f, mode) === kind);
    const room = ANNOTATIONS_PER_KIND - (kind === 'error' && failsStep(report, mode) ? 1 : 0);
    const fit = of.length <= room ? of : of.slice(0, room - 1);
    for (const f of fit) shown.add(f);
    if (fit.length < of.length) counts.push([kind, of.length - fit.length, of.length]);
  }
  for (const f of report.findings.filter((x) => shown.has(x))) {
    emit(kindOf(f, mode), f.message, ruleTitle[f.rule], {
      file: f.file,
      line: f.span?.line,
      column: f.span?.column,
      endLine: f.span?.endLine,
      endColumn: f.span?.endColumn,
    });
  }
  for (const [kind, rest, all] of counts)
    emit(
      kind,
      `${plural(rest, `more ${kind}`)} not annotated ` +
        `(GitHub shows ${ANNOTATIONS_PER_KIND} per step): all ${all} are in the log and the job summary`,
      'validate-config',
    );
  return shown.size;
}

function place(f: Finding): string {
  if (!f.file) return '(inputs)';
  if (!f.span) return f.file;
  return `${f.file}:${f.span.line}:${f.span.column}`;
}

/** One line per problem: where, what kind, and what to fix. */
function problemLine(f: Finding): string {
  return `${place(f)}  [${ruleTitle[f.rule]}] ${f.message}`;
}

/** Every problem in the step's log, annotated or not. */
export function logFindings(report: ValidationReport, log: Log): void {
  const n = report.findings.length;
  if (!n) return;
  log.info(`validate-config: ${plural(n, 'problem')}:`);
  // One line each: a message's own line break must not start a workflow command.
  for (const f of report.findings) log.info(`  ${problemLine(f).replace(/\r?\n/g, ' ')}`);
}

export function configSummary(report: ValidationReport, mode: Mode): RunSummary {
  const s = new RunSummary('validate-config');
  const n = report.filesChecked;
  const files = plural(n, 'file');
  const problems = report.errorCount + report.warningCount;
  let outcome: Outcome = 'success';
  let head = `${files} valid`;
  if (report.errorCount && mode === 'fail') {
    const errors = report.findings.filter((f) => f.severity === 'error');
    const bad = new Set(errors.filter((f) => f.file).map((f) => f.file)).size;
    const where = [bad ? plural(bad, 'file') : '', errors.some((f) => !f.file) ? 'the inputs' : '']
      .filter(Boolean)
      .join(' and ');
    outcome = 'failure';
    head = `${plural(report.errorCount, 'error')} in ${where} (${n} checked)`;
  } else if (problems) {
    outcome = 'warning';
    head = `${plural(problems, 'problem')} in ${files}${mode === 'warn' ? ' (mode: warn, the step passes)' : ''}`;
  }
  s.headline(outcome, head);

  const general = report.general;
  if (general.length) s.paragraph(general.map((f) => `- ${f.message}`).join('\n'));

  const rows = [...report.files].sort(
    (a, b) => Number(!a.findings.length) - Number(!b.findings.length) || a.file.localeCompare(b.file),
  );
  const icon = (count: number, errors: number) =>
    count === 0 ? '✅ valid' : errors && mode === 'fail' ? '❌ invalid' : '⚠️ problems';
  s.table(
    ['File', 'Schema', 'Result', 'Errors'],
    rows.slice(0, SUMMARY_ROWS).map((r) => {
      const errors = r.findings.filter((f) => f.severity === 'error').length;
      const schema = r.kind === 'secrets' ? '(secrets file)' : r.schema ? r.schema : '(syntax only)';
      return [`\`${r.file}\``, schema, icon(r.findings.length, errors), r.findings.length];
    }),
  );
  const unlisted = rows.slice(SUMMARY_ROWS);
  if (unlisted.length)
    s.paragraph(
      `…and ${plural(unlisted.length, 'more file')}${unlisted.every((r) => !r.findings.length) ? ', with no problems' : ''}.`,
    );

  const listed = report.findings.slice(0, SUMMARY_PROBLEMS);
  if (listed.length) {
    const all = report.findings.length;
    const title = all === 1 ? 'The 1 problem' : `All ${all} problems`;
    s.details(
      `${title}${all > listed.length ? ` (first ${listed.length} listed)` : ''}`,
      listed.map(problemLine).join('\n'),
    );
  }
  if (report.composeCli)
    s.paragraph(
      `Compose files were also checked with \`${report.composeCli === 'v2' ? 'docker compose' : 'docker-compose'} config\`.`,
    );
  s.facts({});
  return s;
}
