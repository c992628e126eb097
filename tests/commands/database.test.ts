// Database dumps and loads through the running container, byte for byte.
import { describe, expect, it } from 'vitest';
import { databaseSource, loadDumpStage, resolveTargetCommand } from '../../src/remote/backup/DatabaseCommands.js';

describe('DatabaseCommands', () => {
  it('dumps with the engine script, the target as $1', () => {
    expect(databaseSource('c1', 'dump "$1"', 'shop')).toEqual({
      name: 'the dump',
      cmd: 'docker exec c1 sh -c \'dump "$1"\' njord-dump shop',
    });
  });

  it("reads the dump's target from the container's environment", () => {
    expect(resolveTargetCommand('c1', 'echo "$POSTGRES_DB"')).toBe('docker exec c1 sh -c \'echo "$POSTGRES_DB"\'');
  });

  it('loads a dump from stdin', () => {
    expect(loadDumpStage('c1', 'load "$1"', 'shop')).toEqual({
      name: 'loading the dump',
      cmd: 'docker exec -i c1 sh -c \'load "$1"\' njord-restore shop',
    });
  });
});
