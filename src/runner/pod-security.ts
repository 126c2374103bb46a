import type { PodSecurityLevel } from './build-namespace';

// The Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards) as the
// admission controller applies them to one pod spec, so a build pod the library models (with the
// runner's options and pod_spec patches applied) is checked at synth against its build
// namespace's level, instead of failing job after job at run time.

/** Capabilities Pod Security "baseline" lets a container add. */
export const BASELINE_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE',
  'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
];

/** Volume types Pod Security "restricted" allows. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
];
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];

/** One way a pod spec breaks a Pod Security level. */
export interface PodSecurityViolation {
  /** Where, in the pod spec, e.g. `containers[0].securityContext.privileged`. */
  readonly path: string;
  /** What the level forbids. */
  readonly message: string;
}

/** What in `spec` (a PodSpec as JSON) the Pod Security level `level` forbids; empty when it passes. */
export function podSecurityViolations(spec: any, level: PodSecurityLevel): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const out: PodSecurityViolation[] = [];
  const add = (path: string, message: string) => out.push({ path, message });
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec?.[host]) add(host, `${host} is forbidden by Pod Security "baseline"`);
  }
  const pod = spec?.securityContext ?? {};
  checkCommon(pod, 'securityContext', add);
  for (const [i, s] of (pod.sysctls ?? []).entries()) {
    if (!SAFE_SYSCTLS.includes(s?.name)) add(`securityContext.sysctls[${i}]`, `sysctl "${s?.name}" is not one of the safe sysctls Pod Security "baseline" allows`);
  }
  for (const [i, vol] of (spec?.volumes ?? []).entries()) {
    if (vol?.hostPath) add(`volumes[${i}].hostPath`, 'hostPath volumes are forbidden by Pod Security "baseline"');
    if (level === 'restricted') {
      const type = Object.keys(vol ?? {}).find((k) => k !== 'name');
      if (type && !RESTRICTED_VOLUMES.includes(type)) add(`volumes[${i}].${type}`, `${type} volumes are forbidden by Pod Security "restricted"`);
    }
  }
  for (const list of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const [i, c] of (spec?.[list] ?? []).entries()) {
      const at = `${list}[${i}]`;
      const sc = c?.securityContext ?? {};
      if (sc.privileged) add(`${at}.securityContext.privileged`, 'privileged containers are forbidden by Pod Security "baseline"');
      if (sc.procMount && sc.procMount !== 'Default') add(`${at}.securityContext.procMount`, 'only the Default /proc mount is allowed by Pod Security "baseline"');
      checkCommon(sc, `${at}.securityContext`, add);
      for (const [j, p] of (c?.ports ?? []).entries()) {
        if (p?.hostPort) add(`${at}.ports[${j}].hostPort`, 'host ports are forbidden by Pod Security "baseline"');
      }
      const caps: string[] = sc.capabilities?.add ?? [];
      for (const cap of caps) {
        if (!BASELINE_CAPABILITIES.includes(cap)) add(`${at}.securityContext.capabilities.add`, `adding ${cap} is forbidden by Pod Security "baseline"`);
      }
      if (level === 'restricted') {
        if (sc.allowPrivilegeEscalation !== false) add(`${at}.securityContext.allowPrivilegeEscalation`, 'must be false under Pod Security "restricted"');
        if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) add(`${at}.securityContext.runAsNonRoot`, 'must be true (here or in the pod) under Pod Security "restricted"');
        if (sc.runAsUser === 0 || (sc.runAsUser === undefined && pod.runAsUser === 0)) add(`${at}.securityContext.runAsUser`, 'must not be 0 under Pod Security "restricted"');
        const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') add(`${at}.securityContext.seccompProfile`, 'must be RuntimeDefault or Localhost (here or in the pod) under Pod Security "restricted"');
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) add(`${at}.securityContext.capabilities.drop`, 'must include ALL under Pod Security "restricted"');
        for (const cap of caps.filter((x) => x !== 'NET_BIND_SERVICE')) add(`${at}.securityContext.capabilities.add`, `adding ${cap} is forbidden by Pod Security "restricted"`);
      }
    }
  }
  return out;
}

/** Checks that apply to pod and container security contexts alike. */
function checkCommon(sc: any, at: string, add: (path: string, message: string) => void): void {
  if (sc.windowsOptions?.hostProcess) add(`${at}.windowsOptions.hostProcess`, 'host processes are forbidden by Pod Security "baseline"');
  if (sc.seccompProfile?.type === 'Unconfined') add(`${at}.seccompProfile.type`, 'Unconfined seccomp is forbidden by Pod Security "baseline"');
  if (sc.appArmorProfile?.type === 'Unconfined') add(`${at}.appArmorProfile.type`, 'Unconfined AppArmor is forbidden by Pod Security "baseline"');
  const se = sc.seLinuxOptions;
  if (se && (!SELINUX_TYPES.includes(se.type ?? '') || se.user || se.role)) {
    add(`${at}.seLinuxOptions`, `SELinux type must be one of ${SELINUX_TYPES.filter(Boolean).join(', ')} and user and role unset under Pod Security "baseline"`);
  }
}
