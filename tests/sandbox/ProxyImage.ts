// The zero-downtime releases' reverse proxy, nginx from Debian's nginx-light package, built like
// the tests' PostgreSQL image (DebianImage.ts): the tests, the bench, the demo and
// `npm run proxy-image -- REF` use it. njord starts it with its own config (`nginx -c`), so the
// image only needs the binary and the directories the package makes.
import { ensureDebianImage } from './DebianImage.js';

export const PROXY_RECIPE = {
  name: 'proxy',
  tag: 'nginx-light-bookworm-1',
  include: ['nginx-light'],
  // The package's default site: njord writes the whole config.
  remove: ['/etc/nginx/sites-enabled/*'],
  files: {},
  changes: [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'CMD ["nginx", "-g", "daemon off;"]',
  ],
};

/** The proxy image's ref in the sandbox registry, built once per machine. */
export function ensureProxyImage(info: { registry: string }): Promise<string> {
  return ensureDebianImage(info, PROXY_RECIPE);
}
