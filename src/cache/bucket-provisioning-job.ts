import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { invalid } from '../common/errors';
import { ResolvedSecretKey } from '../common/secret-ref';
import { contentHash } from '../common/hash';
import { concreteDeep } from '../common/values';
import { selectorLabels, standardLabels } from '../common/labels';
import { dnsEgress, tcpPorts } from '../common/network-policy';
import { resolveImagePullSecrets } from '../common/pod-options';
import { Resources, resolveResources, toResourceRequirements } from '../common/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import * as v from '../common/validate';
import { SECRET_VALUE_SCRIPT, SECRET_VALUE_SCRIPT_FILE } from '../common/secret-value';
import { knownKeys } from '../common/shape';
import { ResolvedCredentials } from './cache-credentials';

/**
 * How the provisioning Job is re-run by a GitOps tool.
 * - `none`: plain objects. The Job's name ends with a hash of everything it does, so a change of
 *   any input is a new Job, which `kubectl apply`, Flux and Argo CD create and run.
 * - `argocd`: also an Argo CD `PostSync` hook (deleted before the next run), so it runs after
 *   every sync, once MinIO is healthy, and its removal by `ttlSecondsAfterFinished` never shows
 *   the application as out of sync.
 * - `helm`: also a Helm `post-install,post-upgrade` hook, for `cdk8s synth --format helm`.
 */
export type ProvisioningHook = 'none' | 'argocd' | 'helm';

/** Options of the bucket provisioning Job. */
export interface BucketProvisioningOptions {
  /**
   * The MinIO client image, pinned.
   * @default 'minio/mc:RELEASE.2025-08-13T08-35-41Z'
   */
  readonly image?: string;
  /**
   * Retries of a failed run (`backoffLimit`).
   * @default 4
   */
  readonly backoffLimit?: number;
  /**
   * How long a run may take, waiting for MinIO included (`activeDeadlineSeconds`).
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;
  /**
   * How long a finished Job is kept before Kubernetes deletes it (`ttlSecondsAfterFinished`).
   * @default Duration.days(1)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * GitOps hook annotations; see {@link ProvisioningHook}.
   * @default 'none'
   */
  readonly hook?: ProvisioningHook;
  /**
   * Container requests and limits.
   * @default - cpu 10m/200m, memory 32Mi/128Mi (request/limit)
   */
  readonly resources?: Resources;
  /**
   * Secrets (in the cache's namespace, by name) holding credentials for the registry the mc
   * image is pulled from.
   * @default - the cache's `imagePullSecrets`
   */
  readonly imagePullSecrets?: string[];
}

/** Defaults of {@link BucketProvisioningOptions}, in one place. */
export const PROVISIONING_DEFAULTS = {
  /** Default `image`. */
  image: 'minio/mc:RELEASE.2025-08-13T08-35-41Z',
  /** Default `backoffLimit`. */
  backoffLimit: 4,
  /** Default `timeout`. */
  timeout: Duration.minutes(15),
  /** Default `ttlAfterFinished`. */
  ttlAfterFinished: Duration.days(1),
  /** Default `hook`. */
  hook: 'none' as ProvisioningHook,
  /** Default `resources`. */
  resources: { cpu: { request: '10m', limit: '200m' }, memory: { request: '32Mi', limit: '128Mi' } } as Resources,
};

