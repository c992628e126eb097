// The real undici, handed to the bundles' stand-in (undiciOnDemand.ts). Imported dynamically just
// before @actions/artifact, whose @actions/github builds a ProxyAgent as it loads when a proxy is
// set, so undici lands in a chunk of its own that only the artifact upload loads.
import type * as Undici from 'undici/index.js';
import { provideUndici } from './undiciOnDemand.js';

// A plain require, which webpack bundles into this chunk and evaluates on the first call (as
// `undici/index.js`, so tsconfig's mapping of `undici` does not point it at the stand-in).
// eslint-disable-next-line @typescript-eslint/no-require-imports
provideUndici(() => require('undici/index.js') as typeof Undici);
