// The committed bundles (dist/<name>/index.js) stay under 1,000,000 bytes: each is what a runner
// reads and compiles at every action's start. Chunks loaded on demand (the artifact client, age,
// undici) are not counted: only the runs that need them pay for them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dist = join(import.meta.dirname, '..', '..', 'dist');
const limit = 1_000_000;
const entry = (name: string) => join(dist, name, 'index.js');
const bundles = readdirSync(dist).filter((name) => existsSync(entry(name)));

describe('bundle sizes', () => {
  it('finds the bundles', () => {
    expect(bundles).toEqual(expect.arrayContaining(['deploy', 'cli', 'backup']));
  });

  it.each(bundles)(`dist/%s/index.js is under ${limit} bytes`, (name) => {
    expect(statSync(entry(name)).size).toBeLessThan(limit);
  });

  // undici is bundled only in the chunk realUndici.ts makes (src/runtime/undiciOnDemand.ts says why);
  // its error codes (UND_ERR_…) in an entry mean it slipped back in.
  it.each(bundles)('dist/%s/index.js leaves undici out', (name) => {
    expect(readFileSync(entry(name), 'utf8')).not.toContain('UND_ERR_');
  });
});
