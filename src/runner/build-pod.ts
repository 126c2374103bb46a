import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import type { INodePlacement } from '../common/placement';
import type { TolerationSpec } from '../common/tolerations';
import { isPlainObject, knownKeys } from '../common/shape';
import { ContainerSecurityContextToml, KubernetesVolumesToml } from './config/model';
import { ContainerSecurityContext, resolveContainerSecurityContext } from './security-context';

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

/** A ConfigMap of the build namespace mounted read-only into every container of a build pod. */
export interface ConfigMapBuildVolume {
  /** Name of the ConfigMap, in the runner's build namespace; also the volume's name. */
  readonly configMapName: string;
  /** The directory the ConfigMap's files appear in. */
  readonly mountPath: string;
  /**
   * Which keys to mount, and as which file names (`{ key: fileName }`).
   * @default - every key, as a file named after it
   */
  readonly items?: Record<string, string>;
}

/** A PersistentVolumeClaim of the build namespace mounted into every container of a build pod. */
export interface PvcBuildVolume {
  /** Name of the claim, in the runner's build namespace; also the volume's name. */
  readonly claimName: string;
  /** Where the containers see it. */
  readonly mountPath: string;
  /**
   * A directory of the volume to mount instead of its root.
   * @default - the volume's root
   */
  readonly subPath?: string;
  /**
   * Mount read-only: a claim shared by concurrent jobs is usually a read-only dataset.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** An inline (ephemeral) CSI volume mounted into every container of a build pod. */
export interface CsiBuildVolume {
  /** Volume name, unique in the build pod. */
  readonly name: string;
  /** Where the containers see it. */
  readonly mountPath: string;
  /** CSI driver, e.g. `secrets-store.csi.k8s.io`. */
  readonly driver: string;
  /**
   * Filesystem type.
   * @default - the driver's default
   */
  readonly fsType?: string;
  /**
   * Driver-specific attributes, e.g. `{ secretProviderClass: 'ci-secrets' }`.
   * @default - none
   */
  readonly volumeAttributes?: Record<string, string>;
  /**
   * A directory of the volume to mount instead of its root.
   * @default - the volume's root
   */
  readonly subPath?: string;
  /**
   * Mount read-only.
   * @default false
   */
  readonly readOnly?: boolean;
}

/**
 * A directory of the node mounted into every container of a build pod. Pod Security "baseline"
 * forbids hostPath volumes, so only privileged runners (whose build namespace enforces
 * "privileged") may use one; it gives jobs the node's files.
 */
export interface HostPathBuildVolume {
  /** Volume name, unique in the build pod. */
  readonly name: string;
  /** Where the containers see it. */
  readonly mountPath: string;
  /** The node's directory, an absolute path. */
  readonly hostPath: string;
  /**
   * Mount read-only.
   * @default true
   */
  readonly readOnly?: boolean;
}

/** Volumes of build pods (`[[runners.kubernetes.volumes.*]]`). */
export interface BuildVolumes {
  /** @default - none */
  readonly emptyDir?: EmptyDirBuildVolume[];
  /** @default - none */
  readonly secret?: SecretBuildVolume[];
  /** @default - none */
  readonly configMap?: ConfigMapBuildVolume[];
  /** @default - none */
  readonly pvc?: PvcBuildVolume[];
  /** @default - none */
  readonly csi?: CsiBuildVolume[];
  /**
   * Node directories; privileged runners only (Pod Security "baseline" forbids them).
   * @default - none
   */
  readonly hostPath?: HostPathBuildVolume[];
}

/** Overrides for the build container's security context (`build_container_security_context`). */
export interface BuildContainerSecurityContext extends ContainerSecurityContext {
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
  for (const [k, val] of Object.entries(nodeSelector ?? {})) {
    if (k in poolSelector && poolSelector[k] !== val) {
      invalid(scope, `nodeSelector["${k}"]`, val, `conflicts with the label ${k}=${poolSelector[k]} of node pool ${pool!.node.path}, which build pods must select`);
    }
  }

