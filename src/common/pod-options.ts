import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { concrete, constrain, useValues, valueOf } from './values';
import { invalid } from './errors';
import { CONTROL } from './k8s-rules';
import { CREDENTIAL_NAME, CREDENTIAL_REFERENCE, CREDENTIAL_VALUE, refuseLiteralCredential } from './credentials';
import { isNodePlacement } from './placement';
import { PREDICATES, requireRule } from './rules';
import { kubernetesObject } from './shape';
import * as v from './validate';

/**
 * Where a pod runs and what it carries besides what the library gives it: placement (node
 * selector, tolerations, affinity, topology spread, priority), pod metadata, extra environment
 * and volumes of its main container, and registry credentials. Shared by the runner manager and
 * MinIO, checked and applied by one helper (`resolvePodOptions`, `applyPodOptions`),
 * so every workload holds the same rules.
 */
export interface PodOptions {
  /**
   * Node labels the pods must run on (`spec.nodeSelector`), e.g. `{ 'kubernetes.io/os': 'linux' }`.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations of the pods. Tolerating the taint of a {@link TaintedNodePool} in the same App
   * fails synth: those nodes run privileged builds, which can take over their node.
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Node and pod affinity of the pods, as in a pod spec.
   * @default - none
   */
  readonly affinity?: k8s.Affinity;
  /**
   * How the pods spread over the cluster. A constraint without a `labelSelector` counts the pods
   * of this workload. An empty list turns the default off.
   * @default - with more than one replica, spread over nodes where possible:
   *   `{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }`
   */
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /**
   * PriorityClass of the pods, e.g. one that keeps the runner manager scheduled ahead of jobs
   * when the cluster is full.
   * @default - the cluster's default priority
   */
  readonly priorityClassName?: string;
  /**
   * Extra labels of the pods (not of the workload). Keys the library sets (`app.kubernetes.io/*`,
   * selector labels) are refused: changing them would orphan the pods or break the selectors of
   * Services, NetworkPolicies and PodDisruptionBudgets.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Extra annotations of the pods. Keys the library sets (`checksum/config`) are refused.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Extra environment variables of the main container. Names the library sets are refused;
   * take a secret from a Secret with `valueFrom.secretKeyRef`, never as a literal `value`.
   * @default - none
   */
  readonly extraEnv?: k8s.EnvVar[];
  /**
   * Extra environment of the main container from whole ConfigMaps or Secrets.
   * @default - none
   */
  readonly extraEnvFrom?: k8s.EnvFromSource[];
  /**
   * Extra volumes of the pods, of the kinds Pod Security "restricted" admits: configMap, csi,
   * downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret. Names must
   * differ from the library's volumes.
   * @default - none
   */
  readonly extraVolumes?: k8s.Volume[];
  /**
   * Mounts of `extraVolumes` into the main container, at paths that neither equal nor nest in
   * the library's mounts.
   * @default - none
   */
  readonly extraVolumeMounts?: k8s.VolumeMount[];
  /**
   * Secrets (in the pods' namespace, by name) holding credentials for the registry the images
   * are pulled from, e.g. a mirror of the gitlab-runner or MinIO images.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
}

/** What the library itself puts in a pod: refused in {@link PodOptions}. */
export interface OwnedPodParts {
  /** The pod's labels, the selector included. */
  readonly labels: Record<string, string>;
  /** The workload's selector labels: a default topology spread counts these pods. */
  readonly selector: Record<string, string>;
  /** Annotation keys the library sets on the pod. */
  readonly annotations: readonly string[];
  /** Env names the library sets in the main container. */
  readonly env: readonly string[];
  /** Volume names of the pod. */
  readonly volumes: readonly string[];
  /** The main container's mounts, with what each is for. */
  readonly mounts: ReadonlyArray<{ readonly mountPath: string; readonly owner: string }>;
  /** Replicas of the workload (a default topology spread needs more than one, or a Helm value). */
  readonly replicas: number;
}

/** {@link PodOptions} checked, with defaults applied: what {@link applyPodOptions} writes. */
export interface ResolvedPodOptions {
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: k8s.Toleration[];
  readonly affinity?: k8s.Affinity;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  readonly priorityClassName?: string;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly extraEnv: k8s.EnvVar[];
  readonly extraEnvFrom: k8s.EnvFromSource[];
  readonly extraVolumes: k8s.Volume[];
  readonly extraVolumeMounts: k8s.VolumeMount[];
  readonly imagePullSecrets?: k8s.LocalObjectReference[];
}

/** The volume kinds Pod Security "restricted" admits. */
export const RESTRICTED_VOLUME_KINDS = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'] as const;
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
// The API server's IsEnvVarName: letters, digits, "_", "-" and ".", not starting with a digit.
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * Checks {@link PodOptions} against Kubernetes' rules and against what the library owns in the
 * pod (`owned`), and applies the defaults. Messages name `scope` and the prop as the user wrote it.
 */
export function resolvePodOptions(scope: IConstruct, o: PodOptions, owned: OwnedPodParts): ResolvedPodOptions {
  const list = <T>(field: string, x: T[] | undefined, example: string, typeName?: string, toJson?: (item: T) => unknown): T[] => {
    if (x === undefined) return [];
    // Each entry as its Kubernetes type reads it: no unknown key, no wrong shape, nothing unreadable.
    if (typeName && toJson && Array.isArray(x)) kubernetesObject(scope, field, x, typeName, (l) => l.map((item) => toJson(item)));
    if (!Array.isArray(x)) invalid(scope, field, x, `must be a list, e.g. [${example}]`);
    x.forEach((item, i) => {
      if (item === null || typeof item !== 'object' || Array.isArray(item)) invalid(scope, `${field}[${i}]`, item, `must be an object, e.g. ${example}`);
    });
    return x;
  };
  const map = (field: string, x: Record<string, string> | undefined) => {
    if (x !== undefined && (x === null || typeof x !== 'object' || Array.isArray(x))) invalid(scope, field, x, 'must be a map of keys to string values');
  };

  // A Helm value (Values.object) is checked through its default, and its rule recorded in the
  // chart's schema; it is then written as the value, for the chart to fill in.
  const helm = <T>(x: T, schema: Record<string, unknown>): T => {
    if (valueOf(x) === undefined) return x;
    useValues(scope);
    constrain(x, schema);
    return concrete(x);
  };
  const asValue = <T>(x: unknown, otherwise: T): T => (valueOf(x) ? x as T : otherwise);

  const nodeSelectorIn = helm(o.nodeSelector, LABELS_SCHEMA);
  map('nodeSelector', nodeSelectorIn);
  const nodeSelector = v.labels(scope, 'nodeSelector', nodeSelectorIn);

  const tolerations = list('tolerations', helm(o.tolerations, TOLERATIONS_SCHEMA), '{ key: "dedicated", operator: "Equal", value: "ci", effect: "NoSchedule" }', 'Toleration', k8s.toJson_Toleration);
  tolerations.forEach((t, i) => toleration(scope, `tolerations[${i}]`, t));
  if (valueOf(o.tolerations)) scope.node.addValidation({ validate: () => requireNoPrivilegedToleration(scope, o.tolerations) });

  const affinity = helm(o.affinity, { type: 'object' });
  if (affinity !== undefined && (affinity === null || typeof affinity !== 'object' || Array.isArray(affinity))) {
    invalid(scope, 'affinity', affinity, 'must be an affinity object as in a pod spec, e.g. { nodeAffinity: { … } }');
  }
  kubernetesObject(scope, 'affinity', affinity, 'Affinity', k8s.toJson_Affinity);

  const spread = o.topologySpreadConstraints === undefined ? undefined
    : list('topologySpreadConstraints', o.topologySpreadConstraints, '{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway" }', 'TopologySpreadConstraint', k8s.toJson_TopologySpreadConstraint)
      .map((c, i) => spreadConstraint(scope, `topologySpreadConstraints[${i}]`, c, owned.selector));
  // An empty list is the user turning the default off: no constraint at all.
  // Replicas as a Helm value may be set above one: the default spread is then always there (soft,
  // so it changes nothing for one pod).
  const several = valueOf(owned.replicas) !== undefined || concrete(owned.replicas) > 1;
  const topologySpreadConstraints = spread ? (spread.length ? spread : undefined) : (several ? [defaultSpread(owned.selector)] : undefined);

  // As a Helm value, empty means unset (the value is optional).
  const priorityClassIn = helm(o.priorityClassName, { pattern: `^(|${v.NAME_PATTERNS.dnsSubdomain.slice(1, -1)})$`, maxLength: 253 });
  const priorityClassName = priorityClassIn === undefined || (priorityClassIn === '' && valueOf(o.priorityClassName))
    ? asValue(o.priorityClassName, undefined)
    : asValue(o.priorityClassName, v.dnsSubdomain(scope, 'priorityClassName', priorityClassIn));

  const ownedKeys = Object.keys(owned.labels);
  const podLabelsIn = helm(o.podLabels, {
    ...LABELS_SCHEMA,
    propertyNames: { ...LABELS_SCHEMA.propertyNames, not: { anyOf: [{ enum: ownedKeys }, { pattern: '^app\\.kubernetes\\.io/' }] } },
  });
  map('podLabels', podLabelsIn);
  const podLabels = v.labels(scope, 'podLabels', podLabelsIn);
  for (const k of Object.keys(podLabels)) {
    if (k in owned.labels || concrete(k).startsWith('app.kubernetes.io/')) {
      invalid(scope, 'podLabels key', k, `must not be a label the library sets (${Object.keys(owned.labels).join(', ')}, or any app.kubernetes.io/ label): the selectors of the workload, its Services, NetworkPolicies and PodDisruptionBudget rely on them`);
    }
  }
  const podAnnotationsIn = helm(o.podAnnotations, {
    type: 'object',
    propertyNames: { pattern: v.NAME_PATTERNS.qualifiedName, maxLength: 317, ...(owned.annotations.length ? { not: { enum: [...owned.annotations] } } : {}) },
    additionalProperties: { type: 'string' },
  });
  map('podAnnotations', podAnnotationsIn);
  const podAnnotations = v.annotations(scope, 'podAnnotations', podAnnotationsIn);
  for (const k of Object.keys(podAnnotations)) {
    if (owned.annotations.includes(concrete(k))) {
      invalid(scope, 'podAnnotations key', k, `must not be an annotation the library sets (${owned.annotations.join(', ')})`);
    }
  }

  // As a Helm value, each entry is held to the rules below by the chart's schema (but the names'
  // uniqueness, which the API server only warns about).
  const extraEnvIn = helm(o.extraEnv, {
    type: 'array',
    items: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        // The names the library sets: a template rule below, with the synth's message.
        name: { type: 'string', pattern: ENV_NAME.source },
        value: { type: 'string', not: { pattern: CREDENTIAL_VALUE.source } },
        valueFrom: { type: 'object' },
      },
      not: { required: ['value', 'valueFrom'] },
    },
  });
  const extraEnv = list('extraEnv', extraEnvIn, '{ name: "TZ", value: "UTC" }', 'EnvVar', k8s.toJson_EnvVar);
  if (valueOf(o.extraEnv)) {
    if (owned.env.length) {
      requireRule(scope, { predicate: PREDICATES.noEntryNamed(owned.env), operands: [{ field: 'extraEnv', value: o.extraEnv }], allowed: [() => `must not set a variable the library sets (${owned.env.join(', ')})`] });
    }
    requireRule(scope, { predicate: PREDICATES.noLiteralNamed(CREDENTIAL_NAME, CREDENTIAL_REFERENCE), operands: [{ field: 'extraEnv', value: o.extraEnv }], allowed: [() => 'must not give a variable whose name holds a credential (PASSWORD, SECRET, TOKEN, API_KEY, …) a literal value: take it from a Secret with valueFrom.secretKeyRef'] });
  }
  const seen = new Set<string>();
  extraEnv.forEach((e, i) => {
    const field = `extraEnv[${i}]`;
    if (typeof e.name !== 'string' || !ENV_NAME.test(e.name)) {
      invalid(scope, `${field}.name`, e.name, 'must be an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit');
    }
    if (owned.env.includes(e.name)) {
      invalid(scope, `${field}.name`, e.name, `must not be a variable the library sets (${owned.env.join(', ')})`);
    }
    if (seen.has(e.name)) invalid(scope, `${field}.name`, e.name, 'must be unique within extraEnv');
    seen.add(e.name);
    if (e.value !== undefined && e.valueFrom !== undefined) invalid(scope, field, e, 'must have a value or a valueFrom, not both');
    if (e.value !== undefined) {
      if (typeof e.value !== 'string') invalid(scope, `${field}.value`, e.value, 'must be a string (quote numbers and booleans)');
      v.envValue(scope, `${field}.value`, e.value);
      refuseLiteralCredential(scope, `${field}.value`, e.name, e.value, 'take it from a Secret with valueFrom.secretKeyRef');
    }
  });

  const extraEnvFrom = list('extraEnvFrom', o.extraEnvFrom, '{ configMapRef: { name: "proxy-settings" } }', 'EnvFromSource', k8s.toJson_EnvFromSource);
  extraEnvFrom.forEach((e, i) => {
    const refs = [e.configMapRef && 'configMapRef', e.secretRef && 'secretRef'].filter(Boolean) as Array<'configMapRef' | 'secretRef'>;
    if (refs.length !== 1) invalid(scope, `extraEnvFrom[${i}]`, e, 'must have exactly one of configMapRef and secretRef');
    v.dnsSubdomain(scope, `extraEnvFrom[${i}].${refs[0]}.name`, e[refs[0]]!.name!);
    if (e.prefix !== undefined && (typeof e.prefix !== 'string' || !/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.prefix))) {
      invalid(scope, `extraEnvFrom[${i}].prefix`, e.prefix, 'must start an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit');
    }
  });

  const extraVolumes = list('extraVolumes', helm(o.extraVolumes, VOLUMES_SCHEMA), '{ name: "ca", configMap: { name: "corporate-ca" } }', 'Volume', k8s.toJson_Volume);
  const volumeNames = new Set(owned.volumes);
  extraVolumes.forEach((vol, i) => {
    const field = `extraVolumes[${i}]`;
    v.dnsLabel(scope, `${field}.name`, vol.name);
    if (volumeNames.has(vol.name)) {
      invalid(scope, `${field}.name`, vol.name, `must differ from the pod's other volumes (${[...volumeNames].join(', ')})`);
    }
    volumeNames.add(vol.name);
    const kinds = Object.keys(vol).filter((k) => k !== 'name' && (vol as any)[k] !== undefined);
    if (kinds.length !== 1 || !(RESTRICTED_VOLUME_KINDS as readonly string[]).includes(kinds[0])) {
      invalid(scope, field, vol, `must have exactly one volume source of a kind Pod Security "restricted" admits: ${RESTRICTED_VOLUME_KINDS.join(', ')}`);
    }
  });

  const extraVolumeMounts = list('extraVolumeMounts', helm(o.extraVolumeMounts, VOLUME_MOUNTS_SCHEMA), '{ name: "ca", mountPath: "/etc/ssl/corporate", readOnly: true }', 'VolumeMount', k8s.toJson_VolumeMount);
  const extraNames = extraVolumes.map((vol) => vol.name);
  extraVolumeMounts.forEach((m, i) => {
    const field = `extraVolumeMounts[${i}]`;
    if (!extraNames.includes(m.name)) {
      invalid(scope, `${field}.name`, m.name, extraNames.length ? `must name one of extraVolumes: ${extraNames.join(', ')}` : 'must name a volume of extraVolumes, and there is none');
    }
    v.absolutePath(scope, `${field}.mountPath`, m.mountPath);
    if (m.subPath !== undefined) v.relativePath(scope, `${field}.subPath`, m.subPath);
  });
  v.distinctMounts(scope, [
    ...owned.mounts.map((m) => ({ owner: m.owner, mountPath: m.mountPath })),
    ...extraVolumeMounts.map((m, i) => ({ field: `extraVolumeMounts[${i}].mountPath`, owner: `extraVolumeMounts[${i}]`, mountPath: m.mountPath })),
  ]);
  // As Helm values, the rules over the lists (the schema holds each entry's shape), with the
  // synth's messages; the defaults passed the checks above.
  if (valueOf(o.extraVolumes)) {
    const volumes = { field: 'extraVolumes', value: o.extraVolumes };
    if (owned.volumes.length) {
      requireRule(scope, { predicate: PREDICATES.noEntryNamed(owned.volumes), operands: [volumes], allowed: [() => `must differ from the pod's other volumes (${owned.volumes.join(', ')})`] });
    }
    requireRule(scope, { predicate: PREDICATES.namesUnique, operands: [volumes], allowed: [() => 'must not name two volumes alike: volume names are unique within a pod'] });
  }
  if (valueOf(o.extraVolumeMounts) || (valueOf(o.extraVolumes) && o.extraVolumeMounts !== undefined)) {
    requireRule(scope, {
      predicate: PREDICATES.allNamedIn,
      operands: [{ field: 'extraVolumeMounts', value: o.extraVolumeMounts ?? [] }, { field: 'extraVolumes', value: o.extraVolumes ?? [] }],
      allowed: [(vols) => `must each name a volume of ${vols}`, (mounts) => `must hold every volume that ${mounts} names`],
    });
  }
  if (valueOf(o.extraVolumeMounts)) {
    requireRule(scope, { predicate: PREDICATES.mountsDistinct, operands: [{ field: 'extraVolumeMounts', value: o.extraVolumeMounts }], allowed: [() => 'must not mount two volumes at the same or nested paths: overlapping mounts hide each other\'s files'] });
  }
  if (valueOf(o.extraVolumeMounts) && owned.mounts.length) {
    const paths = owned.mounts.map((m) => concrete(m.mountPath));
    requireRule(scope, {
      predicate: PREDICATES.noMountOverlapping(paths),
      operands: [{ field: 'extraVolumeMounts', value: o.extraVolumeMounts }],
      allowed: [() => `must not mount at, inside or around the library's mounts (${owned.mounts.map((m) => `${m.owner} at "${concrete(m.mountPath)}"`).join(', ')}): overlapping mounts hide each other's files`],
    });
  }

  const imagePullSecrets = resolveImagePullSecrets(scope, 'imagePullSecrets', o.imagePullSecrets);

  // A map value spreads into the library's map as one key (src/common/values.ts).
  const spreadInto = (x: unknown, checked: Record<string, string>) => (valueOf(x) ? { [x as string]: '' } : checked);
  return {
    nodeSelector: asValue(o.nodeSelector, v.nonEmptyMap(nodeSelector)),
    tolerations: asValue(o.tolerations, tolerations.length ? tolerations : undefined),
    affinity: asValue(o.affinity, affinity),
    topologySpreadConstraints,
    priorityClassName,
    podLabels: spreadInto(o.podLabels, podLabels),
    podAnnotations: spreadInto(o.podAnnotations, podAnnotations),
    // A list value stands as one entry: the chart writes its items there (src/common/values.ts).
    extraEnv: valueOf(o.extraEnv) ? [o.extraEnv as unknown as k8s.EnvVar] : extraEnv,
    extraEnvFrom,
    extraVolumes: asValue(o.extraVolumes, undefined) !== undefined ? [o.extraVolumes as unknown as k8s.Volume] : extraVolumes,
    extraVolumeMounts: asValue(o.extraVolumeMounts, undefined) !== undefined ? [o.extraVolumeMounts as unknown as k8s.VolumeMount] : extraVolumeMounts,
    imagePullSecrets,
  };
}

