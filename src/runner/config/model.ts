// The typed model of GitLab Runner's config.toml. Field names are the exact TOML keys (snake_case
// for runner settings, CamelCase under [runners.cache], as the runner spells them), so a model
// object serializes 1:1 and a parsed file compares equal to the model it came from.
// Only keys this library sets are modelled; see docs.gitlab.com/runner/configuration/advanced-configuration.

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
  /** How long a TLS connection to GitLab is reused, e.g. `15m`. */
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
  /** Feature flags (`FF_…`). */
  feature_flags?: Record<string, boolean>;
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
}

/** `[runners.cache]`. */
export interface CacheToml {
  /** Cache backend. */
  Type: 's3' | 'gcs' | 'azure';
  /** Prefix of the cache objects. */
  Path?: string;
  /** Share cache keys between runners. */
  Shared?: boolean;
  /** Largest archive uploaded, in bytes (0: no limit). */
  MaxUploadedArchiveSize?: number;
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
  /** Role to assume. */
  RoleARN?: string;
}

/** `[runners.cache.gcs]`. */
export interface GcsCacheToml {
  /** The bucket. */
  BucketName: string;
  /** Path of a service-account key file. */
  CredentialsFile?: string;
  /** Service-account e-mail, with `PrivateKey`. */
  AccessID?: string;
  /** Service-account private key. */
  PrivateKey?: string;
}
