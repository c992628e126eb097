// validate-config on the run page: one annotation per problem on its file, line and column (capped,
// with a count of the rest), and a job summary table of file, schema, result and errors.
import { annotate, RunSummary, type Outcome } from '../report/Reporter.js';
import type { ValidationReport } from './ConfigValidator.js';
import { ruleTitle, type Finding } from './Finding.js';

export const ANNOTATION_CAP = 50;
/** Summary rows and listed problems are capped too: a job summary holds at most 1 MiB. */
const SUMMARY_ROWS = 500;
const SUMMARY_PROBLEMS = 1000;

export type Mode = 'fail' | 'warn';

export type Annotate = typeof annotate;

function kindOf(f: Finding, mode: Mode): 'error' | 'warning' {
  return mode === 'warn' ? 'warning' : f.severity;
}

/** Annotates the first ANNOTATION_CAP findings and says how many more there are. Returns how many it annotated. */
export function annotateFindings(report: ValidationReport, mode: Mode, emit: Annotate = annotate): number {
  const shown = report.findings.slice(0, ANNOTATION_CAP);
  for (const f of shown) {
    emit(kindOf(f, mode), f.message, ruleTitle[f.rule], {
      file: f.file,
      line: f.span?.line,
      column: f.span?.column,
      endLine: f.span?.endLine,
      endColumn: f.span?.endColumn,
    });
  }
  const rest = report.findings.length - shown.length;
  if (rest > 0)
    emit(
      mode === 'warn' || report.errorCount === 0 ? 'warning' : 'error',
      `${rest} more problem${rest === 1 ? '' : 's'} not annotated (the first ${ANNOTATION_CAP} are): see the job summary for all ${report.findings.length}`,
      'validate-config',
    );
  return shown.length;
}

function place(f: Finding): string {
  if (!f.file) return '(inputs)';
  if (!f.span) return f.file;
  return `${f.file}:${f.span.line}:${f.span.column}`;
}

export function configSummary(report: ValidationReport, mode: Mode): RunSummary {
  const s = new RunSummary('validate-config');
  const n = report.filesChecked;
  const files = `${n} file${n === 1 ? '' : 's'}`;
  const problems = report.errorCount + report.warningCount;
  let outcome: Outcome = 'success';
  let head = `${files} valid`;
  if (report.errorCount && mode === 'fail') {
    const errors = report.findings.filter((f) => f.severity === 'error');
    const bad = new Set(errors.filter((f) => f.file).map((f) => f.file)).size;
    const where = [bad ? `${bad} file${bad === 1 ? '' : 's'}` : '', errors.some((f) => !f.file) ? 'the inputs' : '']
      .filter(Boolean)
      .join(' and ');
    outcome = 'failure';
    head = `${report.errorCount} error${report.errorCount === 1 ? '' : 's'} in ${where} (${n} checked)`;
  } else if (problems) {
    outcome = 'warning';
    head = `${problems} problem${problems === 1 ? '' : 's'} in ${files}${mode === 'warn' ? ' (mode: warn, the step passes)' : ''}`;
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
  if (rows.length > SUMMARY_ROWS) s.paragraph(`…and ${rows.length - SUMMARY_ROWS} more files (all valid).`);

  const listed = report.findings.slice(0, SUMMARY_PROBLEMS);
  if (listed.length) {
    const body = listed.map((f) => `${place(f)}  [${ruleTitle[f.rule]}] ${f.message}`).join('\n');
    const more = report.findings.length - listed.length;
    s.details(`All ${report.findings.length} problems${more ? ` (first ${listed.length} listed)` : ''}`, body);
  }
  if (report.composeCli)
    s.paragraph(
      `Compose files were also checked with \`${report.composeCli === 'v2' ? 'docker compose' : 'docker-compose'} config\`.`,
    );
  s.facts({});
  return s;
}
