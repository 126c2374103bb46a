import { Construct } from 'constructs';
import * as v from '../common/validate';
import { CacheBinding, CacheClient, IRunnerCache, resolveCacheOptions, RunnerCacheOptions } from './runner-cache';

/** Props of a {@link GcsCache}. */
export interface GcsCacheProps extends RunnerCacheOptions {
  /** The bucket, created and managed outside this library (give it a lifecycle delete rule). */
  readonly bucketName: string;
}

/**
 * A Google Cloud Storage bucket as the runners' cache, wired like {@link MinioCache}:
 * `runner.useCache(cache)`.
 *
 * Keyless: config.toml names only the bucket, and the runner manager signs cache URLs with its
 * own Google identity through the metadata server and the IAM `signBlob` API. On GKE, bind the
 * manager's ServiceAccount to a Google service account with Workload Identity; that account
 * needs `roles/storage.objectUser` on the bucket and `roles/iam.serviceAccountTokenCreator` on
 * itself. With the manager's NetworkPolicy on, allow its egress to the GKE metadata server
 * (169.254.169.254:80, and 169.254.169.252:988 on Dataplane V2) as well.
 *
 * Key files (`CredentialsFile`) are not offered: the file would have to be mounted into the
 * manager container, which keeps Secrets in its init container only.
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

  constructor(scope: Construct, id: string, props: GcsCacheProps) {
    super(scope, id);
    const p = props ?? ({} as GcsCacheProps);
    this.bucketName = v.gcsBucketName(this, 'bucketName', p.bucketName);
    const { path, shared } = resolveCacheOptions(this, p);
    this.path = path;
    this.shared = shared;
  }

  /** Wires a runner (called by {@link Runner.useCache}). */
  public bind(_client: CacheClient): CacheBinding {
    return { config: { Type: 'gcs', Path: this.path, Shared: this.shared, gcs: { BucketName: this.bucketName } } };
  }
}
