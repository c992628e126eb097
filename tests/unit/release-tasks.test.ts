// The release-task inputs as a user writes them, the output kept for the summary, and the summary
// of a failed task with the backup to restore.
import { describe, expect, it } from 'vitest';
import { readReleaseTasks } from '../../src/deploy/releaseTasks/ReleaseTasksConfig.js';
import { TaskOutput } from '../../src/deploy/releaseTasks/TaskOutput.js';
import { InputReader } from '../../src/inputs/InputReader.js';
import { releaseTasksSection } from '../../src/report/ReleaseTasksReport.js';
import { RunSummary } from '../../src/report/SummaryMarkdown.js';

const compose = [{ name: 'docker-compose.yml', content: 'services:\n  web:\n    image: x\n  worker:\n    image: y\n' }];
const read = (values: Record<string, string>) =>
  readReleaseTasks(new InputReader({ get: (n) => values[n] ?? '' }), compose);

describe('release-command', () => {
  it('reads SERVICE: command lines in order, colons in the command kept', () => {
    expect(
      read({
        'release-command': 'web: alembic upgrade head\n# a comment\nworker: echo a:b, c',
        'release-command-on': 'all',
      }),
    ).toEqual({
      tasks: [
        { service: 'web', command: 'alembic upgrade head' },
        { service: 'worker', command: 'echo a:b, c' },
      ],
      on: 'all',
      backupBefore: false,
    });
    expect(read({})).toEqual({ tasks: [], on: 'first', backupBefore: false });
  });

  it('refuses a line without a service, an unknown service, and a bad release-command-on', () => {
    expect(() => read({ 'release-command': 'alembic upgrade head' })).toThrow(
      "Input 'release-command': 'alembic upgrade head' is not 'SERVICE: command'",
    );
    expect(() => read({ 'release-command': 'db: migrate' })).toThrow(
      "Input 'release-command': 'db' is not a service of the compose files (web, worker)",
    );
    expect(() => read({ 'release-command-on': 'some' })).toThrow(
      "Input 'release-command-on': 'some' is not one of: first, all",
    );
  });
});

describe('TaskOutput', () => {
  it('logs each line as it comes, with the prefix, and keeps the last ones', async () => {
    const logged: string[] = [];
    const out = new TaskOutput('h1 web| ', { info: (m) => logged.push(m), warn() {}, error() {}, debug() {} }, 2);
    out.write('one\ntw');
    out.write('o\r\nthree\nfour');
    await new Promise<void>((r) => out.end(r));
    expect(logged).toEqual(['h1 web| one', 'h1 web| two', 'h1 web| three', 'h1 web| four']);
    expect(out.tail()).toEqual(['three', 'four']);
  });
});

describe('the summary of release tasks', () => {
  it('lists the tasks, shows the failing one’s output, and names the backup and its restore', () => {
    const failed = {
      host: 'app1',
      service: 'web',
      command: 'migrate',
      exitCode: 3,
      ms: 2400,
      tail: ['step 1', 'ERROR: no table'],
    };
    const s = new RunSummary('Deploy shop');
    releaseTasksSection(s, { runs: [failed], failed, backups: [{ host: 'app1', id: '20261206-1015-pre-deploy' }] });
    const md = s.markdown();
    expect(md).toContain('| `web: migrate` | app1 | 3 ✗ | 2.4 s |');
    expect(md).toContain('No host was switched: the previous release still serves.');
    expect(md).toContain('```text\nstep 1\nERROR: no table\n```');
    expect(md).toContain('with `backup-id: 20261206-1015-pre-deploy`');
  });
});
