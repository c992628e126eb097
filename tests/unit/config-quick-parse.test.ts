// The fast path reads the same values as the full parser, and leaves anything unusual to it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickValue } from '../../src/validation/QuickParse.js';
import { YamlSource } from '../../src/validation/YamlSource.js';

const dirs = [
  join(import.meta.dirname, '../../examples/trading-config/config'),
  join(import.meta.dirname, '../fixtures/config/schema-errors/configs'),
];

describe('quickValue', () => {
  it('gives the full parser’s value for every plain example and fixture file', () => {
    let compared = 0;
    for (const dir of dirs)
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8');
        const quick = quickValue(text);
        const full = new YamlSource(text);
        if (!quick) continue;
        expect(full.problems, f).toEqual([]);
        expect(quick.value, f).toEqual(full.values()[0]);
        compared++;
      }
    expect(compared).toBeGreaterThanOrEqual(6);
  });

  it('reads YAML 1.2 core scalars as the full parser does', () => {
    const text = 'a: yes\nb: on\nc: 0o17\nd: 017\ne: 0x1F\nf: .5\ng: ~\nh: 2024-01-01\ni: 1_000\nj: TRUE\nk: 1e3\n';
    expect(quickValue(text)?.value).toEqual(new YamlSource(text).values()[0]);
  });

  it('leaves errors, duplicates, several documents, aliases, tags and empty files to the full parser', () => {
    for (const text of [
      'a: "open\n',
      'a: 1\na: 2\n',
      'a: 1\n---\nb: 2\n',
      'base: &b {x: 1}\nc:\n  <<: *b\n',
      'a: !!binary aGk=\n',
      '# nothing\n',
      '',
    ])
      expect(quickValue(text), JSON.stringify(text)).toBeUndefined();
  });
});
