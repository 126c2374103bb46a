import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { claim } from '../common/app-claims';
import { invalid } from '../common/errors';
import { dnsEgress, tcpPorts } from '../common/network-policy';
import { applyPodOptions, ownedPodParts, PodOptions, resolvePodOptions } from '../common/pod-options';
import { BUILD_POD_LABEL_KEY, CACHE_NAME_LABEL_KEY, CACHE_NAMESPACE_LABEL_KEY, selectorLabels, standardLabels } from '../common/labels';
import { Resources, resolveResources, toResourceRequirements } from '../common/resources';
import { requireDistinctNamespaces } from '../common/rules';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { optionalBoolean, readable } from '../common/shape';
import * as v from '../common/validate';
import { concrete } from '../common/values';
import { ensureUniqueObjects } from '../common/unique-objects';
import { podSecurityLabels } from '../runner/build-namespace';
import { CacheBinding, CacheClient, IRunnerCache } from '../runner/cache-contract';
import { BucketProvisioningJob, BucketProvisioningOptions, resolveProvisioningOptions } from './bucket-provisioning-job';
import { CacheCredentials, CredentialsProvider, ResolvedCredentials, resolveCredentials } from './cache-credentials';
import { MinioTls, MinioTlsConfig, BUILD_POD_CA_DIR, BUILD_POD_CA_FILE } from './minio-tls';
import { resolveCacheOptions, RunnerCacheOptions, s3CacheToml } from './runner-cache';

/**
 * - `standalone`: one MinIO pod (a Deployment with the Recreate strategy) on one ReadWriteOnce
 *   volume. Losing the volume loses the cache, which is only a cache.
 * - `distributed`: a StatefulSet of at least 4 pods, each with its own volume, erasure-coded;
 *   survives the loss of pods and volumes, with a PodDisruptionBudget for node drains.
 */
export type MinioMode = 'standalone' | 'distributed';

/**
 * Props of a {@link MinioCache}. Placement, pod metadata, extra env and volumes and pull secrets
 * of MinIO's pods are the {@link PodOptions}; the provisioning Job pulls with the same
 * `imagePullSecrets` unless `provisioning.imagePullSecrets` says otherwise.
 */
