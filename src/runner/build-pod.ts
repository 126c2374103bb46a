import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import type { INodePlacement } from '../common/placement';
import type { TolerationSpec } from '../common/tolerations';
import { ContainerSecurityContextToml, KubernetesVolumesToml } from './config/model';

/** An emptyDir volume mounted into every container of a build pod. */
export interface EmptyDirBuildVolume {
  /** Volume name, unique in the build pod. */
  readonly name: string;
  /** Where the containers see it. */
  readonly mountPath: string;
  /**
   * `Memory` for a tmpfs (counted against the containers' memory limits).
   * @default - the node's disk
   */
  readonly medium?: 'Memory';
  /**
   * Size limit, a Kubernetes quantity.
   * @default - no limit
   */
  readonly sizeLimit?: string;
}

/** A Secret of the build namespace mounted read-only into every container of a build pod. */
export interface SecretBuildVolume {
  /** Name of the Secret, in the runner's build namespace; also the volume's name. */
  readonly secretName: string;
  /** The directory the Secret's files appear in. */
  readonly mountPath: string;
  /**
   * Which keys to mount, and as which file names (`{ key: fileName }`).
   * @default - every key, as a file named after it
   */
  readonly items?: Record<string, string>;
}

/** Volumes of build pods (`[[runners.kubernetes.volumes.*]]`). */
export interface BuildVolumes {
  /** @default - none */
  readonly emptyDir?: EmptyDirBuildVolume[];
  /** @default - none */
  readonly secret?: SecretBuildVolume[];
}

/** Overrides for the build container's security context (`build_container_security_context`). */
export interface BuildContainerSecurityContext {
  /** @default - the image's user */
  readonly runAsUser?: number;
  /** @default - the image's group */
  readonly runAsGroup?: number;
  /** @default - not enforced */
  readonly runAsNonRoot?: boolean;
  /**
   * Let setuid binaries gain privileges in the build container only. Rootless image builders
   * need it for `newuidmap`/`newgidmap`; every other container of the pod keeps it off.
   * @default false
   */
  readonly allowPrivilegeEscalation?: boolean;
}

/** Where build pods run and with what privileges: the part of {@link RunnerOptions} that isolation depends on. */
export interface BuildPodOptions {
  /**
   * Tainted node pools the build pods run on: they get `node_selector` and `node_tolerations` for
   * exactly these pools, and only runners bound this way may tolerate a pool's taint. Usually
   * one; several (e.g. a spot and an on-demand Karpenter pool) must share one taint and label.
   * @default - none
   */
  readonly nodePools?: INodePlacement[];
  /**
   * Run every container of the build pod privileged (`privileged = true`), as Docker-in-Docker
   * needs. Requires `nodePools` and a build namespace no unprivileged runner uses, which then
   * enforces Pod Security "privileged". Prefer `manager.addDindRunner()`.
   * @default false
   */
  readonly privileged?: boolean;
  /**
   * Volumes mounted into build pods.
   * @default - none
   */
  readonly volumes?: BuildVolumes;
  /**
   * Security context overrides for the build container.
   * @default - the image's user and group; no privilege escalation
   */
  readonly buildContainerSecurityContext?: BuildContainerSecurityContext;
}

/** {@link BuildPodOptions}, validated, in config.toml terms. */
export interface ResolvedBuildPod {
  /** `privileged`. */
  readonly privileged: boolean;
  /** The bound pools, without duplicates. */
  readonly nodePools: INodePlacement[];
  /** `node_selector` entries the pools need. */
  readonly nodeSelector: Record<string, string>;
  /** The toleration the pools need: their taint exactly. */
  readonly tolerations: TolerationSpec[];
  /** `[runners.kubernetes.volumes]`, when any. */
  readonly volumes?: KubernetesVolumesToml;
  /** `[runners.kubernetes.build_container_security_context]`, when any. */
  readonly buildContainerSecurityContext?: ContainerSecurityContextToml;
}

/**
 * Validates the isolation options of a runner. `nodeSelector` is the runner's own, checked
 * against the pools' labels.
 */
