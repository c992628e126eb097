// A release task's command, byte for byte, for Compose v2 and v1, and with text a shell would expand.
import { describe, expect, it } from 'vitest';
import { describePlan, planDeploy } from '../../src/deploy/DeployPlan.js';
import { ReleaseLayout } from '../../src/release/ReleaseLayout.js';
import { ComposeCommands } from '../../src/remote/ComposeCommands.js';
import { releaseTaskCommand } from '../../src/remote/ReleaseTaskCommands.js';

const target = {
  project: 'shop',
  dir: '/srv/shop/releases/r2',
  files: ['docker-compose.yml'],
  envFile: '/srv/shop/releases/r2/release.env',
};
const env = `sh -c 'set -a && . "$1" && set +a && shift && exec "$@"' njord-env /srv/shop/releases/r2/release.env`;
const v1 = new ComposeCommands({ ...target, variant: 'v1' });

describe('releaseTaskCommand', () => {
  it('runs the line with sh -c in a one-off container of the service (Compose v2)', () => {
    const v2 = new ComposeCommands({ ...target, variant: 'v2', dockerConfig: '/srv/shop/.docker' });
    expect(releaseTaskCommand(v2, { service: 'web', command: 'alembic upgrade head' })).toBe(
      `${env} env DOCKER_CONFIG=/srv/shop/.docker docker compose --project-name shop --project-directory /srv/shop/releases/r2 -f /srv/shop/releases/r2/docker-compose.yml run --rm --no-deps -T web sh -c 'alembic upgrade head' 2>&1`,
    );
  });

  it('runs with docker-compose (Compose v1)', () => {
    expect(releaseTaskCommand(v1, { service: 'api', command: 'rails db:migrate' })).toBe(
      `${env} docker-compose --project-name shop --project-directory /srv/shop/releases/r2 -f /srv/shop/releases/r2/docker-compose.yml run --rm --no-deps -T api sh -c 'rails db:migrate' 2>&1`,
    );
  });

  it('quotes the text once, so the host expands nothing in it and the container does', () => {
    const cmd = releaseTaskCommand(v1, { service: 'web', command: `echo "$DB" 'it''s' $(id) ; rm -rf / #` });
    expect(cmd.endsWith(` -T web sh -c 'echo "$DB" '\\''it'\\'''\\''s'\\'' $(id) ; rm -rf / #' 2>&1`)).toBe(true);
  });
});

describe('the dry run plan', () => {
  it('shows each release task between the pull and the start, with its command', () => {
    const plan = planDeploy({
      app: 'shop',
      layout: new ReleaseLayout('/srv/shop'),
      compose: 'v1',
      releaseId: 'r2',
      options: { composeFiles: ['docker-compose.yml'] },
      tasks: [{ service: 'web', command: 'migrate' }],
    });
    const steps = describePlan(plan);
    const at = (what: string) => steps.findIndex((s) => s.includes(what));
    expect(at('pull the images')).toBeLessThan(at('release task in web'));
    expect(at('release task in web')).toBeLessThan(at('start the release'));
    expect(steps[at('release task in web')]).toBe(
      `${at('release task in web') + 1}. release task in web (a failure stops the deploy everywhere)\n     $ ${env} docker-compose --project-name shop --project-directory /srv/shop/releases/r2 -f /srv/shop/releases/r2/docker-compose.yml run --rm --no-deps -T web sh -c migrate 2>&1`,
    );
  });
});
