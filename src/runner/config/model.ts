// The typed model of GitLab Runner's config.toml. Field names are the exact TOML keys (snake_case
// for runner settings, CamelCase under [runners.cache], as the runner spells them), so a model
// object serializes 1:1 and a parsed file compares equal to the model it came from.
// Only keys this library sets are modelled; see docs.gitlab.com/runner/configuration/advanced-configuration.

/** The whole config.toml. */
export interface RunnerConfigToml {
  concurrent: number;
  check_interval: number;
  log_level: 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'debug';
  log_format: 'runner' | 'text' | 'json';
  /** Metrics and debug listener, e.g. `:9252`. */
  listen_address: string;
  /** Seconds to wait for jobs to be cleaned up on a forceful shutdown. */
  shutdown_timeout: number;
  connection_max_age?: string;
  runners: RunnerEntryToml[];
}

/** One `[[runners]]` entry. */
export interface RunnerEntryToml {
  name: string;
  url: string;
  /** A placeholder the init container replaces with the token read from its Secret. */
  token: string;
  executor: 'kubernetes';
  limit?: number;
  request_concurrency?: number;
  output_limit?: number;
  environment?: string[];
  pre_get_sources_script?: string;
  pre_build_script?: string;
  post_build_script?: string;
  feature_flags?: Record<string, boolean>;
  kubernetes: KubernetesExecutorToml;
  cache?: CacheToml;
}

/** `[runners.kubernetes]`. */
export interface KubernetesExecutorToml {
  namespace: string;
  service_account: string;
  automount_service_account_token: boolean;
  image: string;
  pull_policy?: Array<'never' | 'if-not-present' | 'always'>;
  allowed_images?: string[];
  allowed_services?: string[];
  image_pull_secrets?: string[];
  helper_image?: string;
  privileged: boolean;
  allow_privilege_escalation: boolean;
  poll_interval: number;
  poll_timeout: number;
  pod_termination_grace_period_seconds?: number;
  cpu_request?: string;
  cpu_limit?: string;
  memory_request?: string;
  memory_limit?: string;
  ephemeral_storage_request?: string;
  ephemeral_storage_limit?: string;
  helper_cpu_request?: string;
  helper_cpu_limit?: string;
  helper_memory_request?: string;
  helper_memory_limit?: string;
  helper_ephemeral_storage_request?: string;
  helper_ephemeral_storage_limit?: string;
  service_cpu_request?: string;
  service_cpu_limit?: string;
  service_memory_request?: string;
  service_memory_limit?: string;
  service_ephemeral_storage_request?: string;
  service_ephemeral_storage_limit?: string;
  priority_class_name?: string;
  node_selector?: Record<string, string>;
  /** `"key=value" = "Effect"` (Equal) or `"key" = "Effect"` (Exists); an empty effect matches all. */
  node_tolerations?: Record<string, string>;
  pod_labels?: Record<string, string>;
  pod_annotations?: Record<string, string>;
  build_container_security_context?: ContainerSecurityContextToml;
  helper_container_security_context?: ContainerSecurityContextToml;
  service_container_security_context?: ContainerSecurityContextToml;
  volumes?: KubernetesVolumesToml;
}

/** `[runners.kubernetes.*_container_security_context]`. */
export interface ContainerSecurityContextToml {
  privileged?: boolean;
  allow_privilege_escalation?: boolean;
  read_only_root_filesystem?: boolean;
  run_as_non_root?: boolean;
  run_as_user?: number;
  run_as_group?: number;
  capabilities?: { add?: string[]; drop?: string[] };
}

/** `[runners.kubernetes.volumes]`: arrays of tables per volume type. */
export interface KubernetesVolumesToml {
  empty_dir?: Array<{ name: string; mount_path: string; medium?: 'Memory' | ''; size_limit?: string }>;
  secret?: Array<{ name: string; mount_path: string; read_only?: boolean; items?: Record<string, string> }>;
  config_map?: Array<{ name: string; mount_path: string; read_only?: boolean; items?: Record<string, string> }>;
}

/** `[runners.cache]`. */
export interface CacheToml {
  Type: 's3' | 'gcs' | 'azure';
  Path?: string;
  Shared?: boolean;
  MaxUploadedArchiveSize?: number;
  s3?: {
    ServerAddress?: string;
    AccessKey?: string;
    SecretKey?: string;
    BucketName: string;
    BucketLocation?: string;
    Insecure?: boolean;
    AuthenticationType?: 'access-key' | 'iam';
    PathStyle?: boolean;
    ServerSideEncryption?: string;
    RoleARN?: string;
  };
  gcs?: {
    BucketName: string;
    CredentialsFile?: string;
    AccessID?: string;
    PrivateKey?: string;
  };
}
