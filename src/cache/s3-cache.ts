import { Construct } from 'constructs';
import { standardLabels } from '../common/labels';
import * as v from '../common/validate';
import { invalid } from '../common/errors';
import { knownKeys, readable } from '../common/shape';
import { CacheBinding, CacheClient, IRunnerCache } from '../runner/cache-contract';
import { CacheCredentials, CredentialsProvider, resolveCredentials } from './cache-credentials';
import { kmsKeyId } from './cloud-names';
import { resolveCacheOptions, RunnerCacheOptions, S3ServerSideEncryption, s3CacheToml } from './runner-cache';

/** Props of an {@link S3Cache}. */
export interface S3CacheProps extends RunnerCacheOptions {
  /** The bucket, created and managed outside this library (give it an expiry rule). */
  readonly bucketName: string;
  /** The bucket's region: the runners' `BucketLocation`. */
  readonly region: string;
  /**
   * The S3 endpoint, `host` or `host:port` without a scheme.
   * @default 's3.amazonaws.com'
   */
  readonly serverAddress?: string;
  /**
   * Access keys of an IAM user limited to the bucket, from a Secret in each wired manager's
   * namespace (an ExternalSecret or development Secret is emitted there).
   * @default - no keys: `AuthenticationType = "iam"`, the manager pod's own AWS identity (EKS Pod
   * Identity or IRSA on its ServiceAccount, or the node's instance profile)
   */
  readonly credentials?: CacheCredentials;
  /**
   * Plain HTTP to the endpoint.
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * Path-style bucket addressing (`host/bucket`), for S3-compatible stores that need it.
   * @default - the runner decides (virtual-host style on AWS)
   */
  readonly pathStyle?: boolean;
  /**
   * Server-side encryption of the archives the runners upload (`ServerSideEncryption`,
   * `ServerSideEncryptionKeyID`), e.g. `{ type: 'KMS', kmsKeyId: 'alias/runner-cache' }`. With
   * KMS, the manager's identity (or the keys' IAM user) also needs `kms:GenerateDataKey` and
   * `kms:Decrypt` on the key.
   * @default - none: the bucket's default encryption applies
   */
  readonly serverSideEncryption?: S3ServerSideEncryption;
  /**
   * Resource name of emitted objects (the keys' ExternalSecret or development Secret), and
   * `app.kubernetes.io/instance`.
   * @default 's3-cache'
   */
  readonly name?: string;
}

/** Defaults of {@link S3CacheProps}, in one place. */
export const S3_CACHE_DEFAULTS = {
  /** Default `serverAddress`. */
  serverAddress: 's3.amazonaws.com',
  /** Default `insecure`. */
  insecure: false,
  /** Default `name`. */
  name: 's3-cache',
};

/**
 * An S3 bucket outside the cluster (AWS S3 or any S3-compatible store) as the runners' cache, with
 * the same wiring as {@link MinioCache}: `runner.useCache(cache)`.
 *
 * Without `credentials` the runner manager signs cache URLs with its own AWS identity
 * (`AuthenticationType = "iam"`): associate an IAM role allowed `s3:GetObject`/`s3:PutObject` on
 * the bucket (and `s3:ListBucket` on it) with the manager's ServiceAccount through EKS Pod
 * Identity or IRSA. No key is stored anywhere. With the manager's NetworkPolicy on, the manager
 * reaches AWS on 443 (STS for IRSA); EKS Pod Identity's agent (169.254.170.23:80) and the
 * instance metadata service need an extra egress rule.
 *
 * @example
 * // IAM (IRSA) by default; or keys from a Secret in the manager's namespace:
 * const cache = new S3Cache(chart, 'cache', {
 *   bucketName: 'my-runner-cache', region: 'eu-west-1',
 *   credentials: CacheCredentials.fromSecret('s3-cache-keys'),
 * });
 */
