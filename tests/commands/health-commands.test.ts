import { describe, expect, it } from 'vitest';
import { execCheckCommand } from '../../src/remote/HealthCommands.js';

describe('exec health check command', () => {
  it("runs argv in the project's first running container of the service", () => {
    expect(execCheckCommand('redis', ['redis-cli', '-a', 'my pass', 'ping'], 'shop')).toBe(
      'c=$(docker ps -q --filter label=com.docker.compose.project=shop --filter label=com.docker.compose.service=redis | head -n 1); ' +
        '[ -n "$c" ] || { echo \'no running container of service redis\' >&2; exit 125; }; ' +
        'docker exec "$c" redis-cli -a \'my pass\' ping',
    );
  });

  it('without a project, looks for the service alone', () => {
    expect(execCheckCommand('worker', ['/bin/true'])).toMatch(
      /^c=\$\(docker ps -q --filter label=com\.docker\.compose\.service=worker \| head -n 1\);/,
    );
  });
});