/**
 * A pod template with {@link ResolvedPodOptions} applied: placement and pull secrets on the pod,
 * extra labels and annotations under the library's own (which win, though resolve refuses a clash),
 * extra env, envFrom and mounts on the container named `mainContainer`.
 */
export function applyPodOptions(template: k8s.PodTemplateSpec, o: ResolvedPodOptions, mainContainer: string): k8s.PodTemplateSpec {
  const spec = template.spec!;
  const nonEmpty = <T>(x: T[]) => (x.length ? x : undefined);
  return {
    metadata: {
      ...template.metadata,
      labels: { ...o.podLabels, ...template.metadata?.labels },
      annotations: v.nonEmptyMap({ ...o.podAnnotations, ...template.metadata?.annotations }),
    },
    spec: {
      ...spec,
      nodeSelector: o.nodeSelector,
      tolerations: o.tolerations,
      affinity: o.affinity,
      topologySpreadConstraints: o.topologySpreadConstraints,
      priorityClassName: o.priorityClassName,
      imagePullSecrets: o.imagePullSecrets,
      containers: spec.containers.map((c) => (c.name !== mainContainer ? c : {
        ...c,
        env: nonEmpty([...c.env ?? [], ...o.extraEnv]),
        envFrom: nonEmpty([...c.envFrom ?? [], ...o.extraEnvFrom]),
        volumeMounts: nonEmpty([...c.volumeMounts ?? [], ...o.extraVolumeMounts]),
      })),
      volumes: nonEmpty([...spec.volumes ?? [], ...o.extraVolumes]),
    },
  };
}

