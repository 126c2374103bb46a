// Who sets each config.toml key: a typed prop, the library itself, nobody (refused), or the raw
// escape hatch (addRawConfig). The one source for the raw-config check and for the key table in
// docs/runner-keys.md (`npm run docs:keys` regenerates it; a test keeps it current).
import { joinPath, RUNNER_KEYS, RUNNER_KEYS_VERSION } from './runner-keys';

/** How a config.toml key is reached. */
export type KeyUse =
  | {
    /** The typed prop that sets it; the escape hatch refuses it, so the two never conflict. */
    readonly prop: string;
  }
  | {
    /** Why the library sets it itself (from other props, or for isolation); the escape hatch refuses it. */
    readonly library: string;
  }
  | {
    /** Why nothing may set it (a credential in clear text, or a way around isolation). */
    readonly refused: string;
  }
  | {
    /** Why there is no typed prop: set it with the escape hatch. */
    readonly escapeHatch: string;
  };

const RARE = 'no typed prop: rarely set, and the runner\'s default suits most clusters';
const RESOURCES = (prop: string) => ({ prop });
const API_CONNECTION = 'the manager talks to the API server with its in-cluster ServiceAccount, whose RBAC the library limits to the build namespaces; another cluster or identity would bypass it';
const CREDENTIAL = 'a credential in config.toml would sit in clear text in a ConfigMap (dist/, git): the library fills in credentials from Secrets at pod start';
const ISOLATION_OVERWRITE = 'would let a job leave the isolation the library sets up (its build namespace, and the Role there): namespace_per_job and namespace overwrites are not supported';
const OTHER_EXECUTOR = 'settings of another executor: this library\'s runners use the Kubernetes executor';

/**
 * Every key of `[runners.kubernetes]` (and the parts of the other tables the library or a prop
 * sets), by full path. A path not listed falls under its nearest listed parent, and is reachable
 * with the escape hatch when no parent is listed.
 */
