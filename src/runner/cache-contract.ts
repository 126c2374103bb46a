import { IConstruct } from 'constructs';
import { ResolvedSecretKey } from '../common/secret-ref';
import { CacheToml, SecretVolumeToml } from './config/model';

// The contract between a runner and its cache, owned by the runner that consumes it: caches
// (src/cache/) implement it, so they depend on the runner and never the other way round.

/**
 * What a runner hands a cache when it is wired to it ({@link Runner.useCache}): where its build
 * pods run, where its manager runs, and how to put a Secret value into config.toml.
 */
export interface CacheClient {
  /** The runner, for error messages. */
  readonly scope: IConstruct;
  /** The runner's name in config.toml. */
  readonly runnerName: string;
  /** Namespace of the runner's build pods: the helper container there talks to the cache. */
  readonly buildNamespace: string;
  /**
   * Namespace of the runner manager: the manager signs the cache URLs, so cache keys must be in a
   * Secret there.
   */
  readonly managerNamespace: string;
  /**
   * Registers a Secret key (in the manager's namespace) with the manager and returns the
   * placeholder to put in config.toml; the manager's init container substitutes the value at
   * pod start (the runner does not expand environment variables in cache keys).
   */
  readonly secretPlaceholder: (ref: ResolvedSecretKey) => string;
  /**
   * Mounts a Secret key (in the manager's namespace) as a read-only file into the manager
   * container and returns its path, for settings the runner reads from a file (a GCS key file).
   */
  readonly secretFile: (ref: ResolvedSecretKey) => string;
}

/** What a cache gives a runner wired to it. */
export interface CacheBinding {
  /** The runner's `[runners.cache]` table. */
  readonly config: CacheToml;
  /**
   * Labels for the runner's build pods (`pod_labels`), e.g. the ones the cache's NetworkPolicy
   * admits.
   * @default - none
   */
  readonly buildPodLabels?: Record<string, string>;
  /**
   * Secrets of the build namespace to mount into build pods (`[[runners.kubernetes.volumes.secret]]`),
   * e.g. the CA of a cache served over HTTPS.
   * @default - none
   */
  readonly buildPodSecretVolumes?: SecretVolumeToml[];
}

/**
 * A distributed cache runners can use: {@link MinioCache} (in the cluster), {@link S3Cache}
 * (an external S3 bucket) or {@link GcsCache}. Wire a runner with `runner.useCache(cache)`.
 */
export interface IRunnerCache extends IConstruct {
  /**
   * Called once per runner by {@link Runner.useCache}: records the runner (e.g. to admit its build
   * pods through a NetworkPolicy, or to provide the keys' Secret in its manager's namespace) and
   * returns its `[runners.cache]` table.
   */
  bind(client: CacheClient): CacheBinding;
}