/** Pull secrets alone, checked: for a pod that takes no other {@link PodOptions} (a Job). */
export function resolveImagePullSecrets(scope: IConstruct, field: string, names: string[] | undefined): k8s.LocalObjectReference[] | undefined {
  if (valueOf(names)) {
    // A Helm value: its default checked, its rule in the chart's schema, the value written as it is.
    useValues(scope);
    constrain(names, PULL_SECRETS_SCHEMA);
    resolveImagePullSecrets(scope, field, concrete(names));
    return names as unknown as k8s.LocalObjectReference[];
  }
  const checked = v.stringList(scope, field, names, 'registry-credentials');
  const refs = checked?.map((name, i) => {
    v.dnsSubdomain(scope, `${field}[${i}]`, name);
    if (checked.indexOf(name) !== i) invalid(scope, `${field}[${i}]`, name, `must be unique within ${field}`);
    return { name };
  });
  return refs?.length ? refs : undefined;
}

const LABELS_SCHEMA = {
  type: 'object',
  propertyNames: { pattern: v.NAME_PATTERNS.qualifiedName, maxLength: 317 },
  additionalProperties: { type: 'string', pattern: v.NAME_PATTERNS.labelValue, maxLength: 63 },
};
// extraVolumes as JSON schema (draft 7), for a chart value: a name and exactly one source of a
// kind "restricted" admits (what is inside a source is the API server's to check).
const VOLUMES_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    minProperties: 2,
    maxProperties: 2,
    properties: {
      name: { type: 'string', pattern: v.NAME_PATTERNS.dnsLabel, maxLength: 63 },
      ...Object.fromEntries(RESTRICTED_VOLUME_KINDS.map((kind) => [kind, { type: 'object' }])),
    },
  },
};
// A path segment "..", refused in mount paths and subPaths (as v.absolutePath, v.relativePath).
const DOT_DOT_SEGMENT = '(^|/)\\.\\.(/|$)';
// extraVolumeMounts as JSON schema: the checks of v.absolutePath and v.relativePath.
const VOLUME_MOUNTS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    required: ['name', 'mountPath'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: v.NAME_PATTERNS.dnsLabel, maxLength: 63 },
      mountPath: { type: 'string', pattern: '^/[^:\\s]*$', not: { pattern: DOT_DOT_SEGMENT } },
      readOnly: { type: 'boolean' },
      subPath: { type: 'string', pattern: '^[-._a-zA-Z0-9]+(/[-._a-zA-Z0-9]+)*$', not: { pattern: DOT_DOT_SEGMENT } },
    },
  },
};
const PULL_SECRETS_SCHEMA = { type: 'array', uniqueItems: true, items: { type: 'string', pattern: v.NAME_PATTERNS.dnsSubdomain, maxLength: 253 } };
// The checks of toleration() below, as JSON schema (draft 7), for a chart value.
const TOLERATIONS_SCHEMA = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    properties: {
      key: { type: 'string', pattern: `^(|${v.NAME_PATTERNS.qualifiedName.slice(1, -1)})$` },
      operator: { enum: ['Equal', 'Exists'] },
      value: { type: 'string', pattern: v.NAME_PATTERNS.labelValue, maxLength: 63 },
      effect: { enum: ['', ...TAINT_EFFECTS] },
      tolerationSeconds: { type: 'integer', minimum: 0, maximum: v.INT32_MAX },
    },
    allOf: [
      {
        if: { required: ['operator'], properties: { operator: { const: 'Exists' } } },
        then: { properties: { value: { const: '' } } },
        else: { required: ['key'], properties: { key: { minLength: 1 } } },
      },
      { if: { required: ['tolerationSeconds'] }, then: { required: ['effect'], properties: { effect: { const: 'NoExecute' } } } },
    ],
  },
};