export function resolveBuildPod(scope: IConstruct, o: BuildPodOptions, nodeSelector: Record<string, string> = {}): ResolvedBuildPod {
  const privileged = o.privileged ?? false;
  if (typeof privileged !== 'boolean') invalid(scope, 'privileged', privileged, 'must be true or false');
  const pools = o.nodePools ?? [];
  if (!Array.isArray(pools)) invalid(scope, 'nodePools', pools, 'must be a list of tainted node pools');
  const poolField = builtIns.get(o)?.nodePoolField;
  pools.forEach((pool, i) => {
    const field = poolField ?? `nodePools[${i}]`;
    if (pool === null || typeof pool !== 'object' || !pool.node || !pool.taint) {
      invalid(scope, field, pool, 'must be a tainted node pool: a KarpenterNodePool, GkeNodePool or ExistingNodePool');
    }
    if (pool.node.root !== scope.node.root) {
      invalid(scope, field, pool.node.path, 'belongs to another App: the pool\'s guard rails (no other pod tolerates its taint) only see their own App; create the pool in the same App');
    }
  });
  if (privileged && pools.length === 0) {
    invalid(scope, 'privileged', true,
      'privileged build pods can take over their node: bind the runner to a tainted node pool that nothing else tolerates (nodePools: [pool], or use manager.addDindRunner(name, { nodePool }))');
  }
  if (!privileged && pools.length > 0) {
    // The pool's taint keeps everything but privileged build pods off its nodes; an unprivileged
    // runner tolerating it would share nodes with privileged pods (validation's
    // privileged-taint-isolation rule says the same about the manifests).
    invalid(scope, 'nodePools', pools.map((p) => p.node.path),
      'a tainted node pool is for privileged build pods only: drop nodePools, or set privileged: true (manager.addDindRunner) for a runner that must run there');
  }
  pools.forEach((pool, i) => {
    if (i === 0) return;
    const first = pools[0];
    const t = (p: INodePlacement) => `${p.taint.key}=${p.taint.value}:${p.taint.effect}`;
    const l = (p: INodePlacement) => `${p.nodeLabel.key}=${p.nodeLabel.value}`;
    if (t(pool) !== t(first)) {
      invalid(scope, `nodePools[${i}].taint`, t(pool),
        `must equal nodePools[0].taint "${t(first)}": pools bound to one runner must share one taint and node label (build pods select one value per label key)`);
    }
    if (l(pool) !== l(first)) {
      invalid(scope, `nodePools[${i}].nodeLabel`, l(pool),
        `must equal nodePools[0].nodeLabel "${l(first)}": pools bound to one runner must share one taint and node label (build pods select one value per label key)`);
    }
  });
  const pool = pools[0];
  const poolSelector = pool ? pool.nodeSelector : {};
  for (const [k, val] of Object.entries(nodeSelector)) {
    if (k in poolSelector && poolSelector[k] !== val) {
      invalid(scope, `nodeSelector["${k}"]`, val, `conflicts with the label ${k}=${poolSelector[k]} of node pool ${pool!.node.path}, which build pods must select`);
    }
  }

  return {
    privileged,
    nodePools: [...new Set(pools)],
    nodeSelector: poolSelector,
    tolerations: pool ? [{ key: pool.taint.key, value: pool.taint.value, effect: pool.taint.effect }] : [],
    volumes: resolveVolumes(scope, o.volumes, builtIns.get(o)),
    buildContainerSecurityContext: resolveSecurityContext(scope, o.buildContainerSecurityContext),
  };
}

/** A volume the library adds on a profile's behalf, with what it is for. */
export interface OwnedVolume {
  /** What the volume is, as error messages name it, e.g. "the DinD certificates volume". */
  readonly owner: string;
}

/**
 * Volumes a runner profile adds to the user's (DinD's certificates, an image builder's registry
 * Secrets), kept apart so errors name the index the user wrote, and the library's volume by
 * what it is.
 */
export interface BuiltInVolumes {
  /**
   * Added before the user's emptyDir volumes.
   * @default - none
   */
  readonly emptyDir?: Array<EmptyDirBuildVolume & OwnedVolume>;
  /**
   * Added before the user's Secret volumes.
   * @default - none
   */
  readonly secret?: Array<SecretBuildVolume & OwnedVolume>;
  /**
   * The field the user wrote the node pool in, when the profile took a single pool.
   * @default - `nodePools[i]`
   */
  readonly nodePoolField?: string;
}

const builtIns = new WeakMap<object, BuiltInVolumes>();

/** Marks `options` (made by a runner profile) as carrying the library's own volumes. */
export function withBuiltInVolumes<T extends BuildPodOptions>(options: T, volumes: BuiltInVolumes): T {
  builtIns.set(options, volumes);
  return options;
}

/** The executor mounts the build directory (`builds_dir`) at this path in every build pod. */
const EXECUTOR_MOUNTS: v.MountClaim[] = [{ owner: 'the executor\'s build directory (builds_dir)', mountPath: '/builds' }];

