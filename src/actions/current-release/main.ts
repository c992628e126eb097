// Entry of actions/current-release: what runs on the hosts, as outputs (for a promotion). Read only.
import { InputReader, runnerInputs } from '../../inputs/InputReader.js';
import { readCurrentRelease } from '../../release/CurrentRelease.js';
import { actionLog, maskSecrets, setOutputs } from '../../report/RunPage.js';
import { runAction } from '../../runtime/runAction.js';
import { readConnection } from '../../ssh/ConnectionConfig.js';

async function main(): Promise<void> {
  const inputs = new InputReader(runnerInputs);
  maskSecrets([inputs.raw('ssh-key')]);
  const cfg = readConnection(inputs);
  const r = await readCurrentRelease(cfg, actionLog);
  actionLog.info(`${cfg.app} runs release ${r.release}: ${r.imageRef}${r.gitSha ? ` from ${r.gitSha}` : ''}`);
  setOutputs({ release: r.release, image: r.image, digest: r.digest, 'image-ref': r.imageRef, 'git-sha': r.gitSha });
}

void runAction('Current release', main);