const RECORDED_LEAK_RULES = new WeakMap<App, Set<string>>();

/**
 * The chart's side of the node pools' own check (every pod template of the App, at synth): a
 * toleration that is a Helm value must not tolerate a privileged pool's taint either, whatever
 * `--set` gives it. Recorded once per pool, with the pool's toggles.
 */
function requireNoPrivilegedToleration(scope: IConstruct, tolerations: unknown): string[] {
  const done = RECORDED_LEAK_RULES.get(App.of(scope)) ?? new Set<string>();
  RECORDED_LEAK_RULES.set(App.of(scope), done);
  for (const pool of scope.node.root.node.findAll().filter(isNodePlacement).filter((pool) => pool.taint !== undefined)) {
    const id = `${scope.node.path} ${pool.node.path}`;
    if (done.has(id)) continue;
    done.add(id);
    const why = `only runners bound to node pool ${pool.node.path} (nodePools) may tolerate its taint, which keeps other pods off nodes that run privileged builds`;
    // The pool's own check already refused a default that tolerates the taint: no second message.
    if (!PREDICATES.toleratesNone.holds(concrete(tolerations), concrete(pool.taint.key), concrete(pool.taint.value), pool.taint.effect)) continue;
    requireRule(scope, {
      predicate: PREDICATES.toleratesNone,
      operands: [
        { field: 'tolerations', value: tolerations },
        { field: 'taint.key', value: pool.taint.key, scope: pool },
        { field: 'taint.value', value: pool.taint.value, scope: pool },
        { field: 'taint.effect', value: pool.taint.effect, scope: pool },
      ],
      allowed: [
        (key, value, effect) => `must not tolerate the taint of node pool ${pool.node.path} (${key}, ${value}, ${effect}): ${why}`,
        () => `is tolerated by tolerations of ${scope.node.path}: ${why}`,
        () => `is tolerated by tolerations of ${scope.node.path}: ${why}`,
        () => `is tolerated by tolerations of ${scope.node.path}: ${why}`,
      ],
      guards: [pool],
    });
  }
  return [];
}

