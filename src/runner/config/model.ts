// The typed model of GitLab Runner's config.toml. Field names are the exact TOML keys (snake_case
// for runner settings, CamelCase under [runners.cache], as the runner spells them), so a model
// object serializes 1:1 and a parsed file compares equal to the model it came from.
// Only keys a typed prop or the library sets are modelled (test/model-keys.test.ts checks that
// each one reaches config.toml from props); the rest are reached with the raw escape hatch.
// See docs.gitlab.com/runner/configuration/advanced-configuration.

/** The whole config.toml. */
export interface RunnerConfigToml {
  /** Most jobs all runners run at once. */
  concurrent: number;
  /** Seconds between requests for new jobs. */
  check_interval: number;
  /** Log level. */
  log_level: 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'debug';
  /** Log format. */
  log_format: 'runner' | 'text' | 'json';
  /** Metrics and debug listener, e.g. `:9252`. */
  listen_address: string;
  /** Seconds to wait for jobs to be cleaned up on a forceful shutdown. */
  shutdown_timeout: number;
  /** How long a connection to GitLab is reused, a Go duration, e.g. `15m`. */
  connection_max_age?: string;
  /** The `[[runners]]` entries. */
  runners: RunnerEntryToml[];
}

/** One `[[runners]]` entry. */
export interface RunnerEntryToml {
  /** Runner name, shown in GitLab. */
  name: string;
  /** GitLab URL. */
  url: string;
  /** A placeholder the init container replaces with the token read from its Secret. */
  token: string;
  /** Always the Kubernetes executor. */
  executor: 'kubernetes';
  /** Most jobs this runner runs at once. */
  limit?: number;
  /** Concurrent requests for new jobs. */
  request_concurrency?: number;
  /** Largest job log, in kilobytes. */
  output_limit?: number;
  /** `KEY=value` variables for every job. */
  environment?: string[];
  /** Script run before the repository is fetched. */
  pre_get_sources_script?: string;
  /** Script run before the job script. */
  pre_build_script?: string;
  /** Script run after the job script. */
  post_build_script?: string;
  /** URL the helper clones from instead of GitLab's. */
  clone_url?: string;
  /** Feature flags (`FF_…`). */
  feature_flags?: Record<string, boolean>;
  /** CA certificates (PEM file) the runner verifies GitLab's certificate with. */
  'tls-ca-file'?: string;
  /** `[runners.kubernetes]`. */
  kubernetes: KubernetesExecutorToml;
  /** `[runners.cache]`. */
  cache?: CacheToml;
}