/** Props of a {@link BucketProvisioningJob}. */
export interface BucketProvisioningJobProps extends BucketProvisioningOptions {
  /** Prefix of the objects' names: the ConfigMap and ServiceAccount are `<name>`, the Job `<name>-<hash>`. */
  readonly name: string;
  /** Namespace of MinIO, where the Job runs and both Secrets exist. */
  readonly namespace: string;
  /** `app.kubernetes.io/instance` of the Job's objects (the cache's name). */
  readonly instance: string;
  /** MinIO's S3 endpoint, e.g. `http://minio.gitlab-runner-cache.svc.cluster.local:9000`. */
  readonly endpoint: string;
  /** The bucket. */
  readonly bucketName: string;
  /** Days after which cache objects expire. */
  readonly expiryDays: number;
  /**
   * Hard quota of the bucket in bytes.
   * @default - no quota
   */
  readonly quotaBytes?: number;
  /** Name of the runner user's policy. */
  readonly policyName: string;
  /** MinIO's root credentials (Secret in `namespace`). */
  readonly rootCredentials: ResolvedCredentials;
  /** The runner user's keys (Secret in `namespace`). */
  readonly cacheCredentials: ResolvedCredentials;
  /** Selector labels of MinIO's pods, the only pods the Job may reach. */
  readonly serverPodSelector: Record<string, string>;
  /** MinIO's S3 port. */
  readonly serverPort: number;
  /**
   * The CA that signed MinIO's certificate, when MinIO serves HTTPS: a Secret key in `namespace`.
   * mc trusts it (copied into its certs/CAs directory).
   * @default - none: plain HTTP
   */
  readonly serverCa?: ResolvedSecretKey;
  /**
   * Emit a NetworkPolicy: the Job accepts no connection and reaches only DNS and MinIO's pods.
   * @default true
   */
  readonly networkPolicy?: boolean;
}

/** An IAM policy document, as MinIO reads it. */
export interface BucketPolicyDocument {
  /** IAM policy language version. */
  readonly Version: '2012-10-17';
  /** What the runner user may do. */
  readonly Statement: ReadonlyArray<{
    /** Always Allow: everything not allowed is denied. */
    readonly Effect: 'Allow';
    /** S3 actions, e.g. `s3:GetObject`. */
    readonly Action: readonly string[];
    /** The bucket or its objects, as ARNs. */
    readonly Resource: readonly string[];
  }>;
}

/** A lifecycle configuration, in the JSON form `mc ilm import` reads. */
export interface LifecycleDocument {
  /** The bucket's lifecycle rules (one: expire everything). */
  readonly Rules: ReadonlyArray<{
    /** Rule name. */
    readonly ID: string;
    /** The rule is on. */
    readonly Status: 'Enabled';
    /** Which objects: every object (empty prefix). */
    readonly Filter: {
      /** Object key prefix the rule applies to. */
      readonly Prefix: string;
    };
    /** When objects expire. */
    readonly Expiration: {
      /** Days after creation. */
      readonly Days: number;
    };
  }>;
}

/**
 * The Job runs as this unprivileged user, above 10000 so it maps to no user of the node; the mc
 * image needs no particular user.
 */
const PROVISIONER_UID = 10001;
const CONFIG_DIR = '/opt/provision';
const SECRETS_DIR = '/run/secrets/provision';
/** The CA of a MinIO serving HTTPS (a Secret key mounted alone: the TLS Secret also holds MinIO's private key). */
const CA_DIR = '/run/secrets/minio-ca';
const SCRIPT_FILE = 'provision-bucket.sh';
const SCRIPT = fs.readFileSync(path.join(__dirname, SCRIPT_FILE), 'utf8');

/**
 * A Job that provisions the cache bucket on MinIO with the `mc` client (see
 * `provision-bucket.sh`): bucket, versioning suspended, expiry rule, quota, a bucket-scoped policy
 * and the runner user holding the cache keys. Idempotent; its name carries a hash of its whole
 * spec and configuration, so changing any input makes a new Job that runs again.
 *
 * Secrets are mounted as files; the Job's spec holds no secret value.
 *
 * @example
 * // Made by MinioCache; tune it there:
 * new MinioCache(chart, 'cache', {
 *   rootCredentials: CacheCredentials.fromSecret('minio-root'),
 *   cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
 *   provisioning: { hook: 'argocd' },
 * });
 */
