// What backup and restore read first to tell a swarm stack from a Compose app, byte for byte.
import { describe, expect, it } from 'vitest';
import { swarmProbeCommand } from '../../src/remote/backup/SwarmProbeCommand.js';

describe('swarmProbeCommand', () => {
  it("asks the manager for the stack and its nodes, this node for the stack's containers and volumes, then reads release.json", () => {
    expect(swarmProbeCommand('shop', '/home/d/njord/shop/current/release.json')).toBe(
      "printf 'stack %s\\nnodes %s\\ntasks %s\\nvolumes %s\\n'" +
        ` "$(docker stack ls --format '{{.Name}}' 2>/dev/null | grep -cxF shop)"` +
        ` "$(docker stack ps --filter desired-state=running --format '{{.Node}}' shop 2>/dev/null | sort -u | tr '\\n' ' ')"` +
        ` "$(docker ps -aq --filter label=com.docker.stack.namespace=shop | wc -l)"` +
        ` "$(docker volume ls -q --filter label=com.docker.stack.namespace=shop | wc -l)"` +
        '; cat /home/d/njord/shop/current/release.json 2>/dev/null || true',
    );
  });

  it('quotes an app root with a space', () => {
    expect(swarmProbeCommand('shop', '/srv/my apps/shop/current/release.json')).toMatch(
      / cat '\/srv\/my apps\/shop\/current\/release.json' 2>\/dev\/null \|\| true$/,
    );
  });
});
