import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import { objectShape } from '../common/shape';
import * as v from '../common/validate';
import { ContainerSecurityContextToml, PodSecurityContextToml } from './config/model';
import { BASELINE_CAPABILITIES } from './pod-security';

/** Linux capabilities added to and dropped from a container, without the `CAP_` prefix. */
export interface Capabilities {
  /**
   * Capabilities to add, e.g. `['NET_BIND_SERVICE']`. An unprivileged runner may add only what
   * Pod Security "baseline" allows.
   * @default - none
   */
  readonly add?: string[];
  /**
   * Capabilities to drop, e.g. `['ALL']`.
   * @default - none beyond the executor's default (`NET_RAW`)
   */
  readonly drop?: string[];
}

/**
 * Security context of one kind of build-pod container (`*_container_security_context`): what is
 * set here wins over the runner-wide `privileged`, `capAdd` and `capDrop`.
 */
export interface ContainerSecurityContext {
  /** @default - the image's user */
  readonly runAsUser?: number;
  /** @default - the image's group */
  readonly runAsGroup?: number;
  /** @default - not enforced */
  readonly runAsNonRoot?: boolean;
  /**
   * Let setuid binaries gain privileges in this container only.
   * @default - the runner's (false unless privileged)
   */
  readonly allowPrivilegeEscalation?: boolean;
  /**
   * Mount the container's root filesystem read-only.
   * @default false
   */
  readonly readOnlyRootFilesystem?: boolean;
  /**
   * Run this container privileged. Only `false` is accepted on an unprivileged runner; on a
   * privileged runner, `false` keeps e.g. the helper unprivileged.
   * @default - the runner's `privileged`
   */
  readonly privileged?: boolean;
  /**
   * Capabilities of this container, replacing the runner-wide `capAdd`/`capDrop` per side.
   * @default - the runner-wide ones
   */
  readonly capabilities?: Capabilities;
}

/** Security context of the build pod (`[runners.kubernetes.pod_security_context]`). */
export interface PodSecurityContext {
  /** @default - the image's user */
  readonly runAsUser?: number;
  /** @default - the image's group */
  readonly runAsGroup?: number;
  /** @default - not enforced */
  readonly runAsNonRoot?: boolean;
  /**
   * Group that owns mounted volumes (and is added to every container's process).
   * @default - none
   */
  readonly fsGroup?: number;
  /**
   * Extra groups of every container's first process.
   * @default - none
   */
  readonly supplementalGroups?: number[];
}

const CAPABILITY = /^[A-Z][A-Z0-9_]*$/;

/** A list of capability names, checked against what the runner's privilege level allows to add. */
export function capabilityList(scope: IConstruct, field: string, list: string[] | undefined, adding: boolean, privileged: boolean): string[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) invalid(scope, field, list, 'must be a list of capability names, e.g. ["NET_BIND_SERVICE"]');
  list.forEach((c, i) => {
    if (typeof c !== 'string' || !CAPABILITY.test(c) || c.startsWith('CAP_')) {
      invalid(scope, `${field}[${i}]`, c, 'must be a Linux capability name in capitals without the "CAP_" prefix, e.g. "NET_BIND_SERVICE", or "ALL"');
    }
    if (adding && !privileged && !BASELINE_CAPABILITIES.includes(c)) {
      invalid(scope, `${field}[${i}]`, c,
        `may not be added by an unprivileged runner: its build namespace enforces Pod Security "baseline", which allows adding only ${BASELINE_CAPABILITIES.join(', ')}`);
    }
  });
  return [...list];
}

const id = (scope: IConstruct, field: string, value: number | undefined) =>
  (value === undefined ? undefined : v.integer(scope, field, value, 0, 2147483647));

const flag = (scope: IConstruct, field: string, value: boolean | undefined) =>
  (value === undefined ? undefined : v.boolean(scope, field, value));

function object(scope: IConstruct, field: string, value: unknown, shape: string): void {
  objectShape(scope, field, value, shape);
}

