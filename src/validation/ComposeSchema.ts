// The Compose Specification's JSON schema, compiled once.
//
// compose-spec.schema.json beside this file is compose-go's schema/compose-spec.json (Apache License
// 2.0): the schema Docker Compose v2 itself validates against. compose-spec.source.json records the
// commit it was taken from. To update it, run `node scripts/refresh-compose-schema.mjs` and the unit
// tests (tests/unit/config-compose.test.ts and the corpus test compile it and run it over real files).
import type { ValidateFunction } from 'ajv';
import composeSpec from './compose-spec.schema.json' with { type: 'json' };
import source from './compose-spec.source.json' with { type: 'json' };
import { draftOf, newAjv, withCanonicalMeta } from './SchemaLoader.js';

let compiled: ValidateFunction | undefined;

/** Where the vendored schema comes from: repository, commit and date. */
export const composeSchemaSource = source;

/**
 * Compiling this 75 kB schema is most of a compose check's time: it is known to be a valid schema
 * (the unit tests compile it), so ajv skips checking it against the meta-schema, and skips optimising
 * code that runs once per compose file.
 */
export function composeSchema(): ValidateFunction {
  const draft = draftOf(composeSpec);
  compiled ??= newAjv(draft, { validateSchema: false, code: { optimize: false } }).compile(
    withCanonicalMeta(composeSpec as object, draft),
  );
  return compiled;
}