export const KEY_USES: Readonly<Record<string, KeyUse>> = {
  // Global table.
  'concurrent': { prop: 'concurrent (manager)' },
  'check_interval': { prop: 'checkInterval (manager)' },
  'log_level': { prop: 'logLevel (manager)' },
  'log_format': { prop: 'logFormat (manager)' },
  'shutdown_timeout': { prop: 'shutdownTimeout (manager)' },
  'listen_address': { library: 'the metrics listener the probes and the metrics Service use' },
  'runners': { library: 'one [[runners]] entry per addRunner()' },
  'connection_max_age': { prop: 'connectionMaxAge (manager)' },
  'session_server': { escapeHatch: 'the interactive web terminal needs a Service and ingress the library does not emit' },

  // [[runners]].
  'runners.name': { library: 'the name given to addRunner(name, …)' },
  'runners.url': { prop: 'gitlabUrl (manager)' },
  'runners.token': { prop: 'token' },
  'runners.executor': { library: 'always "kubernetes"' },
  'runners.limit': { prop: 'limit' },
  'runners.request_concurrency': { prop: 'requestConcurrency' },
  'runners.pre_get_sources_script': { prop: 'preGetSourcesScript' },
  'runners.pre_build_script': { prop: 'preBuildScript' },
  'runners.post_build_script': { prop: 'postBuildScript' },
  'runners.output_limit': { prop: 'outputLimit' },
  'runners.clone_url': { prop: 'cloneUrl' },
  'runners.tls-ca-file': { prop: 'caBundle (of the manager)' },
  'runners.environment': { prop: 'environment' },
  'runners.feature_flags': { prop: 'featureFlags' },
  'runners.id': { refused: 'written by gitlab-runner itself on registration' },
  'runners.token_obtained_at': { refused: 'written by gitlab-runner itself on registration' },
  'runners.token_expires_at': { refused: 'written by gitlab-runner itself on registration' },
  'runners.docker': { refused: OTHER_EXECUTOR },
  'runners.ssh': { refused: OTHER_EXECUTOR },
  'runners.parallels': { refused: OTHER_EXECUTOR },
  'runners.virtualbox': { refused: OTHER_EXECUTOR },
  'runners.machine': { refused: OTHER_EXECUTOR },
  'runners.custom': { refused: OTHER_EXECUTOR },
  'runners.autoscaler': { refused: OTHER_EXECUTOR },
  'runners.instance': { refused: OTHER_EXECUTOR },
  'runners.cache': { prop: 'runner.useCache(cache)' },
  'runners.cache.MaxUploadedArchiveSize': { escapeHatch: RARE },
  'runners.cache.s3.AccessKey': { refused: CREDENTIAL },
  'runners.cache.s3.SecretKey': { refused: CREDENTIAL },
  'runners.cache.s3.SessionToken': { refused: CREDENTIAL },
  'runners.cache.s3.DualStack': { escapeHatch: RARE },
  'runners.cache.s3.Accelerate': { escapeHatch: RARE },
  'runners.cache.s3.UploadRoleARN': { escapeHatch: RARE },
  'runners.cache.s3.RoleARN': { escapeHatch: RARE },
  'runners.cache.gcs.PrivateKey': { refused: CREDENTIAL },
  'runners.cache.gcs.AccessID': { refused: 'only used with PrivateKey (refused); a key file is GcsCache\'s credentialsFile, mounted from a Secret' },
  'runners.cache.gcs.UniverseDomain': { escapeHatch: RARE },
  'runners.cache.azure.AccountKey': { refused: CREDENTIAL },

  // [runners.kubernetes].
  'runners.kubernetes.affinity': { prop: 'affinity' },
  'runners.kubernetes.allow_privilege_escalation': { library: 'follows privileged: the API server refuses privileged containers that forbid escalation' },
  'runners.kubernetes.allowed_groups': { escapeHatch: RARE },
  'runners.kubernetes.allowed_images': { prop: 'allowedImages' },
  'runners.kubernetes.allowed_pull_policies': { escapeHatch: RARE },
  'runners.kubernetes.allowed_services': { prop: 'allowedServices' },
  'runners.kubernetes.allowed_users': { escapeHatch: RARE },
  'runners.kubernetes.automount_service_account_token': { library: 'always false: build pods do not call the API server' },
  'runners.kubernetes.bearer_token': { refused: `${CREDENTIAL}; and ${API_CONNECTION}` },
  'runners.kubernetes.bearer_token_overwrite_allowed': { refused: API_CONNECTION },
  'runners.kubernetes.build_container_security_context': { escapeHatch: 'keys other than those of the prop buildContainerSecurityContext' },
  'runners.kubernetes.build_container_security_context.privileged': { prop: 'privileged' },
  'runners.kubernetes.build_container_security_context.run_as_user': { prop: 'buildContainerSecurityContext.runAsUser' },
  'runners.kubernetes.build_container_security_context.run_as_group': { prop: 'buildContainerSecurityContext.runAsGroup' },
  'runners.kubernetes.build_container_security_context.run_as_non_root': { prop: 'buildContainerSecurityContext.runAsNonRoot' },
  'runners.kubernetes.build_container_security_context.allow_privilege_escalation': { prop: 'buildContainerSecurityContext.allowPrivilegeEscalation' },
  'runners.kubernetes.build_container_security_context.read_only_root_filesystem': { prop: 'buildContainerSecurityContext.readOnlyRootFilesystem' },
  'runners.kubernetes.build_container_security_context.capabilities': { prop: 'buildContainerSecurityContext.capabilities' },
  'runners.kubernetes.ca_file': { refused: API_CONNECTION },
  'runners.kubernetes.cap_add': { prop: 'capAdd' },
  'runners.kubernetes.cap_drop': { prop: 'capDrop' },
  'runners.kubernetes.cert_file': { refused: API_CONNECTION },
  'runners.kubernetes.cleanup_grace_period_seconds': { escapeHatch: RARE },
  'runners.kubernetes.cleanup_resources_timeout': { escapeHatch: RARE },
  'runners.kubernetes.container_lifecycle': { escapeHatch: RARE },
  'runners.kubernetes.context': { refused: API_CONNECTION },
  'runners.kubernetes.cpu_limit': RESOURCES('buildResources.cpu.limit'),
  'runners.kubernetes.cpu_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxBuildResources' },
  'runners.kubernetes.cpu_request': RESOURCES('buildResources.cpu.request'),
  'runners.kubernetes.cpu_request_overwrite_max_allowed': { prop: 'jobOverrides.maxBuildResources' },
  'runners.kubernetes.dns_config': { prop: 'dnsConfig' },
  'runners.kubernetes.dns_policy': { prop: 'dnsPolicy' },
  'runners.kubernetes.ephemeral_storage_limit': RESOURCES('buildResources.ephemeralStorage.limit'),
  'runners.kubernetes.ephemeral_storage_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxBuildResources' },
  'runners.kubernetes.ephemeral_storage_request': RESOURCES('buildResources.ephemeralStorage.request'),
  'runners.kubernetes.ephemeral_storage_request_overwrite_max_allowed': { prop: 'jobOverrides.maxBuildResources' },
  'runners.kubernetes.helper_container_security_context': { prop: 'helperContainerSecurityContext' },
  'runners.kubernetes.helper_cpu_limit': RESOURCES('helperResources.cpu.limit'),
  'runners.kubernetes.helper_cpu_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxHelperResources' },
  'runners.kubernetes.helper_cpu_request': RESOURCES('helperResources.cpu.request'),
  'runners.kubernetes.helper_cpu_request_overwrite_max_allowed': { prop: 'jobOverrides.maxHelperResources' },
  'runners.kubernetes.helper_ephemeral_storage_limit': RESOURCES('helperResources.ephemeralStorage.limit'),
  'runners.kubernetes.helper_ephemeral_storage_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxHelperResources' },
  'runners.kubernetes.helper_ephemeral_storage_request': RESOURCES('helperResources.ephemeralStorage.request'),
  'runners.kubernetes.helper_ephemeral_storage_request_overwrite_max_allowed': { prop: 'jobOverrides.maxHelperResources' },
  'runners.kubernetes.helper_image': { prop: 'helperImage' },
  'runners.kubernetes.helper_image_autoset_arch_and_os': { escapeHatch: RARE },
  'runners.kubernetes.helper_image_flavor': { escapeHatch: RARE },
  'runners.kubernetes.helper_memory_limit': RESOURCES('helperResources.memory.limit'),
  'runners.kubernetes.helper_memory_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxHelperResources' },
  'runners.kubernetes.helper_memory_request': RESOURCES('helperResources.memory.request'),
  'runners.kubernetes.helper_memory_request_overwrite_max_allowed': { prop: 'jobOverrides.maxHelperResources' },
  'runners.kubernetes.host': { refused: API_CONNECTION },
  'runners.kubernetes.host_aliases': { prop: 'hostAliases' },
  'runners.kubernetes.image': { prop: 'image' },
  'runners.kubernetes.image_pull_secrets': { prop: 'imagePullSecrets' },
  'runners.kubernetes.init_permissions_container_security_context': { escapeHatch: RARE },
  'runners.kubernetes.key_file': { refused: API_CONNECTION },
  'runners.kubernetes.logs_base_dir': { escapeHatch: RARE },
  'runners.kubernetes.memory_limit': RESOURCES('buildResources.memory.limit'),
  'runners.kubernetes.memory_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxBuildResources' },
  'runners.kubernetes.memory_request': RESOURCES('buildResources.memory.request'),
  'runners.kubernetes.memory_request_overwrite_max_allowed': { prop: 'jobOverrides.maxBuildResources' },
  'runners.kubernetes.namespace': { prop: 'buildNamespace' },
  'runners.kubernetes.namespace_overwrite_allowed': { refused: ISOLATION_OVERWRITE },
  'runners.kubernetes.namespace_per_job': { refused: 'build pods run in the runner\'s build namespace, whose Pod Security level, RBAC and NetworkPolicy the library sets up' },
  'runners.kubernetes.node_selector': { prop: 'nodeSelector (and nodePools)' },
  'runners.kubernetes.node_selector_overwrite_allowed': { prop: 'jobOverrides.nodeSelector' },
  'runners.kubernetes.node_tolerations': { prop: 'tolerations (and nodePools)' },
  'runners.kubernetes.node_tolerations_overwrite_allowed': { prop: 'jobOverrides.tolerations' },
  'runners.kubernetes.pod_annotations': { prop: 'podAnnotations' },
  'runners.kubernetes.pod_annotations_overwrite_allowed': { prop: 'jobOverrides.podAnnotations' },
  'runners.kubernetes.pod_labels': { prop: 'podLabels' },
  'runners.kubernetes.pod_labels_overwrite_allowed': { prop: 'jobOverrides.podLabels' },
  'runners.kubernetes.pod_security_context': { prop: 'podSecurityContext' },
  'runners.kubernetes.pod_spec': { prop: 'podSpecPatches' },
  'runners.kubernetes.pod_termination_grace_period_seconds': { prop: 'podTerminationGracePeriod' },
  'runners.kubernetes.poll_interval': { prop: 'pollInterval' },
  'runners.kubernetes.poll_timeout': { prop: 'pollTimeout' },
  'runners.kubernetes.print_pod_warning_events': { escapeHatch: RARE },
  'runners.kubernetes.priority_class_name': { prop: 'priorityClassName' },
  'runners.kubernetes.privileged': { prop: 'privileged' },
  'runners.kubernetes.pull_policy': { prop: 'pullPolicy' },
  'runners.kubernetes.resource_availability_check_max_attempts': { escapeHatch: RARE },
  'runners.kubernetes.retry_backoff_max': { escapeHatch: RARE },
  'runners.kubernetes.retry_limit': { escapeHatch: RARE },
  'runners.kubernetes.retry_limits': { escapeHatch: RARE },
  'runners.kubernetes.runtime_class_name': { escapeHatch: RARE },
  'runners.kubernetes.scheduler_name': { escapeHatch: RARE },
  'runners.kubernetes.scripts_base_dir': { escapeHatch: RARE },
  'runners.kubernetes.service_account': { library: 'the build ServiceAccount the library creates in the build namespace' },
  'runners.kubernetes.service_account_overwrite_allowed': { prop: 'jobOverrides.serviceAccounts' },
  'runners.kubernetes.service_container_security_context': { prop: 'serviceContainerSecurityContext' },
  'runners.kubernetes.service_cpu_limit': RESOURCES('serviceResources.cpu.limit'),
  'runners.kubernetes.service_cpu_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxServiceResources' },
  'runners.kubernetes.service_cpu_request': RESOURCES('serviceResources.cpu.request'),
  'runners.kubernetes.service_cpu_request_overwrite_max_allowed': { prop: 'jobOverrides.maxServiceResources' },
  'runners.kubernetes.service_ephemeral_storage_limit': RESOURCES('serviceResources.ephemeralStorage.limit'),
  'runners.kubernetes.service_ephemeral_storage_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxServiceResources' },
  'runners.kubernetes.service_ephemeral_storage_request': RESOURCES('serviceResources.ephemeralStorage.request'),
  'runners.kubernetes.service_ephemeral_storage_request_overwrite_max_allowed': { prop: 'jobOverrides.maxServiceResources' },
  'runners.kubernetes.service_memory_limit': RESOURCES('serviceResources.memory.limit'),
  'runners.kubernetes.service_memory_limit_overwrite_max_allowed': { prop: 'jobOverrides.maxServiceResources' },
  'runners.kubernetes.service_memory_request': RESOURCES('serviceResources.memory.request'),
  'runners.kubernetes.service_memory_request_overwrite_max_allowed': { prop: 'jobOverrides.maxServiceResources' },
  'runners.kubernetes.services': { escapeHatch: 'services are chosen per job in .gitlab-ci.yml; runner-wide services are rarely needed' },
  'runners.kubernetes.use_service_account_image_pull_secrets': { escapeHatch: RARE },
  'runners.kubernetes.volumes': { prop: 'volumes' },
  'runners.kubernetes.volumes.empty_dir': { prop: 'volumes.emptyDir' },
  'runners.kubernetes.volumes.secret': { prop: 'volumes.secret' },
};

