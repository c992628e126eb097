// GitHub Actions expressions (`${{ … }}`), evaluated as the runner does, for tests that drive a
// workflow file itself: literals, context paths (inputs.remote-dir, needs.build.outputs.image-ref),
// ! == != < <= > >= && || with GitHub's truthiness and value-returning && and ||, and the functions
// workflows here use. Anything else throws, so a test never silently evaluates what it cannot.

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };
export type Contexts = Record<string, Value>;

type Token =
  { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string } | { t: 'end' };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in: ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else s += src[i++];
      }
      out.push({ t: 'str', v: s });
    } else if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?(0x[0-9a-f]+|\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(src.slice(i))!;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
        out.push({ t: 'op', v: two });
        i += 2;
      } else if ('!<>()[].,*'.includes(c)) {
        out.push({ t: 'op', v: c });
        i++;
      } else throw new Error(`unexpected '${c}' in expression: ${src}`);
    }
  }
  out.push({ t: 'end' });
  return out;
}

export function truthy(v: Value | undefined): boolean {
  return !(v === null || v === undefined || v === false || v === 0 || v === '' || Number.isNaN(v));
}

/** How a value reads when interpolated into a string (with:, env:, run:). */
export function asString(v: Value | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v, null, 2);
  return String(v);
}

function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return NaN;
}

function compare(a: Value, b: Value, op: string): boolean {
  if (op === '==' || op === '!=') {
    let eq: boolean;
    if (typeof a === 'string' && typeof b === 'string') eq = a.toLowerCase() === b.toLowerCase();
    else if (typeof a === 'object' || typeof b === 'object') eq = a === b;
    else eq = toNumber(a) === toNumber(b);
    return op === '==' ? eq : !eq;
  }
  const [x, y] =
    typeof a === 'string' && typeof b === 'string' ? [a.toLowerCase(), b.toLowerCase()] : [toNumber(a), toNumber(b)];
  if (op === '<') return x < y;
  if (op === '<=') return x <= y;
  if (op === '>') return x > y;
  return x >= y;
}

const functions: Record<string, (args: Value[], status: StatusFunctions) => Value> = {
  startswith: ([a, b]) => asString(a!).toLowerCase().startsWith(asString(b!).toLowerCase()),
  endswith: ([a, b]) => asString(a!).toLowerCase().endsWith(asString(b!).toLowerCase()),
  contains: ([a, b]) =>
    Array.isArray(a)
      ? a.some((x) => compare(x, b!, '=='))
      : asString(a!).toLowerCase().includes(asString(b!).toLowerCase()),
  format: ([f, ...rest]) => asString(f!).replace(/\{(\d+)\}/g, (_m, n: string) => asString(rest[Number(n)])),
  join: ([a, sep]) => (Array.isArray(a) ? a.map(asString).join(sep === undefined ? ',' : asString(sep)) : asString(a!)),
  tojson: ([a]) => JSON.stringify(a, null, 2),
  fromjson: ([a]) => JSON.parse(asString(a!)) as Value,
  success: (_a, s) => s.success(),
  failure: (_a, s) => s.failure(),
  always: () => true,
  cancelled: () => false,
};

/** What success() and failure() mean where the expression stands (a step's if:, a job's if:). */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
}

const noStatus: StatusFunctions = {
  success: () => true,
  failure: () => false,
};

/** Evaluates one expression (the text inside ${{ }}). */
export function evaluate(expr: string, ctx: Contexts, status: StatusFunctions = noStatus): Value {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const expect = (v: string) => {
    const t = next();
    if (t.t !== 'op' || t.v !== v) throw new Error(`expected '${v}' in expression: ${expr}`);
  };
  const isOp = (v: string) => peek().t === 'op' && (peek() as { v: string }).v === v;

  function or(): Value {
    let left = and();
    while (isOp('||')) {
      next();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  function and(): Value {
    let left = comparison();
    while (isOp('&&')) {
      next();
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  function comparison(): Value {
    let left = unary();
    while (['==', '!=', '<', '<=', '>', '>='].some(isOp)) {
      const op = (next() as { v: string }).v;
      left = compare(left, unary(), op);
    }
    return left;
  }
  function unary(): Value {
    if (isOp('!')) {
      next();
      return !truthy(unary());
    }
    return postfix(primary());
  }
  function postfix(value: Value | undefined): Value {
    let v = value;
    for (;;) {
      if (isOp('.')) {
        next();
        const t = next();
        if (t.t !== 'id') throw new Error(`expected a property name in expression: ${expr}`);
        v = property(v, t.v);
      } else if (isOp('[')) {
        next();
        const key = or();
        expect(']');
        v = property(v, asString(key));
      } else return v === undefined ? null : v;
    }
  }
  function property(v: Value | undefined, key: string): Value | undefined {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return undefined;
    const found = Object.keys(v).find((k) => k.toLowerCase() === key.toLowerCase());
    return found === undefined ? undefined : v[found];
  }
  function primary(): Value | undefined {
    const t = next();
    if (t.t === 'num' || t.t === 'str') return t.v;
    if (t.t === 'op' && t.v === '(') {
      const v = or();
      expect(')');
      return v;
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return t.v === 'true';
      if (t.v === 'null') return null;
      if (isOp('(')) {
        next();
        const args: Value[] = [];
        while (!isOp(')')) {
          args.push(or());
          if (isOp(',')) next();
        }
        next();
        const fn = functions[t.v.toLowerCase()];
        if (!fn) throw new Error(`function ${t.v}() is not supported by the test evaluator: ${expr}`);
        return fn(args, status);
      }
      if (!(t.v in ctx)) throw new Error(`unknown context '${t.v}' in expression: ${expr}`);
      return ctx[t.v];
    }
    throw new Error(`unexpected token in expression: ${expr}`);
  }

  const v = or();
  if (peek().t !== 'end') throw new Error(`unexpected text after the expression: ${expr}`);
  return v;
}

/** A with:/env: value: its ${{ }} parts replaced by their values (a lone expression keeps its type). */
export function interpolate(text: unknown, ctx: Contexts): Value {
  if (typeof text !== 'string') return (text ?? null) as Value;
  const lone = /^\$\{\{(.*?)\}\}$/s.exec(text.trim());
  if (lone && !lone[1]!.includes('}}')) return evaluate(lone[1]!, ctx);
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_m, e: string) => asString(evaluate(e, ctx)));
}

/** An if: condition: an expression with or without ${{ }}; success() is implied unless a status function is used. */
export function condition(text: unknown, ctx: Contexts, status: StatusFunctions): boolean {
  if (text === undefined || text === null) return status.success();
  if (typeof text === 'boolean') return text && status.success();
  let expr = String(text).trim();
  const wrapped = /^\$\{\{(.*)\}\}$/s.exec(expr);
  if (wrapped) expr = wrapped[1]!;
  const usesStatus = /\b(success|failure|always|cancelled)\s*\(/.test(expr);
  return truthy(evaluate(usesStatus ? expr : `success() && (${expr})`, ctx, status));
}
