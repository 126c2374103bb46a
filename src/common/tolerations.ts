// What tolerates what, defined once: the synth guard rails (src/nodepool/node-pool.ts), the
// runner's config.toml (src/runner/runner.ts) and the manifest rules (src/validation/rules.ts) all
// read tolerations and taints through this module. Plain data, no constructs, no Helm values.

/** Kubernetes taint effects. */
export type Effect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

/** The taint effects, in the order Kubernetes documents them. */
export const EFFECTS: readonly Effect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** A node taint, as in a Node's `spec.taints` or a provisioner's pool template. */
export interface Taint {
  /** Taint key. */
  readonly key: string;
  /** Taint value; Kubernetes treats a missing value as empty. */
  readonly value?: string;
  /** Taint effect. */
  readonly effect: string;
}

/** A pod's toleration, as in a pod spec. */
export interface PodToleration {
  /** @default - empty: with `Exists`, every key */
  readonly key?: string;
  /** @default 'Equal' */
  readonly operator?: string;
  /** @default - empty */
  readonly value?: string;
  /** @default - every effect */
  readonly effect?: string;
}

/**
 * Whether a toleration tolerates a taint, as Kubernetes decides it (k8s.io/api core/v1
 * `Toleration.ToleratesTaint`): an empty effect matches every effect, an empty key every key
 * (the API server admits that only with `Exists`), `Exists` ignores the value, `Equal` (or no
 * operator) compares values with a missing value as empty, and any other operator tolerates
 * nothing.
 */