/** `[runners.kubernetes]`. */
export interface KubernetesExecutorToml {
  /** Namespace of the build pods. */
  namespace: string;
  /** ServiceAccount of the build pods. */
  service_account: string;
  /** Mount the ServiceAccount token into build pods. */
  automount_service_account_token: boolean;
  /** Default job image. */
  image: string;
  /** Image pull policies, the first one used. */
  pull_policy?: Array<'never' | 'if-not-present' | 'always'>;
  /** Images jobs may use (globs). */
  allowed_images?: string[];
  /** Service images jobs may use (globs). */
  allowed_services?: string[];
  /** docker-registry Secrets used to pull images. */
  image_pull_secrets?: string[];
  /** Helper image override. */
  helper_image?: string;
  /** Run every container of the build pod privileged. */
  privileged: boolean;
  /** allowPrivilegeEscalation of the build pod containers. */
  allow_privilege_escalation: boolean;
  /** Seconds between checks of a starting build pod. */
  poll_interval: number;
  /** Seconds to wait for a build pod to start. */
  poll_timeout: number;
  /** terminationGracePeriodSeconds of build pods. */
  pod_termination_grace_period_seconds?: number;
  /** Request of cpu for the build container (a quantity). */
  cpu_request?: string;
  /** Limit of cpu for the build container (a quantity). */
  cpu_limit?: string;
  /** Request of memory for the build container (a quantity). */
  memory_request?: string;
  /** Limit of memory for the build container (a quantity). */
  memory_limit?: string;
  /** Request of ephemeral storage for the build container (a quantity). */
  ephemeral_storage_request?: string;
  /** Limit of ephemeral storage for the build container (a quantity). */
  ephemeral_storage_limit?: string;
  /** Request of cpu for the helper container (a quantity). */
  helper_cpu_request?: string;
  /** Limit of cpu for the helper container (a quantity). */
  helper_cpu_limit?: string;
  /** Request of memory for the helper container (a quantity). */
  helper_memory_request?: string;
  /** Limit of memory for the helper container (a quantity). */
  helper_memory_limit?: string;
  /** Request of ephemeral storage for the helper container (a quantity). */
  helper_ephemeral_storage_request?: string;
  /** Limit of ephemeral storage for the helper container (a quantity). */
  helper_ephemeral_storage_limit?: string;
  /** Request of cpu for the service containers (a quantity). */
  service_cpu_request?: string;
  /** Limit of cpu for the service containers (a quantity). */
  service_cpu_limit?: string;
  /** Request of memory for the service containers (a quantity). */
  service_memory_request?: string;
  /** Limit of memory for the service containers (a quantity). */
  service_memory_limit?: string;
  /** Request of ephemeral storage for the service containers (a quantity). */
  service_ephemeral_storage_request?: string;
  /** Limit of ephemeral storage for the service containers (a quantity). */
  service_ephemeral_storage_limit?: string;
  /** PriorityClass of build pods. */
  priority_class_name?: string;
  /** Node labels build pods select. */
  node_selector?: Record<string, string>;
  /** `"key=value" = "Effect"` (Equal) or `"key" = "Effect"` (Exists); an empty effect matches all. */
  node_tolerations?: Record<string, string>;
  /** Extra labels on build pods. */
  pod_labels?: Record<string, string>;
  /** Extra annotations on build pods. */
  pod_annotations?: Record<string, string>;
  /** Security context of the build container. */
  build_container_security_context?: ContainerSecurityContextToml;
  /** Security context of the helper container. */
  helper_container_security_context?: ContainerSecurityContextToml;
  /** Security context of service containers. */
  service_container_security_context?: ContainerSecurityContextToml;
  /** Volumes mounted into build pods. */
  volumes?: KubernetesVolumesToml;
  /** Security context of the build pod. */
  pod_security_context?: PodSecurityContextToml;
  /** Capabilities added to every container of the build pod. */
  cap_add?: string[];
  /** Capabilities dropped from every container of the build pod (NET_RAW is dropped by default). */
  cap_drop?: string[];
  /** Node and pod affinity of build pods. */
  affinity?: AffinityToml;
  /** `dnsPolicy` of build pods. */
  dns_policy?: 'none' | 'default' | 'cluster-first' | 'cluster-first-with-host-net';
  /** `dnsConfig` of build pods. */
  dns_config?: DnsConfigToml;
  /** `/etc/hosts` entries of build pods. */
  host_aliases?: HostAliasToml[];
  /** Patches applied to the build pod spec (with `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION`). */
  pod_spec?: PodSpecPatchToml[];
  /** Regex a job's `KUBERNETES_SERVICE_ACCOUNT_OVERWRITE` must match. */
  service_account_overwrite_allowed?: string;
  /** Regex every `KUBERNETES_NODE_SELECTOR_*` value (`key=value`) must match. */
  node_selector_overwrite_allowed?: string;
  /** Regex every `KUBERNETES_NODE_TOLERATIONS_*` value (`key[=value][:effect]`) must match. */
  node_tolerations_overwrite_allowed?: string;
  /** Regex every `KUBERNETES_POD_LABELS_*` value (`key=value`) must match. */
  pod_labels_overwrite_allowed?: string;
  /** Regex every `KUBERNETES_POD_ANNOTATIONS_*` value (`key=value`) must match. */
  pod_annotations_overwrite_allowed?: string;
  /** Largest `KUBERNETES_CPU_REQUEST` a job may set. */
  cpu_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_CPU_LIMIT` a job may set. */
  cpu_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_MEMORY_REQUEST` a job may set. */
  memory_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_MEMORY_LIMIT` a job may set. */
  memory_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_EPHEMERAL_STORAGE_REQUEST` a job may set. */
  ephemeral_storage_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_EPHEMERAL_STORAGE_LIMIT` a job may set. */
  ephemeral_storage_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_HELPER_CPU_REQUEST` a job may set. */
  helper_cpu_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_HELPER_CPU_LIMIT` a job may set. */
  helper_cpu_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_HELPER_MEMORY_REQUEST` a job may set. */
  helper_memory_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_HELPER_MEMORY_LIMIT` a job may set. */
  helper_memory_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_HELPER_EPHEMERAL_STORAGE_REQUEST` a job may set. */
  helper_ephemeral_storage_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_HELPER_EPHEMERAL_STORAGE_LIMIT` a job may set. */
  helper_ephemeral_storage_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_SERVICE_CPU_REQUEST` a job may set. */
  service_cpu_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_SERVICE_CPU_LIMIT` a job may set. */
  service_cpu_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_SERVICE_MEMORY_REQUEST` a job may set. */
  service_memory_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_SERVICE_MEMORY_LIMIT` a job may set. */
  service_memory_limit_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_SERVICE_EPHEMERAL_STORAGE_REQUEST` a job may set. */
  service_ephemeral_storage_request_overwrite_max_allowed?: string;
  /** Largest `KUBERNETES_SERVICE_EPHEMERAL_STORAGE_LIMIT` a job may set. */
  service_ephemeral_storage_limit_overwrite_max_allowed?: string;
}