export interface MinioCacheProps extends RunnerCacheOptions, PodOptions {
  /**
   * MinIO's root user: a Secret in the cache's namespace, read by MinIO and by the provisioning
   * Job only. Runners never get it.
   */
  readonly rootCredentials: CacheCredentials;
  /**
   * The keys runners use (Secret keys `accesskey` and `secretkey` unless named otherwise). The
   * provisioning Job creates a MinIO user with them, limited to the bucket. The Secret must exist
   * in the cache's namespace (for the Job) and in the namespace of every runner manager wired to
   * the cache (its init container writes the keys into config.toml); an ExternalSecret or
   * development Secret is emitted in each of those namespaces automatically.
   */
  readonly cacheCredentials: CacheCredentials;
  /**
   * Resource name of MinIO's objects (Service, Deployment or StatefulSet, …), and the
   * `app.kubernetes.io/instance` label. At most 42 characters (the provisioning Job's name is
   * `<name>-provision-<hash>`).
   * @default 'minio'
   */
  readonly name?: string;
  /**
   * Namespace of MinIO and its provisioning Job. Give the cache its own namespace: its Secrets
   * then sit where no runner's executor Role reaches.
   * @default 'gitlab-runner-cache'
   */
  readonly namespace?: string;
  /**
   * Emit the Namespace object, enforcing Pod Security "restricted".
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Standalone (one pod) or distributed (erasure-coded StatefulSet).
   * @default 'standalone'
   */
  readonly mode?: MinioMode;
  /**
   * Pods of a distributed MinIO: 4 to 16, or a multiple of one of those. Standalone runs one pod.
   * @default 4 in distributed mode, 1 in standalone mode
   */
  readonly replicas?: number;
  /**
   * The MinIO server image, pinned. The MinIO community server is no longer maintained and its
   * images are no longer published: mirror this image (tag and digest) into a registry you
   * control, or build the last source release yourself, and set it here.
   * @default 'minio/minio:RELEASE.2025-09-07T16-13-09Z'
   */
  readonly image?: string;
  /**
   * Size of each MinIO volume (one per pod). MinIO needs at least 1Gi.
   * @default '20Gi'
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClassName?: string;
  /**
   * The bucket runners use.
   * @default 'gitlab-runner-cache'
   */
  readonly bucketName?: string;
  /**
   * MinIO's region (`MINIO_SITE_REGION`), also the runners' `BucketLocation`, so the runner
   * never has to ask the server for it.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Cache objects older than this are deleted (a lifecycle rule on the bucket): whole days, at
   * least one. Without it a cache bucket grows forever.
   * @default Duration.days(14)
   */
  readonly expiry?: Duration;
  /**
   * A hard quota on the bucket, at least 1Gi; uploads fail (and jobs carry on without saving
   * their cache) once it is reached.
   * @default - no quota
   */
  readonly quota?: string;
  /**
   * Serve the MinIO console on port 9001 (reach it with `kubectl port-forward`; the
   * NetworkPolicy admits nobody else).
   * @default false
   */
  readonly console?: boolean;
  /**
   * MinIO container requests and limits.
   * @default - cpu 250m/1, memory 512Mi/1Gi (request/limit)
   */
  readonly resources?: Resources;
  /**
   * Emit NetworkPolicies: MinIO accepts port 9000 only from build pods of the runners wired to
   * it (in their build namespaces), from the provisioning Job and, in distributed mode, from its
   * own pods; MinIO and the Job reach nothing else but DNS (standalone MinIO reaches nothing).
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * The cluster's DNS domain, in the service address runners use and in distributed MinIO's
   * peer addresses.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
  /**
   * The bucket provisioning Job: image, retries, time limits, GitOps hooks.
   * @default - see {@link BucketProvisioningOptions}
   */
  readonly provisioning?: BucketProvisioningOptions;
  /**
   * Serve the S3 API over HTTPS with this certificate: an existing kubernetes.io/tls Secret
   * ({@link MinioTls.fromSecret}) or a cert-manager Certificate ({@link MinioTls.fromCertManager}).
   * Runners then reach the cache over https, without `Insecure`; the provisioning Job's mc and
   * MinIO's own peers trust the CA from the Secret, and build pods mount the CA from a Secret of
   * their namespace ({@link MinioTlsOptions.buildPodCaSecretName}).
   * @default - plain HTTP inside the cluster (the NetworkPolicy admits only the build pods of wired runners)
   */
  readonly tls?: MinioTls;
}

