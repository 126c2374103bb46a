import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import { BUILD_POD_LABEL_KEY, CACHE_NAME_LABEL_KEY, CACHE_NAMESPACE_LABEL_KEY } from '../common/labels';
import { Resources } from '../common/resources';
import { quantityValue } from '../common/validate';
import * as v from '../common/validate';
import { knownKeys, objectShape } from '../common/shape';
import { KubernetesExecutorToml } from './config/model';

// Per-job overrides (the `*_overwrite_allowed` / `*_overwrite_max_allowed` keys): what a job may
// change in its build pod through KUBERNETES_* CI/CD variables, and how far.

/** A job service account: created in the build namespace, with no rights and no mounted token. */
export interface JobServiceAccount {
  /** ServiceAccount name. */
  readonly name: string;
  /**
   * Annotations, e.g. `eks.amazonaws.com/role-arn` or `iam.gke.io/gcp-service-account` for
   * workload identity.
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/**
 * What jobs may override in their build pods with CI/CD variables, each off unless set. Patterns
 * are matched by the runner (Go RE2, unanchored: `^…$` for an exact match) against the
 * variable's value; they are checked at synth with JavaScript's engine, so only syntax both
 * engines read the same way is accepted (no lookarounds, backreferences or inline flags).
 */
export interface JobOverrides {
  /**
   * Service accounts a job may pick with `KUBERNETES_SERVICE_ACCOUNT_OVERWRITE`. The library
   * creates each in the build namespace (no RBAC, token not mounted: bind roles or cloud
   * identities to them yourself) and allows exactly these names.
   * @default - jobs keep the build service account
   */
  readonly serviceAccounts?: JobServiceAccount[];
  /**
   * Pattern each `KUBERNETES_NODE_SELECTOR_*` value (`key=value`) must match. It must not let a
   * job select a privileged node pool's label, nor a privileged runner's build pods leave their pool.
   * @default - no node selector overrides
   */
  readonly nodeSelector?: string;
  /**
   * Pattern each `KUBERNETES_NODE_TOLERATIONS_*` value (`key[=value][:effect]`) must match. It
   * must not match any toleration of a privileged node pool's taint the runner is not bound to.
   * @default - no toleration overrides
   */
  readonly tolerations?: string;
  /**
   * Pattern each `KUBERNETES_POD_LABELS_*` value (`key=value`) must match.
   * @default - no pod label overrides
   */
  readonly podLabels?: string;
  /**
   * Pattern each `KUBERNETES_POD_ANNOTATIONS_*` value (`key=value`) must match.
   * @default - no pod annotation overrides
   */
  readonly podAnnotations?: string;
  /**
   * Largest requests and limits a job may set for the build container (`KUBERNETES_CPU_REQUEST`,
   * `KUBERNETES_MEMORY_LIMIT`, …). Each at least the runner's own value.
   * @default - no build resource overrides
   */
  readonly maxBuildResources?: Resources;
  /**
   * Largest requests and limits for the helper container (`KUBERNETES_HELPER_*`).
   * @default - no helper resource overrides
   */
  readonly maxHelperResources?: Resources;
  /**
   * Largest requests and limits for service containers (`KUBERNETES_SERVICE_*`).
   * @default - no service resource overrides
   */
  readonly maxServiceResources?: Resources;
}

type OverwriteKeys = Partial<Pick<KubernetesExecutorToml,
  'service_account_overwrite_allowed' | 'node_selector_overwrite_allowed' | 'node_tolerations_overwrite_allowed'
  | 'pod_labels_overwrite_allowed' | 'pod_annotations_overwrite_allowed'>> & Record<string, string | undefined>;

// Go RE2 syntax JavaScript reads differently or not at all, and JavaScript syntax RE2 refuses.
export const NOT_SHARED = /\(\?[=!]|\(\?<[=!]|\(\?P?<|\(\?[a-zA-Z-]+[):]|\\[1-9]|\\k<|\\[AzZ]|\[\[:|\\[pP]/;

/**
 * An overwrite pattern: compiled as the runner compiles it and refused where JavaScript and Go
 * RE2 could disagree (lookarounds, backreferences, named groups, inline flags, `\A`/`\z`,
 * POSIX classes, Unicode classes), so the synth-time guard tests what the runner will run.
 */
export function overwritePattern(scope: IConstruct, field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  v.noValue(scope, field, value, 'the pattern is checked against the node pools at synth');
  if (typeof value !== 'string' || value === '') {
    invalid(scope, field, value, 'must be a non-empty regular expression, e.g. "^team=[a-z-]+$" (leave it unset to allow no override)');
  }
  const m = NOT_SHARED.exec(value);
  if (m) {
    invalid(scope, field, value, `uses "${m[0]}", which Go RE2 (the runner's engine) and JavaScript (the synth-time check) do not read alike: use plain groups, classes and anchors`);
  }
  try {
    new RegExp(value);
  } catch (e) {
    invalid(scope, field, value, `is not a regular expression: ${(e as Error).message}`);
  }
  return value;
}

/** An exact-match pattern for a list of names: `^(?:a|b)$`, metacharacters escaped. */
export function exactNames(names: readonly string[]): string {
  return `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}

/** The `*_overwrite_allowed` and `*_overwrite_max_allowed` keys of `o`, validated. */
export function resolveOverwrites(
  scope: IConstruct, o: JobOverrides | undefined, configured: { build: Resources; helper: Resources; service: Resources },
  buildServiceAccount: string,
): { keys: OverwriteKeys; serviceAccounts: JobServiceAccount[] } {
  if (o === undefined) return { keys: {}, serviceAccounts: [] };
  if (o === null || typeof o !== 'object' || Array.isArray(o)) invalid(scope, 'jobOverrides', o, 'must be an object { serviceAccounts?, nodeSelector?, tolerations?, podLabels?, podAnnotations?, max*Resources? }');
  knownKeys(scope, 'jobOverrides', o, ['serviceAccounts', 'nodeSelector', 'tolerations', 'podLabels', 'podAnnotations', 'maxBuildResources', 'maxHelperResources', 'maxServiceResources']);
  const sas = o.serviceAccounts ?? [];
  if (!Array.isArray(sas)) invalid(scope, 'jobOverrides.serviceAccounts', sas, 'must be a list of { name, annotations? }');
  const seen = new Set<string>();
  const serviceAccounts = sas.map((sa, i) => {
    const field = `jobOverrides.serviceAccounts[${i}]`;
    if (sa === null || typeof sa !== 'object') invalid(scope, field, sa, 'must be { name, annotations? }');
    objectShape(scope, field, sa, '{ name, annotations? }');
    v.noValue(scope, `${field}.name`, sa.name, 'the names form the runner\'s allow-list');
    const name = v.dnsSubdomain(scope, `${field}.name`, sa.name);
    if (name === buildServiceAccount) invalid(scope, `${field}.name`, name, 'is the build pods\' default service account already; list only the others a job may pick');
    if (seen.has(name)) invalid(scope, `${field}.name`, name, 'is listed twice');
    seen.add(name);
    return { name, annotations: v.annotations(scope, `${field}.annotations`, sa.annotations) };
  });
  const keys: OverwriteKeys = {
    service_account_overwrite_allowed: serviceAccounts.length ? exactNames(serviceAccounts.map((s) => s.name)) : undefined,
    node_selector_overwrite_allowed: overwritePattern(scope, 'jobOverrides.nodeSelector', o.nodeSelector),
    node_tolerations_overwrite_allowed: overwritePattern(scope, 'jobOverrides.tolerations', o.tolerations),
    pod_labels_overwrite_allowed: overwritePattern(scope, 'jobOverrides.podLabels', o.podLabels),
    pod_annotations_overwrite_allowed: overwritePattern(scope, 'jobOverrides.podAnnotations', o.podAnnotations),
  };
  // The labels NetworkPolicies admit build pods by are the library's: a job setting them could
  // reach a cache its runner does not use.
  const labelPattern = keys.pod_labels_overwrite_allowed;
  if (labelPattern !== undefined) {
    const example = [BUILD_POD_LABEL_KEY, CACHE_NAME_LABEL_KEY, CACHE_NAMESPACE_LABEL_KEY].flatMap((k) => [`${k}=x`, `${k}=gitlab-runner-cache`])
      .find((label) => new RegExp(labelPattern).test(label));
    if (example !== undefined) {
      invalid(scope, 'jobOverrides.podLabels', labelPattern,
        `would let a job set the library's label ${example.split('=')[0]}, which NetworkPolicies admit build pods by (e.g. KUBERNETES_POD_LABELS_1=${JSON.stringify(example)}); anchor the pattern (^…$) to the labels jobs may set`);
    }
  }
  const maxima = [
    ['maxBuildResources', '', o.maxBuildResources, configured.build],
    ['maxHelperResources', 'helper_', o.maxHelperResources, configured.helper],
    ['maxServiceResources', 'service_', o.maxServiceResources, configured.service],
  ] as const;
  for (const [prop, prefix, max, own] of maxima) {
    if (max === undefined) continue;
    if (max === null || typeof max !== 'object') invalid(scope, `jobOverrides.${prop}`, max, 'must be { cpu?, memory?, ephemeralStorage? }, each { request?, limit? }');
    objectShape(scope, `jobOverrides.${prop}`, max, '{ cpu?, memory?, ephemeralStorage? }');
    for (const [kind, key] of [['cpu', 'cpu'], ['memory', 'memory'], ['ephemeralStorage', 'ephemeral_storage']] as const) {
      const range = max[kind];
      if (range === undefined) continue;
      if (range === null || typeof range !== 'object') invalid(scope, `jobOverrides.${prop}.${kind}`, range, 'must be { request?, limit? }');
      objectShape(scope, `jobOverrides.${prop}.${kind}`, range, '{ request?, limit? }');
      for (const side of ['request', 'limit'] as const) {
        const q = range[side];
        if (q === undefined) continue;
        const field = `jobOverrides.${prop}.${kind}.${side}`;
        v.noValue(scope, field, q, 'the maximum is compared with the runner\'s own value at synth');
        v.quantity(scope, field, q);
        const mine = own[kind]?.[side];
        if (mine !== undefined && quantityValue(q) < quantityValue(mine)) {
          invalid(scope, field, q, `must be at least the runner's own ${kind} ${side} "${mine}": a maximum below it would refuse the runner's default`);
        }
        keys[`${prefix}${key}_${side}_overwrite_max_allowed`] = q;
      }
      if (range.request !== undefined && range.limit !== undefined && quantityValue(range.request) > quantityValue(range.limit)) {
        invalid(scope, `jobOverrides.${prop}.${kind}.request`, range.request, `must be at most the maximum limit "${range.limit}": a job could otherwise ask for a request above any limit it may set`);
      }
    }
  }
  return { keys, serviceAccounts };
}

/** The overwrite strings a job could write that would tolerate a taint (`key=value:effect`). */
export function tolerationsOf(taint: { key: string; value: string; effect: string }): string[] {
  const { key, value, effect } = taint;
  // Equal key and value, or Exists on the key, or the empty key (Exists: every taint); each with
  // the taint's effect or none (every effect). The runner splits at the first ":" and "=".
  return [`${key}=${value}:${effect}`, `${key}=${value}`, `${key}=${value}:`, `${key}:${effect}`, key, `${key}:`, `:${effect}`, '', ':'];
}
