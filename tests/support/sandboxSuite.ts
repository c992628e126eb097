// What every sandbox suite sets up, in one place: a describe that is skipped (saying why) where no
// sandbox runs, the test app's images by version, and the apps a suite makes, each removed from its
// server after the suite.
import { afterAll, describe, expect, inject } from 'vitest';
import { buildTestImage, sandboxUnavailableReason, type SandboxInfo, type TestImage } from '../sandbox/Sandbox.js';
import { deploy, newApp, removeApp, visibleLog, type NewAppOptions, type TestApp } from './deployKit.js';

/** Why the sandbox cannot run here, or undefined where it runs. */
export const sandboxReason = sandboxUnavailableReason();

/** A describe whose tests run on the sandbox; skipped, the reason in its title, where there is none. */
export function describeOnSandbox(title: string, body: () => void): void {
  describe.skipIf(!!sandboxReason)(`${title}${sandboxReason ? ` (skipped: ${sandboxReason})` : ''}`, body);
}

/** describeOnSandbox once for each case of `cases` (vitest's describe.each: `$name` in the title names it). */
export function describeEachOnSandbox<T extends object>(
  cases: readonly T[],
  title: string,
  body: (c: T) => void,
): void {
  describe.skipIf(!!sandboxReason).each(cases)(`${title}${sandboxReason ? ` (skipped: ${sandboxReason})` : ''}`, body);
}

/** The sandbox globalSetup started; where there is none the suite is skipped, so nothing reads it. */
export function sandboxInfo(): SandboxInfo {
  return inject('sandbox')!;
}

/** The test app's image in `repo`, tagged and serving `version`. */
export function versionImage(info: SandboxInfo, repo: string, version: string): Promise<TestImage> {
  return buildTestImage(info, { repo, tag: version, version });
}

/** The test app's image whose /health answers 404: it runs, and its gate fails. */
export function brokenImage(info: SandboxInfo, repo: string): Promise<TestImage> {
  return buildTestImage(info, { repo, tag: 'broken', version: 'broken', healthy: false });
}

/** The image every backup test deploys: the data it backs up is the test's, not the image's. */
export function backupTestImage(info: SandboxInfo): Promise<TestImage> {
  return versionImage(info, 'njord-test/backup', 'v1');
}

export interface SuiteApps {
  /** A new app (nothing deployed yet), removed after the suite. */
  app(prefix: string, opts?: NewAppOptions): Promise<TestApp>;
  /** A new app with `image` deployed (the deploy must pass), removed after the suite. */
  deployed(prefix: string, image: string): Promise<TestApp>;
  /** Removes `apps` after the suite too (an app made some other way). */
  track(...apps: TestApp[]): void;
}

/** The apps of one suite, removed from their servers after it. Call it in the describe's body. */
export function suiteApps(): SuiteApps {
  const apps: TestApp[] = [];
  afterAll(() => apps.forEach(removeApp));
  const app = async (prefix: string, opts: NewAppOptions = {}) => {
    const a = await newApp(sandboxInfo(), prefix, opts);
    apps.push(a);
    return a;
  };
  return {
    app,
    async deployed(prefix, image) {
      const a = await app(prefix);
      const d = await deploy(sandboxInfo(), a, image);
      expect(d.exitCode, visibleLog(d)).toBe(0);
      return a;
    },
    track: (...more) => void apps.push(...more),
  };
}
