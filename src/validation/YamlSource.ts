// A YAML or JSON file parsed with its source positions, so any value, key or JSON path in it can be
// put back on a line and column. Syntax errors, duplicate keys and several documents are found here.
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type Pair,
} from 'yaml';

export interface Span {
  /** 1-based. */
  line: number;
  /** 1-based, in characters. */
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface SourceProblem {
  message: string;
  kind: 'syntax' | 'duplicate-key';
  span: Span;
}

export type PathSegment = string | number;

/** Line starts of a text, computed on first use: most files are valid and never need them. */
export class LineIndex {
  private starts: number[] | undefined;

  constructor(private readonly text: string) {}

  /** 1-based line and column of a character offset. */
  at(offset: number): { line: number; column: number } {
    if (!this.starts) {
      const s = [0];
      for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) s.push(i + 1);
      this.starts = s;
    }
    const starts = this.starts;
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - starts[lo]! + 1 };
  }

  /** A span from offsets; one that ends on a later line keeps only its start (as annotations show it). */
  span(start: number, end?: number): Span {
    const a = this.at(start);
    if (end === undefined || end <= start) return a;
    // An end right after a newline belongs to the line before.
    const b = this.at(this.text[end - 1] === '\n' ? end - 1 : end);
    return b.line === a.line ? { ...a, endLine: b.line, endColumn: b.column } : a;
  }
}

/** No content at all: a file of comments, or what follows a final `---`. */
function isEmptyDocument(d: Document.Parsed): boolean {
  const c = d.contents;
  if (c === null) return true;
  return isScalar(c) && c.value === null && !!c.range && c.range[0] === c.range[1];
}

/** The text of a map key as a JSON path segment sees it. */
function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return typeof key.value === 'symbol' ? undefined : String(key.value);
  if (key === null || key === undefined) return '';
  return undefined;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.source === '<<'));
}

interface Step {
  node: Node | null;
  pair?: Pair<unknown, unknown>;
}

/** Where a path led: the deepest node found, and how much of the path it covers. */
export interface Located {
  node: Node | null;
  /** The map entry the node is the value of (absent for list items and the root). */
  pair?: Pair<unknown, unknown>;
  /** How many path segments were found. */
  depth: number;
}

export class YamlSource {
  readonly lines: LineIndex;
  readonly docs: Document.Parsed[];
  readonly problems: SourceProblem[] = [];

  /**
   * @param text the file's content
   * @param merge honour `<<: *anchor` merge keys (Compose files use them)
   */
  constructor(
    readonly text: string,
    { merge = true }: { merge?: boolean } = {},
  ) {
    this.lines = new LineIndex(text);
    const parsed = parseAllDocuments(text, { merge, prettyErrors: false, uniqueKeys: true });
    const all: Document.Parsed[] = Array.isArray(parsed) ? parsed : [];
    // A `---` at the very end (or a file of comments) makes an empty document: not a config.
    this.docs = all.filter((d) => !isEmptyDocument(d) || d.errors.length > 0);
    for (const d of all) for (const e of d.errors) this.problems.push(this.describeError(d, e));
  }

  /** The plain value of each document (aliases and merge keys resolved). */
  values(): unknown[] {
    return this.docs.map((d) => d.toJS({ maxAliasCount: 1000 }));
  }

  private describeError(
    doc: Document.Parsed,
    e: { code: string; message: string; pos: [number, number] },
  ): SourceProblem {
    const span = this.lines.span(e.pos[0], e.pos[1]);
    if (e.code === 'DUPLICATE_KEY') {
      const dup = this.duplicateAt(doc, e.pos[0]);
      if (dup) {
        const where = dup.first ? ` (first at line ${dup.first.line})` : '';
        return {
          kind: 'duplicate-key',
          span: dup.span,
          message: `duplicate key '${dup.name}'${where}: a key may appear once in a mapping`,
        };
      }
      return { kind: 'duplicate-key', span, message: 'duplicate key: a key may appear once in a mapping' };
    }
    if (e.code === 'MISSING_CHAR' && /quote/.test(e.message)) {
      // The parser notices at the end of the text; the quote that never closed is more useful.
      const open = this.unclosedQuote(e.pos[0], e.message.includes("'") ? "'" : '"');
      if (open !== undefined)
        return {
          kind: 'syntax',
          span: this.lines.at(open),
          message: `YAML syntax error: this quoted string is never closed`,
        };
    }
    const msg = e.message.replace(/\s+at line \d+, column \d+.*$/s, '').trim();
    return { kind: 'syntax', span, message: `YAML syntax error: ${msg}` };
  }