/** The use of the key at `path` (a full dotted path): its own entry, else its nearest listed parent's. */
export function keyUse(path: string): KeyUse | undefined {
  for (let p = path; p !== ''; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
    // `runners` (the global key holding the [[runners]] list) is not the parent of a runner's keys.
    if (KEY_USES[p] && (p === path || p !== 'runners')) return KEY_USES[p];
  }
  return undefined;
}

/** Why the escape hatch refuses the key at `path`, or undefined when it may set it. */
export function rawRefusal(path: string): string | undefined {
  const use = keyUse(path);
  if (!use || 'escapeHatch' in use) return undefined;
  if ('prop' in use) return `is set by the typed prop ${use.prop}: set it there (the escape hatch never overrides a prop, so the two cannot conflict)`;
  if ('library' in use) return `is set by the library: ${use.library}`;
  return `is refused: ${use.refused}`;
}

function describeUse(use: KeyUse | undefined): [string, string] {
  if (!use) return ['escape hatch', ''];
  if ('prop' in use) return [`\`${use.prop}\``, ''];
  if ('library' in use) return ['set by the library', use.library];
  if ('refused' in use) return ['refused', use.refused];
  return ['escape hatch', use.escapeHatch];
}

/**
 * docs/runner-keys.md: every `[runners.kubernetes]` key of the pinned runner version, with its
 * prop, or the escape hatch and why. Generated from the key list and {@link KEY_USES}.
 */