/** `[runners.kubernetes.pod_security_context]`. */
export interface PodSecurityContextToml {
  /** Group owning mounted volumes. */
  fs_group?: number;
  /** Group id. */
  run_as_group?: number;
  /** Refuse to run as uid 0. */
  run_as_non_root?: boolean;
  /** User id. */
  run_as_user?: number;
  /** Extra groups of the first process of every container. */
  supplemental_groups?: number[];
}

/** `[runners.kubernetes.affinity]`. */
export interface AffinityToml {
  /** `[runners.kubernetes.affinity.node_affinity]`. */
  node_affinity?: NodeAffinityToml;
  /** `[runners.kubernetes.affinity.pod_affinity]`. */
  pod_affinity?: PodAffinityToml;
  /** `[runners.kubernetes.affinity.pod_anti_affinity]`. */
  pod_anti_affinity?: PodAffinityToml;
}

/** `[runners.kubernetes.affinity.node_affinity]`. */
export interface NodeAffinityToml {
  /** Hard node requirements. */
  required_during_scheduling_ignored_during_execution?: NodeSelectorToml;
  /** Soft node preferences. */
  preferred_during_scheduling_ignored_during_execution?: PreferredSchedulingTermToml[];
}

/** Node selector terms, one of which must hold. */
export interface NodeSelectorToml {
  /** The terms. */
  node_selector_terms: NodeSelectorTermToml[];
}

/** A weighted node preference. */
export interface PreferredSchedulingTermToml {
  /** Weight, 1-100. */
  weight: number;
  /** The preferred nodes. */
  preference: NodeSelectorTermToml;
}

/** A weighted pod affinity term. */
export interface WeightedPodAffinityTermToml {
  /** Weight, 1-100. */
  weight: number;
  /** The term. */
  pod_affinity_term: PodAffinityTermToml;
}

/** A resolv.conf option. */
export interface DnsConfigOptionToml {
  /** Option name. */
  name: string;
  /** Option value. */
  value?: string;
}

/** A node selector term. */
export interface NodeSelectorTermToml {
  /** Requirements on node labels. */
  match_expressions?: SelectorRequirementToml[];
  /** Requirements on node fields. */
  match_fields?: SelectorRequirementToml[];
}

/** A selector requirement (`key`, `operator`, `values`). */
export interface SelectorRequirementToml {
  /** Label or field key. */
  key: string;
  /** `In`, `NotIn`, `Exists`, `DoesNotExist` (and `Gt`, `Lt` for nodes). */
  operator: string;
  /** Values. */
  values?: string[];
}

