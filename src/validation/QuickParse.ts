// The fast path for the common case, a valid single-document file: js-yaml reads it ~15× faster than
// the `yaml` package builds a document with source positions. Both read YAML 1.2's core schema (with
// merge keys), so the value is the same; anything unusual (a syntax error, a duplicate key, several
// documents, tags, aliases, an empty file) returns undefined and goes to the full parser, which
// also locates errors. A file that fails its schema is parsed again with positions and revalidated.
import { CORE_SCHEMA, load, mergeTag } from 'js-yaml';

const schema = CORE_SCHEMA.withTags(mergeTag);
/** Aliases (`*name`) and tags (`!tag`): left to the full parser and its alias limits. */
const UNUSUAL = /(?:^|[\s[{,])[*!][^\s]/;

export function quickValue(text: string): { value: unknown } | undefined {
  if (UNUSUAL.test(text)) return undefined;
  try {
    const value: unknown = load(text, { schema });
    return value === null || value === undefined ? undefined : { value };
  } catch {
    return undefined;
  }
}
