// Position mapping: JSON paths back to lines and columns, through nesting, lists, flow style,
// anchors and merge keys, block scalars and several documents.
import { describe, expect, it } from 'vitest';
import { LineIndex, YamlSource, formatPath, pointerToPath } from '../../src/validation/YamlSource.js';

const text = [
  'defaults: &defaults', // 1
  '  retries: 3', // 2
  '  timeout: 10s', // 3
  'jobs:', // 4
  '  fetch:', // 5
  '    <<: *defaults', // 6
  '    url: "https://example.com/a"', // 7
  '  steps: [build, "test", deploy]', // 8
  '  list:', // 9
  '    - name: one', // 10
  '    - name: two', // 11
  '      cmd: |', // 12
  '        echo hi', // 13
  '  empty:', // 14
].join('\n');

const src = new YamlSource(text);
const span = (path: (string | number)[]) => {
  const loc = src.find(0, path);
  return loc.depth === path.length ? src.valueSpan(loc, 0) : undefined;
};

describe('YamlSource positions', () => {
  it('maps a nested scalar value to its exact span (quotes included)', () => {
    expect(span(['jobs', 'fetch', 'url'])).toEqual({ line: 7, column: 10, endLine: 7, endColumn: 33 });
  });

  it('maps flow list items and block list items', () => {
    expect(span(['jobs', 'steps', 1])).toEqual({ line: 8, column: 18, endLine: 8, endColumn: 24 });
    expect(span(['jobs', 'list', 1, 'name'])).toEqual({ line: 11, column: 13, endLine: 11, endColumn: 16 });
  });

  it('follows merge keys to where the merged value is written', () => {
    expect(span(['jobs', 'fetch', 'retries'])).toEqual({ line: 2, column: 12, endLine: 2, endColumn: 13 });
  });

  it('points a block mapping, a block scalar or an empty value at its key', () => {
    expect(span(['jobs', 'fetch'])).toEqual({ line: 5, column: 3, endLine: 5, endColumn: 8 });
    expect(span(['jobs', 'list', 1, 'cmd'])?.line).toBe(12);
    expect(span(['jobs', 'empty'])).toEqual({ line: 14, column: 3, endLine: 14, endColumn: 8 });
  });

  it('stops at the deepest node a path reaches', () => {
    const loc = src.find(0, ['jobs', 'fetch', 'nope', 'deeper']);
    expect(loc.depth).toBe(2);
    expect(src.keyOrValueSpan(loc, 0).line).toBe(5);
  });

  it('keeps plain values and resolves aliases and merges', () => {
    expect(src.values()[0]).toMatchObject({
      jobs: { fetch: { retries: 3, timeout: '10s', url: 'https://example.com/a' } },
    });
  });

  it('lists every string value with its path and key', () => {
    const strings = [...src.strings()].map((s) => [s.path.join('.'), s.key, s.value]);
    expect(strings).toContainEqual(['jobs.steps.1', undefined, 'test']);
    expect(strings).toContainEqual(['jobs.list.1.cmd', 'cmd', 'echo hi\n']);
  });
});

describe('YamlSource problems and documents', () => {
  it('locates an unterminated quoted string', () => {
    const s = new YamlSource('a: 1\nb: "open\nc: 2\n');
    expect(s.problems).toEqual([
      {
        kind: 'syntax',
        span: { line: 2, column: 4 },
        message: 'YAML syntax error: this quoted string is never closed',
      },
    ]);
  });

  it('locates a key that appears twice, nested', () => {
    const s = new YamlSource('top:\n  a: 1\n  b: 2\n  a: 3\n');
    expect(s.problems).toEqual([
      {
        kind: 'duplicate-key',
        span: { line: 4, column: 3, endLine: 4, endColumn: 4 },
        message: "duplicate key 'a' (first at line 2): a key may appear once in a mapping",
      },
    ]);
  });

  it('splits documents, ignores a trailing ---, and knows where each starts', () => {
    const s = new YamlSource('# c\na: 1\n---\n# second\nb: 2\n---\n');
    expect(s.docs).toHaveLength(2);
    expect(s.values()).toEqual([{ a: 1 }, { b: 2 }]);
    expect(s.docStart(1)).toEqual({ line: 5, column: 1 });
  });

  it('treats JSON as YAML with positions', () => {
    const s = new YamlSource('{\n  "a": {\n    "b": [1, 2, 3]\n  }\n}\n');
    const loc = s.find(0, ['a', 'b', 2]);
    expect(s.valueSpan(loc, 0)).toEqual({ line: 3, column: 17, endLine: 3, endColumn: 18 });
  });
});

describe('paths and lines', () => {
  it('formats JSON paths the way people write them', () => {
    expect(formatPath(['risk', 'max_position_pct'])).toBe('risk.max_position_pct');
    expect(formatPath(['services', 'web', 'ports', 0])).toBe('services.web.ports[0]');
    expect(formatPath(['labels', 'com.example/team'])).toBe('labels["com.example/team"]');
    expect(pointerToPath('/a~1b/c~0d/0')).toEqual(['a/b', 'c~d', '0']);
  });

  it('turns offsets into 1-based lines and columns', () => {
    const li = new LineIndex('ab\ncd\n\nef');
    expect(li.at(0)).toEqual({ line: 1, column: 1 });
    expect(li.at(4)).toEqual({ line: 2, column: 2 });
    expect(li.at(7)).toEqual({ line: 4, column: 1 });
    expect(li.span(3, 5)).toEqual({ line: 2, column: 1, endLine: 2, endColumn: 3 });
    expect(li.span(0, 5)).toEqual({ line: 1, column: 1 });
  });
});
