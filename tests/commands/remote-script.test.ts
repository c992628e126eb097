// The shapes every backup script is built from, byte for byte.
import { describe, expect, it } from 'vitest';
import { failOnStatus, guarded, pipeline } from '../../src/remote/backup/RemoteScript.js';

describe('RemoteScript', () => {
  it('runs a script so that it dies with the connection, reading a secret line first when asked', () => {
    expect(guarded('echo hi')).toBe(
      "sh -c 'exec 3<&0; ( cat <&3 >/dev/null; kill -TERM 0 ) >/dev/null 2>&1 & w=$!; ( echo hi ) </dev/null 3<&-; rc=$?; kill $w 2>/dev/null; exit $rc'",
    );
    expect(guarded('echo hi', { secretLine: true })).toBe(
      "sh -c 'IFS= read -r NJORD_SECRET || exit 90; exec 3<&0; ( cat <&3 >/dev/null; kill -TERM 0 ) >/dev/null 2>&1 & w=$!; ( echo hi ) </dev/null 3<&-; rc=$?; kill $w 2>/dev/null; exit $rc'",
    );
  });

  it("records each stage's failure in a status file, and fails on it after", () => {
    expect(
      pipeline(
        [
          { name: 'a', cmd: 'printf x' },
          { name: 'b', cmd: 'cat' },
        ],
        '/s t',
      ),
    ).toBe(
      '{ printf x || echo "a failed (exit $?)" >> \'/s t\'; } | { cat || echo "b failed (exit $?)" >> \'/s t\'; }',
    );
    expect(failOnStatus('/s t')).toBe("if [ -s '/s t' ]; then cat '/s t' >&2; rm -f '/s t'; exit 1; fi; rm -f '/s t'");
    expect(failOnStatus('/s t', 'rm -f y')).toBe(
      "if [ -s '/s t' ]; then cat '/s t' >&2; rm -f '/s t'; rm -f y; exit 1; fi; rm -f '/s t'",
    );
  });
});
