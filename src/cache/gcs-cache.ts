import { Construct } from 'constructs';
import { ResolvedSecretKey, resolveSecretKey, SecretKeyReference } from '../common/secret-ref';
import { readable } from '../common/shape';
import * as v from '../common/validate';
import { CacheBinding, CacheClient, IRunnerCache } from '../runner/cache-contract';
import { resolveCacheOptions, RunnerCacheOptions } from './runner-cache';

/** Props of a {@link GcsCache}. */
export interface GcsCacheProps extends RunnerCacheOptions {
  /** The bucket, created and managed outside this library (give it a lifecycle delete rule). */
  readonly bucketName: string;
  /**
   * A service-account JSON key file (`CredentialsFile`), from a Secret in each wired manager's
   * namespace, mounted read-only into the manager container. Prefer Workload Identity: a key
   * file is a long-lived credential.
   * @default - keyless: the manager's own Google identity (Workload Identity)
   */
  readonly credentialsFile?: SecretKeyReference;
}

/** Defaults of {@link GcsCacheProps}, in one place. */
export const GCS_CACHE_DEFAULTS = {
  /** Default key of `credentialsFile`. */
  credentialsFileKey: 'key.json',
};

/**
 * A Google Cloud Storage bucket as the runners' cache, wired like {@link MinioCache}:
 * `runner.useCache(cache)`.
 *
 * Keyless by default: config.toml names only the bucket, and the runner manager signs cache URLs with its
 * own Google identity through the metadata server and the IAM `signBlob` API. On GKE, bind the
 * manager's ServiceAccount to a Google service account with Workload Identity; that account
 * needs `roles/storage.objectUser` on the bucket and `roles/iam.serviceAccountTokenCreator` on
 * itself. With the manager's NetworkPolicy on, allow its egress to the GKE metadata server
 * (169.254.169.254:80, and 169.254.169.252:988 on Dataplane V2) as well.
 *
 * With `credentialsFile`, the key file's Secret (in each wired manager's namespace) is mounted
 * read-only into the manager container, under /run/secrets/gitlab-runner-files, and
 * `CredentialsFile` points at it: the runner reads it itself. The key never enters config.toml
 * or the ConfigMap; it is readable by the manager process, as the rendered config.toml is.
 *
 * @example
 * // Keyless, through GKE Workload Identity on the manager's ServiceAccount:
 * const cache = new GcsCache(chart, 'cache', { bucketName: 'my-runner-cache' });
 * manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
 */
export class GcsCache extends Construct implements IRunnerCache {
  /** The bucket. */
  public readonly bucketName: string;
  /** Prefix of the cache objects (`Path`). */
  public readonly path: string;
  /** Whether runners share cache keys (`Shared`). */
  public readonly shared: boolean;
  /** The key file's Secret, when the cache uses one. */
  public readonly credentialsFile?: ResolvedSecretKey;

  constructor(scope: Construct, id: string, props: GcsCacheProps) {
    super(scope, id);
    readable(this, props);
    const p = props ?? ({} as GcsCacheProps);
    this.bucketName = v.gcsBucketName(this, 'bucketName', p.bucketName);
    const { path, shared } = resolveCacheOptions(this, p);
    this.path = path;
    this.shared = shared;
    this.credentialsFile = p.credentialsFile === undefined ? undefined
      : resolveSecretKey(this, 'credentialsFile', p.credentialsFile, GCS_CACHE_DEFAULTS.credentialsFileKey);
  }

  /** Wires a runner (called by {@link Runner.useCache}). */
  public bind(client: CacheClient): CacheBinding {
    const gcs = { BucketName: this.bucketName, CredentialsFile: this.credentialsFile ? client.secretFile(this.credentialsFile) : undefined };
    return { config: { Type: 'gcs', Path: this.path, Shared: this.shared, gcs } };
  }
}
