import { IConstruct } from 'constructs';
import * as v from '../common/validate';
import type { CacheClient } from '../runner/cache-contract';
import { CacheToml } from '../runner/config/model';
import type { ResolvedCredentials } from './cache-credentials';

/** Options every cache shares: how runners lay out their archives in the bucket. */
export interface RunnerCacheOptions {
  /**
   * Prefix of the cache objects in the bucket (`Path`).
   * @default 'runner'
   */
  readonly path?: string;
  /**
   * Share the cache between runners (`Shared`): cache keys are then per project, not per runner,
   * so runners wired to the same bucket reuse each other's archives.
   * @default true
   */
  readonly shared?: boolean;
}

/** Defaults of {@link RunnerCacheOptions}, in one place. */
export const RUNNER_CACHE_DEFAULTS = {
  /** Default `path`. */
  path: 'runner',
  /** Default `shared`. */
  shared: true,
} as const;

/** {@link RunnerCacheOptions} with defaults applied. */
export interface ResolvedCacheOptions {
  /** `Path`: prefix of the cache objects. */
  readonly path: string;
  /** `Shared`: whether runners share cache keys. */
  readonly shared: boolean;
}

/** Validated {@link RunnerCacheOptions}. */
export function resolveCacheOptions(scope: IConstruct, o: RunnerCacheOptions): ResolvedCacheOptions {
  const shared = o.shared ?? RUNNER_CACHE_DEFAULTS.shared;
  // Not String(shared) against "true" and "false": the string "true" would pass as a boolean.
  v.boolean(scope, 'shared', shared);
  return { path: v.keyPrefix(scope, 'path', o.path ?? RUNNER_CACHE_DEFAULTS.path), shared };
}

/** What an S3-compatible cache puts in a runner's `[runners.cache]`. */
export interface S3CacheTomlOptions extends ResolvedCacheOptions {
  /** `ServerAddress`: `host[:port]`. */
  readonly serverAddress: string;
  /** The bucket. */
  readonly bucketName: string;
  /** `BucketLocation`: set so the manager never asks the server for it. */
  readonly region: string;
  /** Plain HTTP. */
  readonly insecure: boolean;
  /**
   * Path-style addressing.
   * @default - the runner's default (virtual-host style)
   */
  readonly pathStyle?: boolean;
  /**
   * Keys in the manager's namespace, put in config.toml through the manager's placeholders.
   * @default - none: `AuthenticationType = "iam"`
   */
  readonly keys?: ResolvedCredentials;
  /**
   * Server-side encryption of uploaded archives.
   * @default - none: the bucket's default encryption
   */
  readonly serverSideEncryption?: S3ServerSideEncryption;
}

/** Server-side encryption of an S3 cache's archives (`ServerSideEncryption`, `ServerSideEncryptionKeyID`). */
export interface S3ServerSideEncryption {
  /** `S3` (SSE-S3, AES256), `KMS` (SSE-KMS) or `DSSE-KMS` (dual-layer SSE-KMS). */
  readonly type: 'S3' | 'KMS' | 'DSSE-KMS';
  /**
   * The KMS key: key id, `alias/…`, or a key or alias ARN. Required for `KMS` and `DSSE-KMS`,
   * refused for `S3`.
   * @default - none (only for `S3`)
   */
  readonly kmsKeyId?: string;
}

/** The `[runners.cache]` table of an S3-compatible cache (MinIO, AWS S3, …) for one runner. */
export function s3CacheToml(client: CacheClient, o: S3CacheTomlOptions): CacheToml {
  return {
    Type: 's3',
    Path: o.path,
    Shared: o.shared,
    s3: {
      ServerAddress: o.serverAddress,
      AccessKey: o.keys ? client.secretPlaceholder(o.keys.accessKey) : undefined,
      SecretKey: o.keys ? client.secretPlaceholder(o.keys.secretKey) : undefined,
      BucketName: o.bucketName,
      BucketLocation: o.region,
      Insecure: o.insecure,
      AuthenticationType: o.keys ? 'access-key' : 'iam',
      PathStyle: o.pathStyle,
      ServerSideEncryption: o.serverSideEncryption?.type,
      ServerSideEncryptionKeyID: o.serverSideEncryption?.kmsKeyId,
    },
  };
}
