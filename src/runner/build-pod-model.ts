import { ContainerSecurityContextToml, KubernetesExecutorToml } from './config/model';

// The build pod spec as gitlab-runner's Kubernetes executor (v18.9.0) makes it from
// `[runners.kubernetes]`, far enough to check it: the init-permissions, build and helper
// containers and one service container, in the executor's order, with their security contexts, the volumes, scheduling, DNS and the pod security
// context. Images, commands, probes and resources are left out: no check reads them. pod_spec
// patches apply to this spec, as the executor applies them to its own.

const DEFAULT_CAP_DROP = ['NET_RAW'];

/** The pod spec (as JSON) the executor would create for `k`, before pod_spec patches. */
export function modelBuildPodSpec(k: KubernetesExecutorToml): Record<string, any> {
  const volumes = k.volumes ?? {};
  const mounts = [
    { name: 'repo', mountPath: '/builds' },
    ...(volumes.host_path ?? []).map((x) => ({ name: x.name, mountPath: x.mount_path })),
    ...(volumes.secret ?? []).map((x) => ({ name: x.name, mountPath: x.mount_path })),
    ...(volumes.pvc ?? []).map((x) => ({ name: x.name, mountPath: x.mount_path })),
    ...(volumes.config_map ?? []).map((x) => ({ name: x.name, mountPath: x.mount_path })),
    ...(volumes.empty_dir ?? []).map((x) => ({ name: x.name, mountPath: x.mount_path })),
    ...(volumes.csi ?? []).map((x) => ({ name: x.name, mountPath: x.mount_path })),
  ];
  const container = (name: string, sc: ContainerSecurityContextToml | undefined) => ({
    name, image: name, volumeMounts: mounts, securityContext: containerSecurityContext(k, sc ?? {}),
  });
  const pod = k.pod_security_context;
  return prune({
    serviceAccountName: k.service_account,
    automountServiceAccountToken: k.automount_service_account_token,
    restartPolicy: 'Never',
    nodeSelector: k.node_selector,
    tolerations: Object.entries(k.node_tolerations ?? {}).map(([keyValue, effect]) => {
      // Split at the first "=", as the executor does.
      const at = keyValue.indexOf('=');
      return at < 0
        ? { key: keyValue, operator: 'Exists', effect: effect || undefined }
        : { key: keyValue.slice(0, at), operator: 'Equal', value: keyValue.slice(at + 1), effect: effect || undefined };
    }),
    affinity: k.affinity ? camelCase(k.affinity) : undefined,
    priorityClassName: k.priority_class_name,
    terminationGracePeriodSeconds: k.pod_termination_grace_period_seconds,
    hostAliases: k.host_aliases?.map((h) => ({ ip: h.ip, hostnames: h.hostnames })),
    dnsPolicy: k.dns_policy ? DNS_POLICIES[k.dns_policy] : undefined,
    dnsConfig: k.dns_config ? camelCase(k.dns_config) : undefined,
    securityContext: pod ? {
      runAsUser: pod.run_as_user, runAsGroup: pod.run_as_group, runAsNonRoot: pod.run_as_non_root,
      fsGroup: pod.fs_group, supplementalGroups: pod.supplemental_groups,
    } : undefined,
    volumes: [
      { name: 'repo', emptyDir: {} },
      ...(volumes.host_path ?? []).map((x) => ({ name: x.name, hostPath: { path: x.host_path } })),
      ...(volumes.secret ?? []).map((x) => ({ name: x.name, secret: { secretName: x.name } })),
      ...(volumes.pvc ?? []).map((x) => ({ name: x.name, persistentVolumeClaim: { claimName: x.name, readOnly: x.read_only } })),
      ...(volumes.config_map ?? []).map((x) => ({ name: x.name, configMap: { name: x.name } })),
      ...(volumes.empty_dir ?? []).map((x) => ({ name: x.name, emptyDir: { medium: x.medium || undefined, sizeLimit: x.size_limit } })),
      ...(volumes.csi ?? []).map((x) => ({ name: x.name, csi: { driver: x.driver, fsType: x.fs_type, readOnly: x.read_only, volumeAttributes: x.volume_attributes } })),
    ],
    // The executor's default (non-legacy) execution strategy adds this init container.
    initContainers: [container('init-permissions', undefined)],
    imagePullSecrets: k.image_pull_secrets?.map((name) => ({ name })),
    containers: [
      container('build', k.build_container_security_context),
      container('helper', k.helper_container_security_context),
      container('svc-0', k.service_container_security_context),
    ],
  });
}

const DNS_POLICIES: Record<string, string> = {
  'none': 'None', 'default': 'Default', 'cluster-first': 'ClusterFirst', 'cluster-first-with-host-net': 'ClusterFirstWithHostNet',
};

/** GetContainerSecurityContext: the container's settings win over the runner-wide ones. */
function containerSecurityContext(k: KubernetesExecutorToml, sc: ContainerSecurityContextToml): Record<string, unknown> {
  const enabled = new Map<string, boolean>();
  for (const c of DEFAULT_CAP_DROP) enabled.set(c, false);
  for (const c of k.cap_add ?? []) enabled.set(c, true);
  for (const c of k.cap_drop ?? []) enabled.set(c, false);
  const global = {
    add: [...enabled].filter(([, on]) => on).map(([c]) => c),
    drop: [...enabled].filter(([, on]) => !on).map(([c]) => c),
  };
  return {
    capabilities: { add: sc.capabilities?.add ?? global.add, drop: sc.capabilities?.drop ?? global.drop },
    privileged: sc.privileged ?? k.privileged,
    allowPrivilegeEscalation: sc.allow_privilege_escalation ?? k.allow_privilege_escalation,
    runAsUser: sc.run_as_user,
    runAsGroup: sc.run_as_group,
    runAsNonRoot: sc.run_as_non_root,
    readOnlyRootFilesystem: sc.read_only_root_filesystem,
  };
}

/** snake_case keys to camelCase, deeply, except inside label maps (match_labels). */
function camelCase(value: unknown, keepKeys = false): any {
  if (Array.isArray(value)) return value.map((x) => camelCase(x));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, val]) => {
    const name = keepKeys ? key : key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    return [name, camelCase(val, key === 'match_labels' || key === 'volume_attributes')];
  }));
}

/** Drops undefined fields and empty lists, as the JSON encoding of the executor's Go structs does. */
function prune(value: any): any {
  if (Array.isArray(value)) {
    const list = value.map(prune);
    return list.length ? list : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = prune(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return value;
}
