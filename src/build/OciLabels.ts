// The OCI annotation labels every image gets (pure), as docker/metadata-action sets them, merged
// with the user's labels (which win).
import type { EventContext } from './EventContext.js';

export function ociLabels(ctx: EventContext, version: string, created: Date): Record<string, string> {
  const url = ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': ctx.repository.split('/')[1] ?? '',
    'org.opencontainers.image.description': ctx.description ?? '',
    'org.opencontainers.image.url': url ?? '',
    'org.opencontainers.image.source': url ?? '',
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': created.toISOString(),
    'org.opencontainers.image.revision': ctx.sha,
    'org.opencontainers.image.licenses': ctx.license ?? '',
  };
  for (const [k, v] of Object.entries(labels)) if (!v) delete labels[k];
  return labels;
}

export function mergeLabels(oci: Record<string, string>, user: ReadonlyMap<string, string>): Record<string, string> {
  return { ...oci, ...Object.fromEntries(user) };
}