/** Defaults of {@link MinioCacheProps}, in one place. */
export const MINIO_CACHE_DEFAULTS = {
  /** Default `name`. */
  name: 'minio',
  /** Default `namespace`. */
  namespace: 'gitlab-runner-cache',
  /** Default `createNamespace`. */
  createNamespace: true,
  /** Default `mode`. */
  mode: 'standalone' as MinioMode,
  /** Default `distributedReplicas`. */
  distributedReplicas: 4,
  /** Default `image`. */
  image: 'minio/minio:RELEASE.2025-09-07T16-13-09Z',
  /** Default `storageSize`. */
  storageSize: '20Gi',
  /** Default `bucketName`. */
  bucketName: 'gitlab-runner-cache',
  /** Default `region`. */
  region: 'us-east-1',
  /** Default `expiry`. */
  expiry: Duration.days(14),
  /** Default `console`. */
  console: false,
  /** Default `resources`. */
  resources: { cpu: { request: '250m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } } as Resources,
  /** Default `networkPolicies`. */
  networkPolicies: true,
  /** Default `clusterDomain`. */
  clusterDomain: 'cluster.local',
};

/** MinIO's S3 API port. */
export const MINIO_S3_PORT = 9000;
/** MinIO's console port, when the console is on. */
export const MINIO_CONSOLE_PORT = 9001;
/**
 * MinIO runs as this unprivileged user, above 10000 so it maps to no user of the node; the image
 * needs no particular user (its binary is world-executable).
 */
const MINIO_UID = 10001;
const ROOT_CREDENTIALS_DIR = '/run/secrets/minio-root';
const DATA_DIR = '/data';
const MIN_VOLUME_SIZE = '1Gi';

/**
 * Starts MinIO only when both root credential files hold a value. MinIO silently ignores an empty
 * `*_FILE` and falls back to the well-known default credentials; this refuses to.
 */
export const MINIO_START_SCRIPT = [
  'for f in "$MINIO_ROOT_USER_FILE" "$MINIO_ROOT_PASSWORD_FILE"; do',
  '  v=$(cat "$f" 2>/dev/null) || v=""',
  '  case $v in *[![:space:]]*) ;; *) echo "minio: $f is missing or empty: refusing to start with default credentials" >&2; exit 1 ;; esac',
  'done',
  'exec minio "$@"',
].join('\n');

/** A runner wired to a {@link MinioCache}. */
export interface MinioCacheClient {
  /** Construct path of the runner. */
  readonly runner: string;
  /** The runner's name in config.toml. */
  readonly runnerName: string;
  /** Namespace of its build pods. */
  readonly buildNamespace: string;
  /** Namespace of its manager. */
  readonly managerNamespace: string;
}

/**
 * An in-cluster S3 cache for GitLab runners, on MinIO: the server (standalone or distributed)
 * with a Service on port 9000, a bucket provisioned by a Job (expiry rule, optional quota,
 * versioning suspended, a user limited to the bucket), and NetworkPolicies that admit only the
 * build pods of runners wired to it. Wire a runner with `runner.useCache(cache)`: its
 * `[runners.cache]` is filled from this construct and its NetworkPolicy updated.
 *
 * Secrets, by namespace:
 * - the cache's namespace: `rootCredentials` (MinIO and the Job) and `cacheCredentials` (the Job
 *   creates the runner user with them);
 * - each wired runner manager's namespace: `cacheCredentials` (only the manager signs cache URLs;
 *   build pods' helpers use the pre-signed URLs and never see a key).
 *
 * @example
 * const cache = new MinioCache(chart, 'cache', {
 *   rootCredentials: CacheCredentials.fromSecret('minio-root'),
 *   cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
 * });
 * manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
 */
export class MinioCache extends Construct implements IRunnerCache {
  /** Resource name of MinIO's objects. */
  public readonly name: string;
  /** MinIO's namespace. */
  public readonly namespace: string;
  /** Standalone or distributed. */
  public readonly mode: MinioMode;
  /** MinIO pods. */
  public readonly replicas: number;
  /** The MinIO image. */
  public readonly image: string;
  /** The Service runners reach MinIO through. */
  public readonly service: k8s.KubeService;
  /** Name of that Service. */
  public readonly serviceName: string;
  /** Its S3 port. */
  public readonly port: number;
  /** `host:port` of the S3 API: the runners' `ServerAddress`. */
  public readonly serverAddress: string;
  /** `http://host:port` of the S3 API (`https://` with {@link tls}). */
  public readonly endpoint: string;
  /** `https` when MinIO serves TLS, else `http`. */
  public readonly scheme: 'http' | 'https';
  /** The bucket. */
  public readonly bucketName: string;
  /** MinIO's region, the runners' `BucketLocation`. */
  public readonly region: string;
  /** Days after which cache objects expire. */
  public readonly expiryDays: number;
  /** The bucket's hard quota, if any. */
  public readonly quota?: string;
  /** Prefix of the cache objects (`Path`). */
  public readonly path: string;
  /** Whether runners share cache entries (`Shared`). */
  public readonly shared: boolean;
  /** MinIO's root credentials (in {@link namespace}). */
  public readonly rootCredentials: ResolvedCredentials;
  /** The runners' keys (in {@link namespace} and in each wired manager's namespace). */
  public readonly cacheCredentials: ResolvedCredentials;
  /** The MinIO policy that limits the runner user to the bucket. */
  public readonly policyName: string;
  /** The Deployment (standalone) or StatefulSet (distributed). */
  public readonly workload: k8s.KubeDeployment | k8s.KubeStatefulSet;
  /** The provisioning Job and its ConfigMap. */
  public readonly provisioning: BucketProvisioningJob;
  /** Labels of MinIO's objects. */
  public readonly labels: Record<string, string>;
  /** Labels the build pods of wired runners carry (through `pod_labels`). */
  public readonly buildPodLabels: Record<string, string>;
  /**
   * MinIO's certificate when it serves HTTPS: the TLS Secret in {@link namespace}, the key of its
   * CA, and the CA Secret build pods mount in their own namespace. What the runner side needs to
   * trust the cache.
   */
  public readonly tls?: MinioTlsConfig;

  private readonly selector: Record<string, string>;
  private readonly createNamespace: boolean;
  private readonly networkPolicies: boolean;
  private readonly cacheKeys: CredentialsProvider;
  private readonly clientList: MinioCacheClient[] = [];

  constructor(scope: Construct, id: string, props: MinioCacheProps) {
    super(scope, id);
    readable(this, props);
    ensureUniqueObjects(this);
    const p = props ?? ({} as MinioCacheProps);
    const D = MINIO_CACHE_DEFAULTS;
    this.name = v.dnsLabel(this, 'name', p.name ?? D.name, 42);
    this.namespace = v.dnsLabel(this, 'namespace', p.namespace ?? D.namespace);
    this.createNamespace = optionalBoolean(this, 'createNamespace', p.createNamespace) ?? D.createNamespace;
    if (this.createNamespace) {
      v.ownNamespace(this, 'namespace', this.namespace, 'a Namespace object emitted for it would take it over (and pruning it would delete the namespace): use a namespace of your own, or set createNamespace: false');
    }
    claim(this, { kind: 'namespace', key: concrete(this.namespace), use: 'cache', value: this.namespace, field: 'namespace' });
    this.mode = v.oneOf(this, 'mode', p.mode ?? D.mode, ['standalone', 'distributed']);
    if (this.mode === 'standalone') {
      if (p.replicas !== undefined && p.replicas !== 1) {
        invalid(this, 'replicas', p.replicas, 'must be 1 (or unset) in standalone mode; use mode: "distributed" for 4 or more pods');
      }
      this.replicas = 1;
    } else {
      this.replicas = v.minioDistributedReplicas(this, 'replicas', p.replicas ?? D.distributedReplicas);
    }
    this.image = v.pinnedImage(this, 'image', p.image ?? D.image, D.image);
    const storageSize = v.storageSize(this, 'storageSize', p.storageSize ?? D.storageSize, MIN_VOLUME_SIZE);
    const storageClassName = p.storageClassName === undefined ? undefined : v.dnsSubdomain(this, 'storageClassName', p.storageClassName);
    this.bucketName = v.bucketName(this, 'bucketName', p.bucketName ?? D.bucketName);
    this.region = v.region(this, 'region', p.region ?? D.region);
    this.expiryDays = v.wholeDays(this, 'expiry', p.expiry ?? D.expiry, 1);
    this.quota = p.quota === undefined ? undefined : v.storageSize(this, 'quota', p.quota, '1Gi');
    const consoleOn = optionalBoolean(this, 'console', p.console) ?? D.console;
    const resources = resolveResources(this, 'resources', p.resources, D.resources);
    const clusterDomain = v.dnsSubdomain(this, 'clusterDomain', p.clusterDomain ?? D.clusterDomain);
    const { path, shared } = resolveCacheOptions(this, p);
    this.path = path;
    this.shared = shared;
    const provisioning = resolveProvisioningOptions(this, 'provisioning', p.provisioning);

    const root = resolveCredentials(this, 'rootCredentials', p.rootCredentials, {
      defaultSecretName: `${this.name}-root`,
      defaultKeys: { accessKey: 'rootUser', secretKey: 'rootPassword' },
      purpose: 'MinIO root credentials',
    });
    this.cacheKeys = resolveCredentials(this, 'cacheCredentials', p.cacheCredentials, {
      defaultSecretName: `${this.name}-cache-keys`,
      defaultKeys: { accessKey: 'accesskey', secretKey: 'secretkey' },
      purpose: 'GitLab Runner cache keys',
    });
    const r = root.resolved;
    const c = this.cacheKeys.resolved;
    if (r.secretName === c.secretName && r.accessKey.key === c.accessKey.key) {
      invalid(this, 'cacheCredentials', `${c.secretName}/${c.accessKey.key}`,
        'must not be MinIO\'s root credentials: runners get their own user, limited to the bucket');
    }

    this.serviceName = this.name;
    this.port = MINIO_S3_PORT;
    const host = `${this.serviceName}.${this.namespace}.svc.${clusterDomain}`;
    this.serverAddress = `${host}:${this.port}`;
    const headless = `${this.name}-hl`;
    const labelParts = { name: 'minio', instance: this.name, component: 'cache' };
    this.labels = standardLabels(labelParts);
    this.selector = selectorLabels(labelParts);
    this.buildPodLabels = { [CACHE_NAME_LABEL_KEY]: this.name, [CACHE_NAMESPACE_LABEL_KEY]: this.namespace };
    const meta = { namespace: this.namespace, labels: this.labels };

    // The Namespace comes first in the output: `kubectl apply -f` creates objects in file order,
    // and the TLS Certificate below lives in it.
    if (this.createNamespace) {
      new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: { ...this.labels, ...podSecurityLabels('restricted') } },
      });
    }
    if (p.tls !== undefined && !(p.tls instanceof MinioTls)) {
      invalid(this, 'tls', p.tls, 'must be MinioTls.fromSecret(secretName) or MinioTls.fromCertManager({ issuerRef })');
    }
    this.tls = p.tls?.bind(this, 'tls', {
      name: this.name,
      namespace: this.namespace,
      labels: standardLabels({ name: 'minio', instance: this.name, component: 'cache' }),
      // Clients use the Service; distributed MinIO's pods reach each other by their own names.
      dnsNames: [host, ...(this.mode === 'distributed' ? [`*.${headless}.${this.namespace}.svc.${clusterDomain}`] : [])],
    });
    this.scheme = this.tls ? 'https' : 'http';
    this.endpoint = `${this.scheme}://${this.serverAddress}`;
    this.policyName = `${this.bucketName}-readwrite`;
    this.rootCredentials = root.provideIn(this.namespace, this.labels);
    this.cacheCredentials = this.cacheKeys.provideIn(this.namespace, this.labels);

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta, name: this.name },
      automountServiceAccountToken: false,
    });

    const ports: k8s.ServicePort[] = [
      { name: 's3', port: MINIO_S3_PORT, targetPort: k8s.IntOrString.fromString('s3'), protocol: 'TCP' },
      ...(consoleOn ? [{ name: 'console', port: MINIO_CONSOLE_PORT, targetPort: k8s.IntOrString.fromString('console'), protocol: 'TCP' }] : []),
    ];
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { ...meta, name: this.serviceName },
      spec: { type: 'ClusterIP', selector: this.selector, ports },
    });

    const volumeClaim = (name: string): k8s.KubePersistentVolumeClaimProps => ({
      metadata: { name, labels: this.labels },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName,
        resources: { requests: { storage: k8s.Quantity.fromString(storageSize) } },
      },
    });

    if (this.mode === 'standalone') {
      const claim = `${this.name}-data`;
      new k8s.KubePersistentVolumeClaim(this, 'Data', { ...volumeClaim(claim), metadata: { ...meta, name: claim } });
      this.workload = new k8s.KubeDeployment(this, 'Deployment', {
        metadata: { ...meta, name: this.name },
        spec: {
          replicas: 1,
          // One ReadWriteOnce volume: the old pod must let go of it before the new one starts.
          strategy: { type: 'Recreate' },
          selector: { matchLabels: this.selector },
          template: this.podTemplate({ console: consoleOn, resources, args: [DATA_DIR], data: { name: 'data', persistentVolumeClaim: { claimName: claim } }, pod: p }),
        },
      });
    } else {
      new k8s.KubeService(this, 'HeadlessService', {
        metadata: { ...meta, name: headless },
        spec: {
          clusterIp: 'None',
          // Peers must find each other before they are ready: readiness needs a quorum.
          publishNotReadyAddresses: true,
          selector: this.selector,
          ports: [ports[0]],
        },
      });
      const peers = `${this.scheme}://${this.name}-{0...${this.replicas - 1}}.${headless}.${this.namespace}.svc.${clusterDomain}:${MINIO_S3_PORT}${DATA_DIR}`;
      this.workload = new k8s.KubeStatefulSet(this, 'StatefulSet', {
        metadata: { ...meta, name: this.name },
        spec: {
          replicas: this.replicas,
          serviceName: headless,
          // All pods start together: MinIO waits for its peers, not for ordinal order.
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: this.selector },
          template: this.podTemplate({ console: consoleOn, resources, args: [peers], claims: ['data'], pod: p }),
          volumeClaimTemplates: [volumeClaim('data')],
        },
      });
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: { ...meta, name: this.name },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.selector } },
      });
    }

    const networkPolicies = optionalBoolean(this, 'networkPolicies', p.networkPolicies) ?? D.networkPolicies;
    this.networkPolicies = networkPolicies;
    if (networkPolicies) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { ...meta, name: this.name },
        spec: Lazy.any({ produce: () => this.networkPolicySpec() }),
      });
    }

    this.provisioning = new BucketProvisioningJob(this, 'Provisioning', {
      ...p.provisioning,
      name: `${this.name}-provision`,
      namespace: this.namespace,
      instance: this.name,
      endpoint: this.endpoint,
      bucketName: this.bucketName,
      expiryDays: this.expiryDays,
      quotaBytes: this.quota === undefined ? undefined : v.quantityValue(this.quota),
      policyName: this.policyName,
      rootCredentials: this.rootCredentials,
      cacheCredentials: this.cacheCredentials,
      serverPodSelector: this.selector,
      serverPort: MINIO_S3_PORT,
      serverCa: this.tls ? { secretName: this.tls.secretName, key: this.tls.caKey } : undefined,
      networkPolicy: networkPolicies,
      image: provisioning.image,
      // Most often the same registry mirror as MinIO's image.
      imagePullSecrets: p.provisioning?.imagePullSecrets ?? p.imagePullSecrets,
    });

  }

  /** Selector labels of MinIO's pods. */
  public get podSelector(): Record<string, string> {
    return { ...this.selector };
  }

  /**
   * Admits `peers` (e.g. Prometheus pods) to MinIO's port, which serves its metrics, through a
   * NetworkPolicy of their own, `<name>-metrics-scrape`, emitted under `scope` so that whatever
   * switches `scope` off (a Helm toggle) drops it too. Returns nothing when this cache emits no
   * NetworkPolicies. The peers reach the S3 API too, where they need keys like anyone else.
   */
  public allowMetricsScrapeFrom(scope: Construct, id: string, peers: k8s.NetworkPolicyPeer[]): k8s.KubeNetworkPolicy | undefined {
    if (!this.networkPolicies) return undefined;
    return new k8s.KubeNetworkPolicy(scope, id, {
      metadata: { namespace: this.namespace, name: `${this.name}-metrics-scrape`, labels: this.labels },
      spec: {
        podSelector: { matchLabels: this.selector },
        policyTypes: ['Ingress'],
        ingress: [{ from: peers, ports: tcpPorts(MINIO_S3_PORT) }],
      },
    });
  }

  /** The runners wired to this cache so far. */
  public get clients(): readonly MinioCacheClient[] {
    return [...this.clientList];
  }

  /**
   * Wires a runner (called by {@link Runner.useCache}): provides the cache keys' Secret in its
   * manager's namespace, admits its build pods through the NetworkPolicy, and returns its
   * `[runners.cache]`.
   */
  public bind(client: CacheClient): CacheBinding {
    const why = `the executor's Role in a build namespace can read its Secrets, MinIO's root credentials included`;
    requireDistinctNamespaces(client.scope, { field: 'buildNamespace', value: client.buildNamespace }, { field: 'namespace', value: this.namespace }, [
      `must differ from the namespace of the cache ${this.node.path}: ${why}`,
      `the namespace of the cache ${this.node.path} must differ from this runner's build namespace: ${why}`,
    ], [this]);
    if (client.managerNamespace === this.namespace && this.createNamespace) {
      invalid(client.scope, 'useCache()', this.node.path,
        `the cache's namespace "${this.namespace}" is also the runner manager's: set the cache's createNamespace: false (the manager emits the Namespace), or give the cache its own namespace`);
    }
    const keys = this.cacheKeys.provideIn(client.managerNamespace, this.labels);
    this.clientList.push({
      runner: client.scope.node.path,
      runnerName: client.runnerName,
      buildNamespace: client.buildNamespace,
      managerNamespace: client.managerNamespace,
    });
    return {
      // Plain HTTP inside the cluster unless MinIO serves TLS (the NetworkPolicy limits who can
      // connect either way); path-style, as MinIO serves buckets.
      config: s3CacheToml(client, {
        path: this.path, shared: this.shared, serverAddress: this.serverAddress, bucketName: this.bucketName,
        region: this.region, insecure: !this.tls, pathStyle: true, keys,
      }),
      buildPodLabels: { ...this.buildPodLabels },
      // The helper downloads and uploads the cache over https: the runner helper trusts a CA it
      // finds at /etc/gitlab-runner/certs/ca.crt (GitLab Runner docs, "tls-self-signed").
      buildPodSecretVolumes: this.tls
        ? [{ name: `${this.name}-ca`, mount_path: BUILD_POD_CA_DIR, read_only: true, items: { [BUILD_POD_CA_FILE]: BUILD_POD_CA_FILE } }]
        : undefined,
    };
  }

  private podTemplate(o: { console: boolean; resources: Resources; args: string[]; data?: k8s.Volume; claims?: string[]; pod: PodOptions }): k8s.PodTemplateSpec {
    const base = this.basePodTemplate(o);
    // Checked against what the library puts in the pod, read from the template itself.
    const options = resolvePodOptions(this, o.pod, ownedPodParts(base, 'minio', this.replicas, this.selector, o.claims));
    return applyPodOptions(base, options, 'minio');
  }

  private basePodTemplate(o: { console: boolean; resources: Resources; args: string[]; data?: k8s.Volume }): k8s.PodTemplateSpec {
    const probe = (path: string, extra: Partial<k8s.Probe>): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('s3'), scheme: this.tls ? 'HTTPS' : undefined },
      periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3, ...extra,
    });
    const rootCredentials = this.rootCredentials;
    return {
      metadata: { labels: this.labels },
      spec: {
        serviceAccountName: this.name,
        automountServiceAccountToken: false,
        securityContext: {
          ...restrictedPodSecurityContext({ user: MINIO_UID, group: MINIO_UID, fsGroup: MINIO_UID }),
          fsGroupChangePolicy: 'OnRootMismatch',
        },
        // Spread over nodes where possible, for a distributed MinIO: PodOptions' default with replicas > 1.
        containers: [{
          name: 'minio',
          image: this.image,
          imagePullPolicy: 'IfNotPresent',
          command: ['/bin/sh', '-c', MINIO_START_SCRIPT, 'minio'],
          args: [
            'server',
            '--address', `:${MINIO_S3_PORT}`,
            ...(o.console ? ['--console-address', `:${MINIO_CONSOLE_PORT}`] : []),
            '--certs-dir', '/etc/minio/certs',
            ...o.args,
          ],
          env: [
            { name: 'MINIO_ROOT_USER_FILE', value: `${ROOT_CREDENTIALS_DIR}/root-user` },
            { name: 'MINIO_ROOT_PASSWORD_FILE', value: `${ROOT_CREDENTIALS_DIR}/root-password` },
            { name: 'MINIO_BROWSER', value: o.console ? 'on' : 'off' },
            { name: 'MINIO_SITE_REGION', value: this.region },
            { name: 'HOME', value: '/tmp' },
          ],
          ports: [
            { name: 's3', containerPort: MINIO_S3_PORT, protocol: 'TCP' },
            ...(o.console ? [{ name: 'console', containerPort: MINIO_CONSOLE_PORT, protocol: 'TCP' }] : []),
          ],
          livenessProbe: probe('/minio/health/live', { initialDelaySeconds: 10, periodSeconds: 20 }),
          readinessProbe: probe('/minio/health/ready', {}),
          resources: toResourceRequirements(o.resources),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [
            { name: 'data', mountPath: DATA_DIR },
            { name: 'root-credentials', mountPath: ROOT_CREDENTIALS_DIR, readOnly: true },
            { name: 'certs', mountPath: '/etc/minio/certs' },
            { name: 'tmp', mountPath: '/tmp' },
          ],
        }],
        volumes: [
          ...(o.data ? [o.data] : []),
          {
            name: 'root-credentials',
            secret: {
              secretName: rootCredentials.secretName,
              // 0440: readable by the pod's fsGroup only.
              defaultMode: 0o440,
              items: [
                { key: rootCredentials.accessKey.key, path: 'root-user' },
                { key: rootCredentials.secretKey.key, path: 'root-password' },
              ],
            },
          },
          this.tls
            ? {
              name: 'certs',
              // The names MinIO looks for in --certs-dir; CAs/ holds what it trusts for its peers.
              secret: {
                secretName: this.tls.secretName,
                // 0440: readable by the pod's fsGroup only (the private key).
                defaultMode: 0o440,
                items: [
                  { key: 'tls.crt', path: 'public.crt' },
                  { key: 'tls.key', path: 'private.key' },
                  { key: this.tls.caKey, path: 'CAs/ca.crt' },
                ],
              },
            }
            // Empty: MinIO serves plain HTTP; it still needs a writable certs directory.
            : { name: 'certs', emptyDir: { sizeLimit: k8s.Quantity.fromString('1Mi') } },
          { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
        ],
      },
    };
  }

  private networkPolicySpec(): k8s.NetworkPolicySpec {
    // Sorted by what they stand for: a namespace may be a Helm value (its token text sorts otherwise).
    const buildNamespaces = [...new Set(this.clientList.map((c) => c.buildNamespace))].sort((a, b) => concrete(a).localeCompare(concrete(b)));
    const distributed = this.mode === 'distributed';
    const from: k8s.NetworkPolicyPeer[] = [
      // Build pods (they carry job.runner.gitlab.com/pod) of the runners wired to this cache,
      // in their build namespaces: the helper container downloads and uploads the cache.
      ...buildNamespaces.map((ns) => ({
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        podSelector: {
          matchLabels: this.buildPodLabels,
          matchExpressions: [{ key: BUILD_POD_LABEL_KEY, operator: 'Exists' }],
        },
      })),
      { podSelector: { matchLabels: this.provisioning.podSelector } },
      ...(distributed ? [{ podSelector: { matchLabels: this.selector } }] : []),
    ];
    return {
      podSelector: { matchLabels: this.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from, ports: tcpPorts(MINIO_S3_PORT) }],
      // Standalone MinIO connects to nothing: no egress rule at all. Distributed MinIO resolves
      // and reaches its peers.
      egress: distributed
        ? [dnsEgress(), { to: [{ podSelector: { matchLabels: this.selector } }], ports: tcpPorts(MINIO_S3_PORT) }]
        : undefined,
    };
  }
}