/** The spread the pods of a workload with more than one replica get unless told otherwise. */
function defaultSpread(selector: Record<string, string>): k8s.TopologySpreadConstraint {
  return { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } };
}

function toleration(scope: IConstruct, field: string, t: k8s.Toleration): void {
  const operator = t.operator ?? 'Equal';
  v.oneOf(scope, `${field}.operator`, operator, ['Equal', 'Exists']);
  if (t.key !== undefined && t.key !== '') v.qualifiedName(scope, `${field}.key`, t.key);
  if (operator === 'Equal' && !t.key) invalid(scope, `${field}.key`, t.key, 'must be set with operator "Equal" (an empty key needs operator "Exists", which tolerates every taint)');
  if (operator === 'Exists' && t.value) invalid(scope, `${field}.value`, t.value, 'must be empty with operator "Exists"');
  if (t.value !== undefined) v.labelValue(scope, `${field}.value`, t.value);
  if (t.effect !== undefined && t.effect !== '') v.oneOf(scope, `${field}.effect`, t.effect, TAINT_EFFECTS);
  if (t.tolerationSeconds !== undefined) {
    if (t.effect !== 'NoExecute') invalid(scope, `${field}.tolerationSeconds`, t.tolerationSeconds, 'must be set only with effect "NoExecute"');
    v.integer(scope, `${field}.tolerationSeconds`, t.tolerationSeconds, 0);
  }
}