/** Pod affinity or anti-affinity. */
export interface PodAffinityToml {
  /** Hard rules. */
  required_during_scheduling_ignored_during_execution?: PodAffinityTermToml[];
  /** Soft rules. */
  preferred_during_scheduling_ignored_during_execution?: WeightedPodAffinityTermToml[];
}

/** A pod affinity term. */
export interface PodAffinityTermToml {
  /** Pods the term is about. */
  label_selector?: LabelSelectorToml;
  /** Namespaces of those pods. */
  namespaces?: string[];
  /** Node label whose value defines "the same place". */
  topology_key: string;
  /** Namespaces of those pods, by label. */
  namespace_selector?: LabelSelectorToml;
}

/** A label selector. */
export interface LabelSelectorToml {
  /** Labels to match exactly. */
  match_labels?: Record<string, string>;
  /** Requirements on labels. */
  match_expressions?: SelectorRequirementToml[];
}

/** `[runners.kubernetes.dns_config]`. */
export interface DnsConfigToml {
  /** Name server IP addresses. */
  nameservers?: string[];
  /** resolv.conf options. */
  options?: DnsConfigOptionToml[];
  /** Search domains. */
  searches?: string[];
}

/** `[[runners.kubernetes.host_aliases]]`. */
export interface HostAliasToml {
  /** IP address. */
  ip: string;
  /** Host names resolving to it. */
  hostnames: string[];
}

/** `[[runners.kubernetes.pod_spec]]`. */
export interface PodSpecPatchToml {
  /** Name of the patch. */
  name: string;
  /** The patch, as JSON. */
  patch: string;
  /** How it applies. */
  patch_type: 'strategic' | 'merge' | 'json';
}

/** `[runners.kubernetes.*_container_security_context]`. */
export interface ContainerSecurityContextToml {
  /** Run every container of the build pod privileged. */
  privileged?: boolean;
  /** allowPrivilegeEscalation of the build pod containers. */
  allow_privilege_escalation?: boolean;
  /** Read-only root filesystem. */
  read_only_root_filesystem?: boolean;
  /** Refuse to run as uid 0. */
  run_as_non_root?: boolean;
  /** User id. */
  run_as_user?: number;
  /** Group id. */
  run_as_group?: number;
  /** Linux capabilities to add and drop. */
  capabilities?: CapabilitiesToml;
}

/** `[runners.kubernetes.volumes]`: arrays of tables per volume type. */
export interface KubernetesVolumesToml {
  /** `[[…volumes.empty_dir]]`: scratch volumes. */
  empty_dir?: EmptyDirVolumeToml[];
  /** `[[…volumes.secret]]`: Secrets mounted as files. */
  secret?: SecretVolumeToml[];
  /** `[[…volumes.config_map]]`: ConfigMaps mounted as files. */
  config_map?: ConfigMapVolumeToml[];
  /** `[[…volumes.pvc]]`: PersistentVolumeClaims. */
  pvc?: PvcVolumeToml[];
  /** `[[…volumes.csi]]`: inline CSI volumes. */
  csi?: CsiVolumeToml[];
  /** `[[…volumes.host_path]]`: directories of the node. */
  host_path?: HostPathVolumeToml[];
}

/** `[[runners.kubernetes.volumes.pvc]]`. */
export interface PvcVolumeToml {
  /** Name of the claim, in the build namespace; also the volume's name. */
  name: string;
  /** Where it is mounted. */
  mount_path: string;
  /** Sub-path of the volume to mount. */
  sub_path?: string;
  /** Mount read-only. */
  read_only?: boolean;
}

/** `[[runners.kubernetes.volumes.csi]]`. */
export interface CsiVolumeToml {
  /** Volume name. */
  name: string;
  /** Where it is mounted. */
  mount_path: string;
  /** Sub-path of the volume to mount. */
  sub_path?: string;
  /** CSI driver name. */
  driver: string;
  /** Filesystem type. */
  fs_type?: string;
  /** Mount read-only. */
  read_only?: boolean;
  /** Driver-specific attributes. */
  volume_attributes?: Record<string, string>;
}

