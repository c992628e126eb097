// What a failed docker login or push means for the user, from docker's own error text (pure).
// The shapes matched are the ones the classic CLI and buildx print for GHCR and other registries.

const GHCR_DENIED =
  /denied|permission_denied|not allowed to (?:write|create)|403 forbidden|does not match expected scopes|installation not allowed/i;
const UNAUTHENTICATED = /unauthorized|authentication required|no basic auth credentials|401/i;
const DENIED = /denied|forbidden|403/i;

const REFUSED = /denied|unauthori[sz]ed|forbidden|\b40[13]\b|no basic auth/i;
const PUSH_SIDE = /failed to push|\bpushing\b|blobs\/uploads|:push\b|%3Apush|pull%2Cpush/i;
const PULL_SIDE = /pull access denied|failed to resolve source metadata|importing cache|failed to load cache/i;

/**
 * Whether a failed command's output is the registry refusing a push. `docker push` output is all
 * about the push; buildx pushes inside the build, so there a refusal counts unless it names the
 * pull side (a base image, a cache import) and not the push.
 */
export function isPushRefusal(output: string, viaBuildx: boolean): boolean {
  if (!REFUSED.test(output)) return false;
  return !viaBuildx || PUSH_SIDE.test(output) || !PULL_SIDE.test(output);
}

const isGhcr = (registry: string) => registry === 'ghcr.io' || registry.endsWith('.ghcr.io');

/** The first line of docker's output that says what went wrong. */
export function errorLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const hit = [...lines].reverse().find((l) => /error|denied|unauthori[sz]ed|forbidden|failed/i.test(l));
  return hit ?? lines[lines.length - 1] ?? '';
}

export function explainLoginFailure(registry: string, username: string, output: string): string {
  const why = errorLine(output);
  if (isGhcr(registry))
    return (
      `ghcr.io refused the login of '${username}': ${why}. ` +
      'Use the workflow token (the default password, github.token) or a personal access token with write:packages; a token from another repository or an expired one is refused.'
    );
  if (UNAUTHENTICATED.test(output))
    return `${registry} refused the login of '${username}': wrong username or password (${why}). Check the username and password inputs.`;
  return `Login to ${registry} as '${username}' failed: ${why}`;
}

export function explainPushFailure(registry: string, image: string, output: string, loggedIn: boolean): string {
  const why = errorLine(output);
  if (isGhcr(registry) && (GHCR_DENIED.test(output) || UNAUTHENTICATED.test(output)))
    return (
      `GHCR refused the push to ${image}: ${why}. ` +
      "The workflow's token needs `permissions: packages: write` in the job; if the package already exists, also give this repository write access in the package's settings (Manage Actions access)."
    );
  if (!loggedIn && UNAUTHENTICATED.test(output))
    return `${registry} wants a login to push ${image}: ${why}. Set the username and password inputs.`;
  if (DENIED.test(output) || UNAUTHENTICATED.test(output))
    return `${registry} refused the push to ${image}: ${why}. The user may not write to this repository; check its permissions and the username input.`;
  return `Pushing ${image} failed: ${why}`;
}