export class S3Cache extends Construct implements IRunnerCache {
  /** The bucket. */
  public readonly bucketName: string;
  /** The bucket's region (`BucketLocation`). */
  public readonly region: string;
  /** The S3 endpoint (`ServerAddress`). */
  public readonly serverAddress: string;
  /** `access-key` with credentials, `iam` without. */
  public readonly authenticationType: 'access-key' | 'iam';
  /** Prefix of the cache objects (`Path`). */
  public readonly path: string;
  /** Whether runners share cache keys (`Shared`). */
  public readonly shared: boolean;

  private readonly keys?: CredentialsProvider;
  private readonly insecure: boolean;
  private readonly pathStyle?: boolean;
  private readonly serverSideEncryption?: S3ServerSideEncryption;
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: S3CacheProps) {
    super(scope, id);
    readable(this, props);
    const p = props ?? ({} as S3CacheProps);
    const name = v.dnsLabel(this, 'name', p.name ?? S3_CACHE_DEFAULTS.name);
    this.bucketName = v.bucketName(this, 'bucketName', p.bucketName);
    this.region = v.region(this, 'region', p.region);
    this.serverAddress = v.hostPort(this, 'serverAddress', p.serverAddress ?? S3_CACHE_DEFAULTS.serverAddress);
    this.insecure = v.boolean(this, 'insecure', p.insecure ?? S3_CACHE_DEFAULTS.insecure);
    this.pathStyle = p.pathStyle === undefined ? undefined : v.boolean(this, 'pathStyle', p.pathStyle);
    const { path, shared } = resolveCacheOptions(this, p);
    this.path = path;
    this.shared = shared;
    this.labels = standardLabels({ name: 's3-cache', instance: name, component: 'cache' });
    if (p.credentials !== undefined) {
      this.keys = resolveCredentials(this, 'credentials', p.credentials, {
        defaultSecretName: `${name}-keys`,
        defaultKeys: { accessKey: 'accesskey', secretKey: 'secretkey' },
        purpose: 'GitLab Runner cache keys',
      });
    }
    this.authenticationType = this.keys ? 'access-key' : 'iam';
    this.serverSideEncryption = resolveEncryption(this, p.serverSideEncryption);
  }

  /** Wires a runner (called by {@link Runner.useCache}). */
  public bind(client: CacheClient): CacheBinding {
    const keys = this.keys?.provideIn(client.managerNamespace, this.labels);
    return {
      config: s3CacheToml(client, {
        path: this.path, shared: this.shared, serverAddress: this.serverAddress, bucketName: this.bucketName,
        region: this.region, insecure: this.insecure, pathStyle: this.pathStyle, keys,
        serverSideEncryption: this.serverSideEncryption,
      }),
    };
  }

}

const SSE_TYPES = ['S3', 'KMS', 'DSSE-KMS'] as const;

/** Validated {@link S3CacheProps.serverSideEncryption}: a KMS key exactly when the type uses one. */
function resolveEncryption(scope: Construct, sse: S3ServerSideEncryption | undefined): S3ServerSideEncryption | undefined {
  if (sse === undefined) return undefined;
  if (sse === null || typeof sse !== 'object') {
    invalid(scope, 'serverSideEncryption', sse, 'must be { type: "S3" } or { type: "KMS" | "DSSE-KMS", kmsKeyId: "…" }');
  }
  knownKeys(scope, 'serverSideEncryption', sse, ['type', 'kmsKeyId']);
  const type = v.oneOf(scope, 'serverSideEncryption.type', sse.type, SSE_TYPES);
  if (type === 'S3') {
    if (sse.kmsKeyId !== undefined) {
      invalid(scope, 'serverSideEncryption.kmsKeyId', sse.kmsKeyId, 'must be unset with type "S3" (SSE-S3 uses keys S3 manages); use type "KMS" for a KMS key');
    }
    return { type };
  }
  if (sse.kmsKeyId === undefined) {
    invalid(scope, 'serverSideEncryption.kmsKeyId', sse.kmsKeyId, `is required with type "${type}": the KMS key id, alias ("alias/runner-cache") or ARN the archives are encrypted with`);
  }
  return { type, kmsKeyId: kmsKeyId(scope, 'serverSideEncryption.kmsKeyId', sse.kmsKeyId) };
}
