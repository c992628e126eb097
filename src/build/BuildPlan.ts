// The docker commands of a build (pure: argv arrays, checked by unit tests without a docker).
//   buildx:  one `docker buildx build --push` with gha or registry cache and --metadata-file for the digest;
//            a docker-container builder is created for it when the default one cannot export a cache.
//   classic: `docker build` (DOCKER_BUILDKIT=0), then `docker push` of every tag (BuildPush pushes the
//            first and tags the rest through the registry API, falling back to these pushes); a cache
//            becomes a registry tag (<image>:buildcache) pulled before the build and pushed after the tags.
import { InputError } from '../inputs/InputError.js';
import type { CacheMode } from './BuildPushConfig.js';

export interface BuildSpec {
  /** Repository name the tags go on: ghcr.io/acme/shop. */
  image: string;
  tags: readonly string[];
  context: string;
  file?: string;
  buildArgs: ReadonlyMap<string, string>;
  labels: Readonly<Record<string, string>>;
  platforms: readonly string[];
  target?: string;
  cache: CacheMode;
  push: boolean;
}

export interface Step {
  argv: string[];
  why: string;
  env?: Record<string, string>;
  /** A failure here is expected at times (no cache yet) and does not fail the build. */
  mayFail?: boolean;
  /** What the user can do when this step fails, added to its error. */
  whenFailed?: string;
}

export const CACHE_TAG = 'buildcache';

export const refOf = (image: string, tag: string) => `${image}:${tag}`;

/** Flags both builders share; `labeledFile` is a Dockerfile copy that sets the labels itself. */
function commonFlags(spec: BuildSpec, labeledFile?: string): string[] {
  const args: string[] = [];
  if (labeledFile ?? spec.file) args.push('--file', (labeledFile ?? spec.file)!);
  for (const t of spec.tags) args.push('--tag', refOf(spec.image, t));
  if (!labeledFile) for (const [k, v] of Object.entries(spec.labels)) args.push('--label', `${k}=${v}`);
  for (const [k, v] of spec.buildArgs) args.push('--build-arg', `${k}=${v}`);
  if (spec.target) args.push('--target', spec.target);
  return args;
}

export interface BuildxPlan {
  /** Creates the builder the build needs, when the runner's default one cannot do it. */
  setup: Step[];
  build: Step;
  /** Removes what setup created (run in the main step's end and again in post). */
  cleanup: Step[];
  /** The builder `--builder` names, when setup created one. */
  builder?: string;
}

/**
 * The buildx plan. The `docker` driver exports no cache and builds one platform; a cache or several
 * platforms get a docker-container builder of our own, named `ownBuilder`.
 */
export function buildxPlan(
  spec: BuildSpec,
  current: { name: string; driver: string },
  opts: { metadataFile: string; ownBuilder: string },
): BuildxPlan {
  const needsContainer = current.driver === 'docker' && (spec.cache !== 'none' || spec.platforms.length > 1);
  const builder = needsContainer ? opts.ownBuilder : undefined;
  const cannot = spec.cache !== 'none' ? 'export a build cache' : 'build several platforms';
  const asks = spec.cache !== 'none' ? `cache: ${spec.cache}` : `platforms: ${spec.platforms.join(', ')}`;
  const instead = spec.cache !== 'none' ? 'set cache: none' : 'give one platform';
  const args = ['buildx', 'build'];
  if (builder) args.push('--builder', builder);
  args.push(...commonFlags(spec));
  if (spec.platforms.length) args.push('--platform', spec.platforms.join(','));
  if (spec.cache === 'gha') args.push('--cache-from', 'type=gha', '--cache-to', 'type=gha,mode=max');
  if (spec.cache === 'registry') {
    const ref = refOf(spec.image, CACHE_TAG);
    args.push('--cache-from', `type=registry,ref=${ref}`);
    if (spec.push) args.push('--cache-to', `type=registry,ref=${ref},mode=max`);
  }
  if (spec.push) args.push('--push');
  else if (spec.platforms.length <= 1) args.push('--load');
  args.push('--metadata-file', opts.metadataFile, spec.context);
  return {
    setup: builder
      ? [
          {
            argv: ['buildx', 'create', '--name', builder, '--driver', 'docker-container', '--bootstrap'],
            why: `create a docker-container builder (the '${current.name}' builder's docker driver cannot ${cannot})`,
            // The builder runs moby/buildkit from Docker Hub: a runner that cannot pull it cannot have it.
            whenFailed: `${asks} needs this builder, which runs the moby/buildkit image; ${instead}, or set up a builder before this step (docker/setup-buildx-action)`,
          },
        ]
      : [],
    build: { argv: args, why: spec.push ? 'build and push' : 'build' },
    cleanup: builder ? [{ argv: ['buildx', 'rm', builder], why: 'remove the builder', mayFail: true }] : [],
    builder,
  };
}

export interface ClassicPlan {
  pullCache?: Step;
  build: Step;
  /** Puts the cache tag on the built image, before the pushes. */
  tagCache?: Step;
  /** One push per tag, then the cache tag's; after the first, each only adds a manifest reference. */
  push: Step[];
}

/**
 * `labeledFile`: the Dockerfile with the labels appended as one LABEL instruction (LabelInstruction),
 * where that is safe; the classic builder otherwise makes a step of each --label.
 */
export function classicPlan(spec: BuildSpec, opts: { iidFile: string; labeledFile?: string }): ClassicPlan {
  if (spec.platforms.length > 1)
    throw new InputError(
      'platforms',
      `the classic docker builder on this runner builds one platform, not ${spec.platforms.join(', ')}; set up buildx first (docker/setup-buildx-action) or give one platform`,
    );
  const cacheRef = spec.cache === 'none' ? undefined : refOf(spec.image, CACHE_TAG);
  const args = ['build', ...commonFlags(spec, opts.labeledFile), '--iidfile', opts.iidFile];
  if (spec.platforms.length) args.push('--platform', spec.platforms[0]!);
  if (cacheRef) args.push('--cache-from', cacheRef);
  args.push(spec.context);
  const first = spec.tags[0];
  const pushCache = spec.push && cacheRef && first;
  return {
    pullCache: cacheRef
      ? { argv: ['pull', '--quiet', cacheRef], why: 'pull the cache image', mayFail: true }
      : undefined,
    // The legacy builder: the CLI would refuse BuildKit without buildx.
    build: { argv: args, why: 'build', env: { DOCKER_BUILDKIT: '0' } },
    tagCache: pushCache ? { argv: ['tag', refOf(spec.image, first), cacheRef], why: 'tag the cache image' } : undefined,
    push: spec.push
      ? [
          ...spec.tags.map((t) => ({ argv: ['push', refOf(spec.image, t)], why: `push ${t}` })),
          ...(pushCache ? [{ argv: ['push', cacheRef], why: 'push the cache image' }] : []),
        ]
      : [],
  };
}
