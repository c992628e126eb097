// Stands in for `undici` in the bundles (tsconfig.json's paths map the name here). @actions/http-client
// imports undici's ProxyAgent at its top, and @actions/github its fetch: evaluating undici costs
// about 50 ms of every action's start, yet it is only needed behind an HTTP proxy or for an API call.
// Each export loads the real undici on first use, as `undici/index.js` so the mapping does not point
// this file at itself.
import type * as Undici from 'undici/index.js';

// A plain require, which webpack bundles and evaluates on the first call; only the bundles use this file.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const real = (): typeof Undici => require('undici/index.js');

// A constructor that returns undici's own ProxyAgent, typed as that class.
export const ProxyAgent = function ProxyAgent(options: Undici.ProxyAgent.Options | string) {
  return new (real().ProxyAgent)(options);
} as unknown as typeof Undici.ProxyAgent;

export const fetch: typeof Undici.fetch = (input, init) => real().fetch(input, init);