/** A container security context, validated, in config.toml terms; undefined when empty. */
export function resolveContainerSecurityContext(
  scope: IConstruct, field: string, sc: ContainerSecurityContext | undefined, privileged: boolean,
): ContainerSecurityContextToml | undefined {
  if (sc === undefined) return undefined;
  object(scope, field, sc, '{ runAsUser?, runAsGroup?, runAsNonRoot?, allowPrivilegeEscalation?, readOnlyRootFilesystem?, privileged?, capabilities? }');
  if (sc.privileged === true && !privileged) {
    invalid(scope, `${field}.privileged`, true,
      'only a privileged runner (manager.addDindRunner, or privileged: true with nodePools) may run privileged containers: its build namespace and tainted pool are what make that safe');
  }
  if (sc.capabilities !== undefined) object(scope, `${field}.capabilities`, sc.capabilities, '{ add?, drop? }');
  const add = capabilityList(scope, `${field}.capabilities.add`, sc.capabilities?.add, true, privileged);
  const drop = capabilityList(scope, `${field}.capabilities.drop`, sc.capabilities?.drop, false, privileged);
  const out: ContainerSecurityContextToml = {
    // The order of the keys before these options existed, so config.toml stays as it was.
    run_as_user: id(scope, `${field}.runAsUser`, sc.runAsUser),
    run_as_group: id(scope, `${field}.runAsGroup`, sc.runAsGroup),
    run_as_non_root: flag(scope, `${field}.runAsNonRoot`, sc.runAsNonRoot),
    allow_privilege_escalation: flag(scope, `${field}.allowPrivilegeEscalation`, sc.allowPrivilegeEscalation),
    privileged: flag(scope, `${field}.privileged`, sc.privileged),
    read_only_root_filesystem: flag(scope, `${field}.readOnlyRootFilesystem`, sc.readOnlyRootFilesystem),
    capabilities: add || drop ? { add, drop } : undefined,
  };
  if (sc.runAsNonRoot && sc.runAsUser === 0) {
    invalid(scope, `${field}.runAsUser`, 0, 'must not be 0 (root) when runAsNonRoot is true');
  }
  if (sc.privileged === true && sc.allowPrivilegeEscalation === false) {
    invalid(scope, `${field}.allowPrivilegeEscalation`, false, 'must not be false in a privileged container: the API server rejects that pod');
  }
  return Object.values(out).some((x) => x !== undefined) ? out : undefined;
}

/** The pod security context, validated, in config.toml terms; undefined when empty. */
export function resolvePodSecurityContext(scope: IConstruct, field: string, sc: PodSecurityContext | undefined): PodSecurityContextToml | undefined {
  if (sc === undefined) return undefined;
  object(scope, field, sc, '{ runAsUser?, runAsGroup?, runAsNonRoot?, fsGroup?, supplementalGroups? }');
  if (sc.supplementalGroups !== undefined && !Array.isArray(sc.supplementalGroups)) {
    invalid(scope, `${field}.supplementalGroups`, sc.supplementalGroups, 'must be a list of group ids, e.g. [1000]');
  }
  const out: PodSecurityContextToml = {
    run_as_user: id(scope, `${field}.runAsUser`, sc.runAsUser),
    run_as_group: id(scope, `${field}.runAsGroup`, sc.runAsGroup),
    run_as_non_root: flag(scope, `${field}.runAsNonRoot`, sc.runAsNonRoot),
    fs_group: id(scope, `${field}.fsGroup`, sc.fsGroup),
    supplemental_groups: sc.supplementalGroups?.map((g, i) => v.integer(scope, `${field}.supplementalGroups[${i}]`, g, 0, 2147483647)),
  };
  if (sc.runAsNonRoot && sc.runAsUser === 0) {
    invalid(scope, `${field}.runAsUser`, 0, 'must not be 0 (root) when runAsNonRoot is true');
  }
  return Object.values(out).some((x) => x !== undefined) ? out : undefined;
}
