import * as k8s from '../../imports/k8s';

/**
 * Pod Security "restricted" at pod level: non-root with fixed ids and the runtime's default
 * seccomp profile. cdk8s-plus sets neither the seccomp profile nor the capability drop, which is
 * why these are spelled out here.
 */
export function restrictedPodSecurityContext(ids: { user: number; group: number; fsGroup?: number }): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: ids.user,
    runAsGroup: ids.group,
    fsGroup: ids.fsGroup,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Pod Security "restricted" at container level, with a read-only root filesystem. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
