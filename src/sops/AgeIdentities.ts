// The `sops-age-key` input (deploy and validate-config): the age identities it holds.
import type { InputReader } from '../inputs/InputReader.js';
import { InputError } from '../inputs/InputError.js';

/** A keys.txt as age-keygen writes it (comments allowed), or bare AGE-SECRET-KEY-1… lines. */
export function ageIdentities(inputs: InputReader): string[] {
  const raw = inputs.raw('sops-age-key').trim();
  if (!raw) return [];
  const ids = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!ids.length)
    throw new InputError(
      'sops-age-key',
      'holds no age identity: give the AGE-SECRET-KEY-1… line of the key (age-keygen), e.g. secrets.SOPS_AGE_KEY',
    );
  return ids;
}