/** `[[runners.kubernetes.volumes.host_path]]`. */
export interface HostPathVolumeToml {
  /** Volume name. */
  name: string;
  /** Where it is mounted. */
  mount_path: string;
  /** Path on the node. */
  host_path: string;
  /** Mount read-only. */
  read_only?: boolean;
}

/** `[runners.cache]`. */
export interface CacheToml {
  /** Cache backend. */
  Type: 's3' | 'gcs' | 'azure';
  /** Prefix of the cache objects. */
  Path?: string;
  /** Share cache keys between runners. */
  Shared?: boolean;
  /** `[runners.cache.s3]`. */
  s3?: S3CacheToml;
  /** `[runners.cache.gcs]`. */
  gcs?: GcsCacheToml;
  /** `[runners.cache.azure]`. */
  azure?: AzureCacheToml;
}

/** `[runners.cache.azure]`. */
export interface AzureCacheToml {
  /** Storage account name. */
  AccountName: string;
  /** Account key (a placeholder, filled in at pod start); none: the manager's Azure identity. */
  AccountKey?: string;
  /** Blob container. */
  ContainerName: string;
  /** Blob service domain, e.g. `blob.core.chinacloudapi.cn`. */
  StorageDomain?: string;
}

/** `capabilities` of a container security context. */
export interface CapabilitiesToml {
  /** Capabilities to add. */
  add?: string[];
  /** Capabilities to drop. */
  drop?: string[];
}

/** `[[runners.kubernetes.volumes.empty_dir]]`. */
export interface EmptyDirVolumeToml {
  /** Volume name. */
  name: string;
  /** Where it is mounted. */
  mount_path: string;
  /** `Memory` for tmpfs. */
  medium?: 'Memory' | '';
  /** Size limit (a quantity). */
  size_limit?: string;
}

/** `[[runners.kubernetes.volumes.secret]]`. */
export interface SecretVolumeToml {
  /** Name of the Secret, in the build namespace. */
  name: string;
  /** Where it is mounted. */
  mount_path: string;
  /** Mount read-only. */
  read_only?: boolean;
  /** Keys to mount, as `key = "path"`. */
  items?: Record<string, string>;
}

/** `[[runners.kubernetes.volumes.config_map]]`. */
export interface ConfigMapVolumeToml {
  /** Name of the ConfigMap, in the build namespace. */
  name: string;
  /** Where it is mounted. */
  mount_path: string;
  /** Mount read-only. */
  read_only?: boolean;
  /** Keys to mount, as `key = "path"`. */
  items?: Record<string, string>;
}

/** `[runners.cache.s3]`. */
export interface S3CacheToml {
  /** S3 endpoint, `host[:port]` without a scheme. */
  ServerAddress?: string;
  /** Access key (a placeholder, filled in at pod start). */
  AccessKey?: string;
  /** Secret key (a placeholder, filled in at pod start). */
  SecretKey?: string;
  /** The bucket. */
  BucketName: string;
  /** The bucket's region. */
  BucketLocation?: string;
  /** Plain HTTP instead of HTTPS. */
  Insecure?: boolean;
  /** `access-key`, or `iam` for instance or workload identity. */
  AuthenticationType?: 'access-key' | 'iam';
  /** Path-style bucket addressing (MinIO). */
  PathStyle?: boolean;
  /** Server-side encryption type. */
  ServerSideEncryption?: 'S3' | 'KMS' | 'DSSE-KMS';
  /** KMS key of `KMS`/`DSSE-KMS` encryption: key id, alias or ARN. */
  ServerSideEncryptionKeyID?: string;
}

/** `[runners.cache.gcs]`. */
export interface GcsCacheToml {
  /** The bucket. */
  BucketName: string;
  /** Path of a service-account key file. */
  CredentialsFile?: string;
}

/** One `[[runners.kubernetes.pod_spec]]` patch (the name the toleration code uses). */
export type PodSpecToml = PodSpecPatchToml;