function spreadConstraint(scope: IConstruct, field: string, c: k8s.TopologySpreadConstraint, selector: Record<string, string>): k8s.TopologySpreadConstraint {
  v.integer(scope, `${field}.maxSkew`, c.maxSkew, 1);
  if (typeof c.topologyKey !== 'string' || CONTROL.test(c.topologyKey)) invalid(scope, `${field}.topologyKey`, c.topologyKey, 'must be a node label key, e.g. "kubernetes.io/hostname"');
  v.qualifiedName(scope, `${field}.topologyKey`, c.topologyKey);
  v.oneOf(scope, `${field}.whenUnsatisfiable`, c.whenUnsatisfiable, ['DoNotSchedule', 'ScheduleAnyway']);
  // Without a selector a constraint counts no pods, and spreads nothing.
  return c.labelSelector ? c : { ...c, labelSelector: { matchLabels: selector } };
}

/**
 * What the library put in a pod template: its labels, annotation keys, the main container's env
 * names and mounts, and the volume names. Read from the template itself, so a part the library
 * adds later is protected without a second list. `claimNames`: volumes from a StatefulSet's
 * volumeClaimTemplates, which the template does not list.
 */
export function ownedPodParts(template: k8s.PodTemplateSpec, mainContainer: string, replicas: number, selector: Record<string, string>, claimNames: readonly string[] = []): OwnedPodParts {
  const main = template.spec?.containers.find((c) => c.name === mainContainer);
  return {
    labels: template.metadata?.labels ?? {},
    selector,
    annotations: Object.keys(template.metadata?.annotations ?? {}),
    // Names as written: an entry there only while a Helm value is set (whileSet) is owned too.
    env: (main?.env ?? []).map((e) => concrete(e.name)),
    volumes: [...(template.spec?.volumes ?? []).map((vol) => concrete(vol.name)), ...claimNames],
    mounts: (main?.volumeMounts ?? []).map((m) => ({ mountPath: m.mountPath, owner: `the "${concrete(m.name)}" volume` })),
    replicas,
  };
}
