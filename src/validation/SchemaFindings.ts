// Findings from a parsed file: schema errors located on their line and column, the parser's own
// problems, and one finding per place and message.
import type { ErrorObject } from 'ajv';
import type { Finding } from './Finding.js';
import { explainErrors, type Explained } from './SchemaErrors.js';
import type { Span, YamlSource } from './YamlSource.js';

/** Puts an explained schema error on the source: the value, the unknown key, or the object's key. */
export function locateExplained(src: YamlSource, doc: number, x: Explained): Span {
  const loc = src.find(doc, x.path);
  if (x.at === 'object' && x.path.length === 0) {
    for (const p of x.conditionPaths ?? []) {
      const c = src.find(doc, p);
      if (c.depth === p.length && p.length) return src.valueSpan(c, doc);
    }
    return src.docStart(doc);
  }
  if (loc.depth < x.path.length || x.at !== 'value') return src.keyOrValueSpan(loc, doc);
  return src.valueSpan(loc, doc);
}

/** Schema errors of every document of a parsed file, located. */
export function schemaFindings(
  file: string,
  src: YamlSource,
  values: unknown[],
  validate: (v: unknown) => boolean,
  errorsOf: () => readonly ErrorObject[] | null | undefined,
  rule: 'schema' | 'compose-schema',
): Finding[] {
  const out: Finding[] = [];
  const docs = values.length ? values : [null];
  docs.forEach((value, doc) => {
    if (validate(value)) return;
    const prefix = docs.length > 1 ? `document ${doc + 1}: ` : '';
    for (const x of explainErrors(errorsOf() ?? [])) {
      const span = values.length ? locateExplained(src, doc, x) : { line: 1, column: 1 };
      const message = values.length ? x.message : `the file is empty: ${x.message}`;
      out.push({ rule, severity: 'error', file, span, message: prefix + message });
    }
  });
  return out;
}

export function parseFindings(file: string, src: YamlSource): Finding[] {
  return src.problems.map((p) => ({ rule: p.kind, severity: 'error', file, span: p.span, message: p.message }));
}

/** One finding per place and message: two checks may report the same problem. */
export function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = `${f.file}\0${f.span?.line}\0${f.span?.column}\0${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
