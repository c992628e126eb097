// Stands in for `undici` in the bundles (tsconfig.json's paths map the name here). @actions/http-client
// imports undici's ProxyAgent at its top, and @actions/github its fetch, yet only @actions/github
// (inside the artifact client) ever calls them: http-client builds a ProxyAgent in getAgentDispatcher
// alone, which only @actions/github calls. So undici is bundled only where that can happen:
// realUndici.ts, loaded just before the artifact client, hands it here. Every other bundle leaves it
// out, and undici is still evaluated only on first use.
import type * as Undici from 'undici/index.js';

let load: (() => typeof Undici) | undefined;
let loaded: typeof Undici | undefined;

/** Called by realUndici.ts, in the chunk that bundles undici. */
export function provideUndici(loader: () => typeof Undici): void {
  load = loader;
}

function real(): typeof Undici {
  if (loaded) return loaded;
  if (!load)
    throw new Error(
      'undici is not in this bundle: only the artifact client may use it (load src/runtime/realUndici.ts first)',
    );
  return (loaded = load());
}

// A constructor that returns undici's own ProxyAgent, typed as that class.
export const ProxyAgent = function ProxyAgent(options: Undici.ProxyAgent.Options | string) {
  return new (real().ProxyAgent)(options);
} as unknown as typeof Undici.ProxyAgent;

export const fetch: typeof Undici.fetch = (input, init) => real().fetch(input, init);
