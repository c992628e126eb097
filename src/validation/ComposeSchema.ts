// The Compose Specification's JSON schema, compiled once.
//
// compose-spec.schema.json beside this file is the Compose Specification's schema/compose-spec.json
// (github.com/compose-spec/compose-spec, Apache License 2.0), as shipped by the npm
// package dclint@3.1.0 (schemas/compose.schema.json): the Docker hosts that serve it are not
// reachable from our build machines. Its content is unchanged; only prettier's formatting differs.
// To update it, replace the file with a newer compose-spec.json
// and run the unit tests (tests/unit/config-compose.test.ts checks that it compiles and accepts the
// examples).
import type { ValidateFunction } from 'ajv';
import composeSpec from './compose-spec.schema.json' with { type: 'json' };
import { newAjv, withCanonicalMeta } from './SchemaLoader.js';

let compiled: ValidateFunction | undefined;

/**
 * Compiling this 74 kB schema is most of a compose check's time: it is known to be a valid schema
 * (the unit tests compile it), so ajv skips checking it against the meta-schema, and skips optimising
 * code that runs once per compose file.
 */
export function composeSchema(): ValidateFunction {
  compiled ??= newAjv('draft-07', { validateSchema: false, code: { optimize: false } }).compile(
    withCanonicalMeta(composeSpec as object, 'draft-07'),
  );
  return compiled;
}