function resolveVolumes(scope: IConstruct, volumes: BuildVolumes | undefined, builtIn: BuiltInVolumes = {}): KubernetesVolumesToml | undefined {
  if (volumes !== undefined && (volumes === null || typeof volumes !== 'object')) {
    invalid(scope, 'volumes', volumes, 'must be { emptyDir?: [...], secret?: [...] }');
  }
  const names = new Map<string, string>();
  const mounts: v.MountClaim[] = [...EXECUTOR_MOUNTS];
  for (const b of [...builtIn.emptyDir ?? [], ...builtIn.secret ?? []]) {
    names.set('name' in b ? b.name : b.secretName, b.owner);
    mounts.push({ owner: b.owner, mountPath: b.mountPath });
  }
  const claim = (field: string, nameField: string, name: string, mountPath: string) => {
    if (names.has(name)) invalid(scope, `${field}.${nameField}`, name, `must be unique among the build pod's volumes; already used by ${names.get(name)}`);
    names.set(name, field);
    mounts.push({ field: `${field}.mountPath`, owner: field, mountPath });
  };
  const entry = <T>(kind: string, i: number, e: T): T => {
    if (e === null || typeof e !== 'object') invalid(scope, `volumes.${kind}[${i}]`, e, 'must be an object with a name and a mountPath');
    return e;
  };
  const userEmptyDir = (volumes?.emptyDir ?? []).map((e, i) => {
    entry('emptyDir', i, e);
    const field = `volumes.emptyDir[${i}]`;
    const name = v.dnsLabel(scope, `${field}.name`, e.name);
    const mountPath = v.absolutePath(scope, `${field}.mountPath`, e.mountPath);
    claim(field, 'name', name, mountPath);
    if (e.medium !== undefined) v.oneOf(scope, `${field}.medium`, e.medium, ['Memory'] as const);
    return {
      name,
      mount_path: mountPath,
      ...(e.medium ? { medium: e.medium } : {}),
      ...(e.sizeLimit !== undefined ? { size_limit: v.quantity(scope, `${field}.sizeLimit`, e.sizeLimit) } : {}),
    };
  });
  const userSecret = (volumes?.secret ?? []).map((s, i) => {
    entry('secret', i, s);
    const field = `volumes.secret[${i}]`;
    const name = v.dnsSubdomain(scope, `${field}.secretName`, s.secretName);
    const mountPath = v.absolutePath(scope, `${field}.mountPath`, s.mountPath);
    claim(field, 'secretName', name, mountPath);
    const items = Object.entries(s.items ?? {}).map(([key, file]) =>
      [v.secretKey(scope, `${field}.items key`, key), v.relativePath(scope, `${field}.items["${key}"]`, file)]);
    return { name, mount_path: mountPath, read_only: true, ...(items.length ? { items: Object.fromEntries(items) } : {}) };
  });
  v.distinctMounts(scope, mounts);
  const emptyDir = [...(builtIn.emptyDir ?? []).map(emptyDirToml), ...userEmptyDir];
  const secret = [...(builtIn.secret ?? []).map(secretToml), ...userSecret];
  if (!emptyDir.length && !secret.length) return undefined;
  return { ...(emptyDir.length ? { empty_dir: emptyDir } : {}), ...(secret.length ? { secret } : {}) };
}

function emptyDirToml(e: EmptyDirBuildVolume) {
  return { name: e.name, mount_path: e.mountPath, ...(e.medium ? { medium: e.medium } : {}), ...(e.sizeLimit !== undefined ? { size_limit: e.sizeLimit } : {}) };
}

function secretToml(s: SecretBuildVolume) {
  const items = Object.entries(s.items ?? {});
  return { name: s.secretName, mount_path: s.mountPath, read_only: true, ...(items.length ? { items: Object.fromEntries(items) } : {}) };
}

function resolveSecurityContext(scope: IConstruct, sc: BuildContainerSecurityContext | undefined): ContainerSecurityContextToml | undefined {
  if (!sc) return undefined;
  const out: ContainerSecurityContextToml = {
    run_as_user: sc.runAsUser === undefined ? undefined : v.integer(scope, 'buildContainerSecurityContext.runAsUser', sc.runAsUser, 0, 2147483647),
    run_as_group: sc.runAsGroup === undefined ? undefined : v.integer(scope, 'buildContainerSecurityContext.runAsGroup', sc.runAsGroup, 0, 2147483647),
    run_as_non_root: sc.runAsNonRoot,
    allow_privilege_escalation: sc.allowPrivilegeEscalation,
  };
  if (sc.runAsNonRoot && sc.runAsUser === 0) {
    invalid(scope, 'buildContainerSecurityContext.runAsUser', 0, 'must not be 0 (root) when runAsNonRoot is true');
  }
  return Object.values(out).some((x) => x !== undefined) ? out : undefined;
}
