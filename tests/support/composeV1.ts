// Whether docker-compose (Compose v1) runs on this machine: unit tests that hand a release to the
// real compose run only where it does.
import { execFileSync } from 'node:child_process';

export const composeV1Here = (() => {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