export class BucketProvisioningJob extends Construct {
  /** The Job's name, `<name>-<hash of its inputs>`. */
  public readonly jobName: string;
  /** The policy attached to the runner user. */
  public readonly policy: BucketPolicyDocument;
  /** The bucket's lifecycle configuration. */
  public readonly lifecycle: LifecycleDocument;
  /** The Job. */
  public readonly job: k8s.KubeJob;
  /** Selector labels of the Job's pods (for NetworkPolicies). */
  public readonly podSelector: Record<string, string>;
  /** Labels of the Job's objects. */
  public readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: BucketProvisioningJobProps) {
    super(scope, id);
    const { image, backoffLimit, timeoutSeconds, ttlSeconds, hook, resources, imagePullSecrets } = resolveProvisioningOptions(this, '', props);

    v.dnsLabel(this, 'name', props.name, 52);
    v.dnsLabel(this, 'namespace', props.namespace);
    v.bucketName(this, 'bucketName', props.bucketName);
    v.integer(this, 'expiryDays', props.expiryDays, 1);
    if (props.quotaBytes !== undefined) v.integer(this, 'quotaBytes', props.quotaBytes, 1, Number.MAX_SAFE_INTEGER);

    const labelParts = { name: 'minio', instance: props.instance, component: 'cache-provisioner' };
    const labels = standardLabels(labelParts);
    this.labels = labels;
    this.podSelector = selectorLabels(labelParts);
    const meta = { namespace: props.namespace, labels };

    this.policy = bucketPolicy(props.bucketName);
    this.lifecycle = {
      Rules: [{ ID: 'expire-cache', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: props.expiryDays } }],
    };
    const configData = {
      [SCRIPT_FILE]: SCRIPT,
      // Sourced by the script: what a Secret value may be, shared with render-config.sh.
      [SECRET_VALUE_SCRIPT_FILE]: SECRET_VALUE_SCRIPT,
      'lifecycle.json': `${JSON.stringify(this.lifecycle, null, 2)}\n`,
      'policy.json': `${JSON.stringify(this.policy, null, 2)}\n`,
    };
    new k8s.KubeConfigMap(this, 'Config', { metadata: { ...meta, name: props.name }, data: configData });
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta, name: props.name },
      automountServiceAccountToken: false,
    });

    const secretItems = (c: ResolvedCredentials, prefix: 'root' | 'cache') => ({
      secret: {
        name: c.secretName,
        items: [
          { key: c.accessKey.key, path: prefix === 'root' ? 'root-user' : 'cache-accesskey' },
          { key: c.secretKey.key, path: prefix === 'root' ? 'root-password' : 'cache-secretkey' },
        ],
      },
    });
    const spec: k8s.JobSpec = {
      backoffLimit,
      activeDeadlineSeconds: timeoutSeconds,
      ttlSecondsAfterFinished: ttlSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: props.name,
          automountServiceAccountToken: false,
          imagePullSecrets,
          securityContext: restrictedPodSecurityContext({ user: PROVISIONER_UID, group: PROVISIONER_UID, fsGroup: PROVISIONER_UID }),
          containers: [{
            name: 'provision',
            image,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', `${CONFIG_DIR}/${SCRIPT_FILE}`],
            args: [CONFIG_DIR, SECRETS_DIR],
            env: [
              { name: 'MINIO_URL', value: props.endpoint },
              { name: 'BUCKET', value: props.bucketName },
              { name: 'POLICY', value: props.policyName },
              { name: 'QUOTA_BYTES', value: props.quotaBytes === undefined ? '' : String(props.quotaBytes) },
              { name: 'MC_CONFIG_DIR', value: '/tmp/mc' },
              { name: 'MC_NO_COLOR', value: '1' },
              ...(props.serverCa ? [{ name: 'MINIO_CA_FILE', value: `${CA_DIR}/ca.crt` }] : []),
            ],
            resources: toResourceRequirements(resources),
            securityContext: restrictedContainerSecurityContext(),
            volumeMounts: [
              { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
              { name: 'credentials', mountPath: SECRETS_DIR, readOnly: true },
              { name: 'tmp', mountPath: '/tmp' },
              ...(props.serverCa ? [{ name: 'server-ca', mountPath: CA_DIR, readOnly: true }] : []),
            ],
          }],
          volumes: [
            { name: 'config', configMap: { name: props.name } },
            {
              name: 'credentials',
              // 0440: readable by the pod's fsGroup only.
              projected: { defaultMode: 0o440, sources: [secretItems(props.rootCredentials, 'root'), secretItems(props.cacheCredentials, 'cache')] },
            },
            // In memory: mc writes the root credentials into its config here.
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('16Mi') } },
            ...(props.serverCa ? [{ name: 'server-ca', secret: { secretName: props.serverCa.secretName, defaultMode: 0o444, items: [{ key: props.serverCa.key, path: 'ca.crt' }] } }] : []),
          ],
        },
      },
    };

    // The hash covers what the Job does: its spec (image, endpoint, bucket, quota, Secret
    // references) and its ConfigMap (script, lifecycle, policy). Hook annotations are not inputs.
    // Hashed with Helm values at their defaults, so plain synth and the chart name the Job alike.
    this.jobName = `${props.name}-${contentHash(concreteDeep({ spec, configData })).slice(0, 10)}`;
    this.job = new k8s.KubeJob(this, 'Job', {
      metadata: { ...meta, name: this.jobName, annotations: hookAnnotations(hook) },
      spec,
    });

    if (props.networkPolicy ?? true) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { ...meta, name: props.name },
        spec: {
          podSelector: { matchLabels: this.podSelector },
          policyTypes: ['Ingress', 'Egress'],
          // No ingress rule: nothing connects to the Job.
          egress: [dnsEgress(), { to: [{ podSelector: { matchLabels: props.serverPodSelector } }], ports: tcpPorts(props.serverPort) }],
        },
      });
    }
  }
}