  return {
    privileged,
    nodePools: [...new Set(pools)],
    nodeSelector: poolSelector,
    tolerations: pool ? [{ key: pool.taint.key, value: pool.taint.value, effect: pool.taint.effect }] : [],
    volumes: resolveVolumes(scope, o.volumes, privileged, builtIns.get(o)),
    buildContainerSecurityContext: resolveContainerSecurityContext(scope, 'buildContainerSecurityContext', o.buildContainerSecurityContext, privileged),
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

/** The keys of each kind of build volume, as its interface declares them. */
const VOLUME_KEYS = {
  emptyDir: ['name', 'mountPath', 'medium', 'sizeLimit'],
  secret: ['secretName', 'mountPath', 'items'],
  configMap: ['configMapName', 'mountPath', 'items'],
  pvc: ['claimName', 'mountPath', 'subPath', 'readOnly'],
  csi: ['name', 'mountPath', 'driver', 'fsType', 'volumeAttributes', 'subPath', 'readOnly'],
  hostPath: ['name', 'mountPath', 'hostPath', 'readOnly'],
} as const;

function resolveVolumes(scope: IConstruct, volumes: BuildVolumes | undefined, privileged: boolean, builtIn: BuiltInVolumes = {}): KubernetesVolumesToml | undefined {
  if (volumes !== undefined && (volumes === null || typeof volumes !== 'object')) {
    invalid(scope, 'volumes', volumes, 'must be { emptyDir?, secret?, configMap?, pvc?, csi?, hostPath? }, each a list');
  }
  knownKeys(scope, 'volumes', volumes, Object.keys(VOLUME_KEYS));
  for (const kind of ['emptyDir', 'secret', 'configMap', 'pvc', 'csi', 'hostPath'] as const) {
    const list = volumes?.[kind];
    if (list !== undefined && !Array.isArray(list)) invalid(scope, `volumes.${kind}`, list, 'must be a list of volumes');
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
    knownKeys(scope, `volumes.${kind}[${i}]`, e, VOLUME_KEYS[kind as keyof typeof VOLUME_KEYS]);
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
    if (s.items !== undefined && !isPlainObject(s.items)) invalid(scope, `${field}.items`, s.items, 'must be a map of strings, e.g. { "ca.crt": "ca.crt" }');
    const items = Object.entries(s.items ?? {}).map(([key, file]) =>
      [v.secretKey(scope, `${field}.items key`, key), v.relativePath(scope, `${field}.items["${key}"]`, file)]);
    return { name, mount_path: mountPath, read_only: true, ...(items.length ? { items: Object.fromEntries(items) } : {}) };
  });
  const more = resolveMoreVolumes(scope, volumes, privileged, claim);
  v.distinctMounts(scope, mounts);
  const emptyDir = [...(builtIn.emptyDir ?? []).map(emptyDirToml), ...userEmptyDir];
  const secret = [...(builtIn.secret ?? []).map(secretToml), ...userSecret];
  const out: KubernetesVolumesToml = {
    ...(emptyDir.length ? { empty_dir: emptyDir } : {}),
    ...(secret.length ? { secret } : {}),
    ...more,
  };
  return Object.keys(out).length ? out : undefined;
}

/** configMap, pvc, csi and hostPath volumes, validated; `claim` reserves each name and mount path. */
function resolveMoreVolumes(
  scope: IConstruct, volumes: BuildVolumes | undefined, privileged: boolean,
  claim: (field: string, nameField: string, name: string, mountPath: string) => void,
): Partial<KubernetesVolumesToml> {
  const entry = <T>(kind: string, i: number, e: T): T => {
    if (e === null || typeof e !== 'object') invalid(scope, `volumes.${kind}[${i}]`, e, 'must be an object with a name and a mountPath');
    knownKeys(scope, `volumes.${kind}[${i}]`, e, VOLUME_KEYS[kind as keyof typeof VOLUME_KEYS]);
    return e;
  };
  const map = (field: string, m: unknown, example: string) => {
    if (m !== undefined && (m === null || typeof m !== 'object' || Array.isArray(m))) invalid(scope, field, m, `must be a map of strings, e.g. ${example}`);
  };
  const subPath = (field: string, p: string | undefined) => (p === undefined ? {} : { sub_path: v.relativePath(scope, `${field}.subPath`, p) });
  const readOnly = (field: string, r: boolean | undefined, dflt: boolean) => {
    const ro = r === undefined ? dflt : v.boolean(scope, `${field}.readOnly`, r);
    return ro ? { read_only: true } : {};
  };
  const configMap = (volumes?.configMap ?? []).map((c, i) => {
    entry('configMap', i, c);
    const field = `volumes.configMap[${i}]`;
    const name = v.dnsSubdomain(scope, `${field}.configMapName`, c.configMapName);
    const mountPath = v.absolutePath(scope, `${field}.mountPath`, c.mountPath);
    claim(field, 'configMapName', name, mountPath);
    map(`${field}.items`, c.items, '{ "setup.sh": "setup.sh" }');
    const items = Object.entries(c.items ?? {}).map(([key, file]) =>
      [v.secretKey(scope, `${field}.items key`, key), v.relativePath(scope, `${field}.items["${key}"]`, file)]);
    return { name, mount_path: mountPath, read_only: true, ...(items.length ? { items: Object.fromEntries(items) } : {}) };
  });
  const pvc = (volumes?.pvc ?? []).map((c, i) => {
    entry('pvc', i, c);
    const field = `volumes.pvc[${i}]`;
    const name = v.dnsSubdomain(scope, `${field}.claimName`, c.claimName);
    const mountPath = v.absolutePath(scope, `${field}.mountPath`, c.mountPath);
    claim(field, 'claimName', name, mountPath);
    return { name, mount_path: mountPath, ...subPath(field, c.subPath), ...readOnly(field, c.readOnly, false) };
  });
  const csi = (volumes?.csi ?? []).map((c, i) => {
    entry('csi', i, c);
    const field = `volumes.csi[${i}]`;
    const name = v.dnsLabel(scope, `${field}.name`, c.name);
    const mountPath = v.absolutePath(scope, `${field}.mountPath`, c.mountPath);
    claim(field, 'name', name, mountPath);
    map(`${field}.volumeAttributes`, c.volumeAttributes, '{ secretProviderClass: "ci" }');
    const attributes = Object.entries(c.volumeAttributes ?? {}).map(([k, val]) => {
      v.nonEmptyString(scope, `${field}.volumeAttributes key`, k, 'secretProviderClass');
      if (typeof val !== 'string') invalid(scope, `${field}.volumeAttributes["${k}"]`, val, 'must be a string');
      return [k, val];
    });
    return {
      name,
      mount_path: mountPath,
      ...subPath(field, c.subPath),
      driver: v.dnsSubdomain(scope, `${field}.driver`, c.driver),
      ...(c.fsType === undefined ? {} : { fs_type: fsType(scope, `${field}.fsType`, c.fsType) }),
      ...readOnly(field, c.readOnly, false),
      ...(attributes.length ? { volume_attributes: Object.fromEntries(attributes) } : {}),
    };
  });
  const hostPath = (volumes?.hostPath ?? []).map((h, i) => {
    entry('hostPath', i, h);
    const field = `volumes.hostPath[${i}]`;
    if (!privileged) {
      invalid(scope, field, h.hostPath,
        'hostPath volumes give jobs the node\'s files and are forbidden by Pod Security "baseline", which unprivileged build namespaces enforce: use a pvc, csi or emptyDir volume, or a privileged runner (manager.addDindRunner) on its own tainted pool');
    }
    const name = v.dnsLabel(scope, `${field}.name`, h.name);
    const mountPath = v.absolutePath(scope, `${field}.mountPath`, h.mountPath);
    claim(field, 'name', name, mountPath);
    return { name, mount_path: mountPath, host_path: v.absolutePath(scope, `${field}.hostPath`, h.hostPath), ...readOnly(field, h.readOnly, true) };
  });
  return {
    ...(configMap.length ? { config_map: configMap } : {}),
    ...(pvc.length ? { pvc } : {}),
    ...(csi.length ? { csi } : {}),
    ...(hostPath.length ? { host_path: hostPath } : {}),
  };
}

/** A filesystem type name (`ext4`, `xfs`, …); the driver decides which it supports. */
function fsType(scope: IConstruct, field: string, value: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9]{1,32}$/.test(value)) invalid(scope, field, value, 'must be a filesystem type name of lowercase letters and digits, e.g. "ext4"');
  return value;
}

function emptyDirToml(e: EmptyDirBuildVolume) {
  return { name: e.name, mount_path: e.mountPath, ...(e.medium ? { medium: e.medium } : {}), ...(e.sizeLimit !== undefined ? { size_limit: e.sizeLimit } : {}) };
}

function secretToml(s: SecretBuildVolume) {
  const items = Object.entries(s.items ?? {});
  return { name: s.secretName, mount_path: s.mountPath, read_only: true, ...(items.length ? { items: Object.fromEntries(items) } : {}) };
}