  /** The last quote before `end` that opens a value (after `: `, `- `, `[`, `,` or at a line's start). */
  private unclosedQuote(end: number, quote: string): number | undefined {
    for (let i = this.text.lastIndexOf(quote, end - 1); i >= 0; i = this.text.lastIndexOf(quote, i - 1)) {
      const before = this.text.slice(this.text.lastIndexOf('\n', i - 1) + 1, i);
      if (/(?:^|[:\-[,{])\s*$/.test(before)) return i;
      if (i === 0) break;
    }
    return undefined;
  }

  /** The duplicate key whose source starts at `offset`, and where its first occurrence is. */
  private duplicateAt(doc: Document.Parsed, offset: number): { name: string; span: Span; first?: Span } | undefined {
    let found: { name: string; span: Span; first?: Span } | undefined;
    visit(doc, {
      Map: (_k, map) => {
        const dup = map.items.find((p) => isScalar(p.key) && p.key.range?.[0] === offset);
        if (!dup || !isScalar(dup.key) || !dup.key.range) return undefined;
        const name = keyText(dup.key) ?? '';
        const first = map.items.find((p) => p !== dup && keyText(p.key) === name);
        found = {
          name,
          span: this.lines.span(dup.key.range[0], dup.key.range[1]),
          first: first && isScalar(first.key) && first.key.range ? this.lines.at(first.key.range[0]) : undefined,
        };
        return visit.BREAK;
      },
    });
    return found;
  }

  private resolve(doc: Document.Parsed, node: unknown): Node | null {
    let n = node;
    for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(doc);
    return (n as Node | undefined) ?? null;
  }

  private child(doc: Document.Parsed, node: Node | null, seg: PathSegment, seen = 0): Step | undefined {
    const n = this.resolve(doc, node);
    if (isMap(n)) {
      const name = String(seg);
      for (const p of n.items) if (keyText(p.key) === name) return { node: (p.value as Node | null) ?? null, pair: p };
      if (seen > 20) return undefined;
      for (const p of n.items) {
        if (!isMergeKey(p.key)) continue;
        const v = this.resolve(doc, p.value);
        const sources = isSeq(v) ? v.items : [v];
        for (const s of sources) {
          const r = this.child(doc, s as Node, seg, seen + 1);
          if (r) return r;
        }
      }
    } else if (isSeq(n)) {
      const i = typeof seg === 'number' ? seg : /^\d+$/.test(seg) ? Number(seg) : -1;
      if (i >= 0 && i < n.items.length) return { node: (n.items[i] as Node | null) ?? null };
    }
    return undefined;
  }

  /** Follows a JSON path as far as the document has it. */
  find(docIndex: number, path: PathSegment[]): Located {
    const doc = this.docs[docIndex];
    if (!doc) return { node: null, depth: 0 };
    let cur: Located = { node: doc.contents, depth: 0 };
    for (const seg of path) {
      const next = this.child(doc, cur.node, seg);
      if (!next) break;
      cur = { node: next.node, pair: next.pair, depth: cur.depth + 1 };
    }
    return cur;
  }

  /** The span of a map entry's key. */
  keySpan(pair: Pair<unknown, unknown>): Span | undefined {
    const k = pair.key as Node | null;
    if (k && 'range' in k && k.range) return this.lines.span(k.range[0], k.range[1]);
    return undefined;
  }

  /** The span of a value: the scalar itself, or for a block mapping or list its key (or first line). */
  valueSpan(loc: Located, docIndex: number): Span {
    const doc = this.docs[docIndex];
    const n = doc ? this.resolve(doc, loc.node) : null;
    const r = n && 'range' in n ? n.range : undefined;
    const direct = loc.node && 'range' in loc.node ? loc.node.range : undefined;
    if (isScalar(n) && direct && (direct[1] > direct[0] || !loc.pair)) return this.lines.span(direct[0], direct[1]);
    if (isCollection(n) && n.flow && direct) return this.lines.span(direct[0], direct[1]);
    if (loc.pair) return this.keySpan(loc.pair) ?? this.docStart(docIndex);
    if (r) return this.lines.at(r[0]);
    return this.docStart(docIndex);
  }

  /** Where a map entry's key is; else its value. */
  keyOrValueSpan(loc: Located, docIndex: number): Span {
    return (loc.pair && this.keySpan(loc.pair)) || this.valueSpan(loc, docIndex);
  }

  /** The first line of a document's content (after any `---` and comments). */
  docStart(docIndex: number): Span {
    const doc = this.docs[docIndex];
    const c = doc?.contents;
    if (c && 'range' in c && c.range) return this.lines.at(c.range[0]);
    if (doc?.range) return this.lines.at(doc.range[0]);
    return { line: 1, column: 1 };
  }

  /**
   * Every string value in the documents (map values and list items, not keys), in source order, with
   * its JSON path, the map key it sits under (if any) and its source offsets.
   */
  *strings(): Generator<ScalarString> {
    for (let d = 0; d < this.docs.length; d++) {
      const path: PathSegment[] = [];
      const walk = function* (node: unknown, key: string | undefined): Generator<ScalarString> {
        if (isMap(node)) {
          for (const p of node.items) {
            const k = keyText(p.key);
            if (k === undefined) continue;
            path.push(k);
            yield* walk(p.value, k);
            path.pop();
          }
        } else if (isSeq(node)) {
          for (let i = 0; i < node.items.length; i++) {
            path.push(i);
            yield* walk(node.items[i], undefined);
            path.pop();
          }
        } else if (isPair(node)) yield* walk(node.value, key);
        else if (isScalar(node) && node.range && typeof node.value === 'string')
          yield { doc: d, path: [...path], key, value: node.value, start: node.range[0], end: node.range[1] };
      };
      yield* walk(this.docs[d]!.contents, undefined);
    }
  }
}

export interface ScalarString {
  doc: number;
  path: PathSegment[];
  /** The map key the value sits under; absent for list items. */
  key?: string;
  value: string;
  /** Source offsets of the scalar as written (quotes included). */
  start: number;
  end: number;
}

/** A JSON path in the words people use: `risk.max_position_pct`, `services.web.ports[0]`. */
export function formatPath(path: PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** An ajv instancePath (`/a/b~1c/0`) as segments. */
export function pointerToPath(pointer: string): string[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
