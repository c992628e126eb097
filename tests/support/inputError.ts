// The InputError a call throws, for tests that assert on its input name and message.
import { InputError } from '../../src/inputs/InputError.js';

export function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err;
    throw err;
  }
  throw new Error('no error thrown');
}