export function renderRunnerKeysDoc(): string {
  const table = 'runners.kubernetes';
  const keys = Object.keys(RUNNER_KEYS.tables[table]).sort();
  const rows = keys.map((key) => {
    const path = joinPath(table, key);
    const [how, why] = describeUse(KEY_USES[path]);
    const subs = Object.keys(KEY_USES).filter((p) => p.startsWith(`${path}.`)).sort()
      .map((p) => `\`${p.slice(path.length + 1)}\`: ${describeUse(KEY_USES[p])[0]}`);
    const note = [why, ...subs].filter(Boolean).join('; ');
    return `| \`${key}\` | ${RUNNER_KEYS.tables[table][key].replace(/\|/g, ' or ')} | ${how} | ${note.replace(/\|/g, '\\|')} |`;
  });
  return [
    '# `[runners.kubernetes]` keys',
    '',
    `<!-- Generated by \`npm run docs:keys\` from src/runner/config/runner-keys.json (gitlab-runner ${RUNNER_KEYS_VERSION}) and KEY_USES in src/runner/config/key-uses.ts; do not edit. -->`,
    '',
    `Every key gitlab-runner ${RUNNER_KEYS_VERSION} (the version of the default manager image) defines in`,
    '`[runners.kubernetes]`, and how to set it from TypeScript: the typed prop of `addRunner()`, the',
    'library itself, or the escape hatch (`rawConfig` / `runner.addRawConfig()`, see the README).',
    'The escape hatch refuses keys a prop or the library sets, and those marked refused.',
    '',
    '| Key | TOML type | Set by | Notes |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
