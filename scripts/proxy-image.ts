// `npm run proxy-image -- REF`: builds the zero-downtime proxy (nginx from Debian's nginx-light
// package, tests/sandbox/ProxyImage.ts) without Docker Hub, and pushes it to REF, for servers
// that cannot pull the official image. Needs root (debootstrap) and a docker login to REF's registry.
import { buildDebianImage } from '../tests/sandbox/DebianImage.js';
import { PROXY_RECIPE } from '../tests/sandbox/ProxyImage.js';
import { isImageReference } from '../src/inputs/imageReference.js';

const ref = process.argv[2];
if (!ref || !isImageReference(ref) || ref.includes('@')) {
  console.error('usage: npm run proxy-image -- REGISTRY/NAME:TAG   (e.g. ghcr.io/acme/njord-proxy:nginx-1.22)');
  process.exit(2);
}
buildDebianImage(ref, PROXY_RECIPE);
console.log(`pushed ${ref}; deploy with  proxy-image: ${ref}`);