export function toleratesTaint(t: PodToleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** The first taint of `taints` that `t` tolerates, if any. */
export function toleratedTaint<T extends Taint>(t: PodToleration, taints: readonly T[]): T | undefined {
  return taints.find((taint) => toleratesTaint(t, taint));
}

/** `key=value:Effect`, as `kubectl taint` takes it. */
export function taintString(t: Taint): string {
  return `${t.key}=${t.value ?? ''}:${t.effect}`;
}

/**
 * The tolerations a config.toml `node_tolerations` table gives build pods, as the Kubernetes
 * executor builds them (executors/kubernetes `getPodTolerations`): a key with `=` is split at the
 * first `=` into key and value with operator `Equal`; a key without is `Exists`; the effect is
 * taken as written, `""` meaning every effect.
 */
export function parseNodeTolerations(table: Record<string, string> | undefined): PodToleration[] {
  return Object.entries(table ?? {}).map(([k, effect]) => {
    const i = k.indexOf('=');
    const base = i < 0 ? { key: k, operator: 'Exists' } : { key: k.slice(0, i), operator: 'Equal', value: k.slice(i + 1) };
    return effect ? { ...base, effect } : base;
  });
}

/** One `[[runners.kubernetes.pod_spec]]` entry. */
export interface PodSpecPatch {
  /** Name of the patch, for the runner's logs. */
  readonly name: string;
  /** `json` (RFC 6902), `merge` (RFC 7386) or `strategic`. */
  readonly patch_type: 'json' | 'merge' | 'strategic';
  /** The patch, as JSON (YAML is accepted by the runner too). */
  readonly patch: string;
}

/** The part of `[runners.kubernetes]` that decides a build pod's tolerations. */
export interface TolerationsToml {
  /** `node_tolerations`. */
  readonly node_tolerations?: Record<string, string>;
  /** `pod_spec` patches. */
  readonly pod_spec?: readonly PodSpecPatch[];
}

/** The feature flag without which the runner ignores `pod_spec` patches. */
export const POD_SPEC_FEATURE_FLAG = 'FF_USE_ADVANCED_POD_SPEC_CONFIGURATION';

/** Name of the `pod_spec` patch the library writes when `node_tolerations` cannot say it all. */
export const TOLERATIONS_PATCH_NAME = 'cdk8s-gitlab-runner-tolerations';

/**
 * The tolerations a runner's build pods get: `node_tolerations`, then every `pod_spec` patch
 * that sets `tolerations` (the list has no merge key, so each patch type replaces it whole),
 * applied only when `featureFlags` turn {@link POD_SPEC_FEATURE_FLAG} on, as the runner does.
 * A JSON patch appending with `/tolerations/-` adds to the list.
 */
export function buildPodTolerations(kubernetes: TolerationsToml | undefined, featureFlags: Record<string, boolean> | undefined): PodToleration[] {
  let out = parseNodeTolerations(kubernetes?.node_tolerations);
  if (featureFlags?.[POD_SPEC_FEATURE_FLAG] !== true) return out;
  for (const p of kubernetes?.pod_spec ?? []) {
    let patch: any;
    try {
      patch = JSON.parse(p.patch);
    } catch {
      continue;
    }
    if ((p.patch_type ?? 'strategic') === 'json' && Array.isArray(patch)) {
      for (const op of patch) {
        if ((op?.op === 'add' || op?.op === 'replace') && op.path === '/tolerations' && Array.isArray(op.value)) out = [...op.value];
        else if (op?.op === 'add' && op.path === '/tolerations/-' && op.value) out = [...out, op.value];
        else if (op?.op === 'remove' && op.path === '/tolerations') out = [];
      }
    } else if (patch && typeof patch === 'object' && 'tolerations' in patch) {
      out = Array.isArray(patch.tolerations) ? [...patch.tolerations] : [];
    }
  }
  return out;
}

/** A toleration as the library's props state it: Exists without a value, every effect without one. */
export interface TolerationSpec {
  /** Taint key. */
  readonly key: string;
  /** Taint value (operator Equal); undefined for Exists. */
  readonly value?: string;
  /** Effect; undefined for every effect. */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The Kubernetes toleration a {@link TolerationSpec} stands for. */
export function podToleration(t: TolerationSpec): PodToleration {
  const base = t.value === undefined ? { key: t.key, operator: 'Exists' } : { key: t.key, operator: 'Equal', value: t.value };
  return t.effect ? { ...base, effect: t.effect } : base;
}

/**
 * config.toml for exactly these tolerations. `node_tolerations` holds one effect per
 * `key[=value]`: when one taint is tolerated with several effects (and not with every effect),
 * the table keeps the first, and a `pod_spec` JSON patch gives the pod the whole list, each
 * (key, value, effect) as written, so the build pod tolerates no more and no less. The patch
 * needs {@link POD_SPEC_FEATURE_FLAG}, which `featureFlag` then holds (config.toml's feature
 * flags take precedence over a job's variables, so a job cannot turn it off).
 */
export function tolerationsToml(specs: readonly TolerationSpec[]): { node_tolerations?: Record<string, string>; pod_spec?: PodSpecPatch[]; featureFlag?: string } {
  const unique: TolerationSpec[] = [];
  for (const t of specs) {
    // A toleration of every effect covers the same key[=value] with any one effect.
    const same = (u: TolerationSpec) => u.key === t.key && u.value === t.value;
    if (unique.some((u) => same(u) && (u.effect === undefined || u.effect === t.effect))) continue;
    if (t.effect === undefined) {
      for (let i = unique.length - 1; i >= 0; i--) if (same(unique[i])) unique.splice(i, 1);
    }
    unique.push(t);
  }
  if (unique.length === 0) return {};
  const table: Record<string, string> = {};
  let exact = true;
  for (const t of unique) {
    const k = t.value === undefined ? t.key : `${t.key}=${t.value}`;
    if (k in table) exact = false;
    else table[k] = t.effect ?? '';
  }
  if (exact) return { node_tolerations: table };
  const patch = [{ op: 'add', path: '/tolerations', value: unique.map(podToleration) }];
  return {
    node_tolerations: table,
    pod_spec: [{ name: TOLERATIONS_PATCH_NAME, patch_type: 'json', patch: JSON.stringify(patch) }],
    featureFlag: POD_SPEC_FEATURE_FLAG,
  };
}

/**
 * CEL for a ValidatingAdmissionPolicy: does the pod (`object`) tolerate `key=value:effect`?
 * {@link toleratesTaint}'s rules, for the API server to apply: `Exists` with no key
 * tolerates every taint (system DaemonSets do this), `Exists` ignores the value, an unset
 * operator means `Equal`, an unset effect matches every effect. Any other operator (the API
 * server admits none today) is compared as `Equal`: stricter than the scheduler, as a guard may be.
 */
export function policyExpression(key: string, value: string, effect: string): string {
  // Keys, values and effects are validated label syntax: no quote can appear in them.
  return [
    'has(object.spec.tolerations) && object.spec.tolerations.exists(t,',
    `  (!has(t.effect) || t.effect == '' || t.effect == '${effect}') &&`,
    '  ((has(t.operator) && t.operator == \'Exists\')',
    `    ? (!has(t.key) || t.key == '' || t.key == '${key}')`,
    `    : (has(t.key) && t.key == '${key}' && (has(t.value) ? t.value : '') == '${value}')))`,
  ].join('\n');
}