/** {@link BucketProvisioningOptions} with defaults applied, validated. */
export interface ResolvedProvisioningOptions {
  /** The mc image. */
  readonly image: string;
  /** Retries before the Job fails. */
  readonly backoffLimit: number;
  /** activeDeadlineSeconds of the Job. */
  readonly timeoutSeconds: number;
  /** Seconds a finished Job is kept. */
  readonly ttlSeconds: number;
  /** GitOps hook annotations. */
  readonly hook: ProvisioningHook;
  /** Container requests and limits. */
  readonly resources: Resources;
  /** Pull secrets of the Job's pod. */
  readonly imagePullSecrets?: k8s.LocalObjectReference[];
}

/**
 * Validates provisioning options and applies the defaults. `field` prefixes the names in error
 * messages (`provisioning` when they are a prop of a cache construct).
 */
export function resolveProvisioningOptions(scope: Construct, field: string, o: BucketProvisioningOptions = {}): ResolvedProvisioningOptions {
  const f = (name: string) => (field ? `${field}.${name}` : name);
  if (o === null || typeof o !== 'object') invalid(scope, field || 'provisioning', o, 'must be an object of provisioning options, e.g. { backoffLimit: 6 }');
  // Only where the options stand alone (MinioCache's provisioning); a Job's own props hold more.
  if (field) knownKeys(scope, field, o, ['image', 'backoffLimit', 'timeout', 'ttlAfterFinished', 'hook', 'resources', 'imagePullSecrets']);
  return {
    image: v.pinnedImage(scope, f('image'), o.image ?? PROVISIONING_DEFAULTS.image, PROVISIONING_DEFAULTS.image),
    backoffLimit: v.integer(scope, f('backoffLimit'), o.backoffLimit ?? PROVISIONING_DEFAULTS.backoffLimit, 0, 20),
    timeoutSeconds: v.seconds(scope, f('timeout'), o.timeout ?? PROVISIONING_DEFAULTS.timeout, 60),
    ttlSeconds: v.seconds(scope, f('ttlAfterFinished'), o.ttlAfterFinished ?? PROVISIONING_DEFAULTS.ttlAfterFinished, 60),
    hook: v.oneOf(scope, f('hook'), o.hook ?? PROVISIONING_DEFAULTS.hook, ['none', 'argocd', 'helm']),
    resources: resolveResources(scope, f('resources'), o.resources, PROVISIONING_DEFAULTS.resources),
    imagePullSecrets: resolveImagePullSecrets(scope, f('imagePullSecrets'), o.imagePullSecrets),
  };
}

/**
 * Least privilege for the runner user: read and write objects in the bucket, and list it (so a
 * missing cache key is a 404, not a 403). Nothing else: no delete, no other bucket, no admin API.
 */
export function bucketPolicy(bucket: string): BucketPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: [`arn:aws:s3:::${bucket}`] },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
}

function hookAnnotations(hook: ProvisioningHook): Record<string, string> | undefined {
  switch (hook) {
    case 'argocd': return {
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
    };
    case 'helm': return {
      'helm.sh/hook': 'post-install,post-upgrade',
      'helm.sh/hook-delete-policy': 'before-hook-creation',
    };
    default: return undefined;
  }
}
