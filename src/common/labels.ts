/** The label key build pods carry; NetworkPolicies select build pods by it. */
export const BUILD_POD_LABEL_KEY = 'job.runner.gitlab.com/pod';

/**
 * Labels this library puts on the build pods of runners wired to an in-cluster cache (through
 * the runner's `pod_labels`): the cache's name and namespace. The cache's NetworkPolicy admits
 * exactly the build pods that carry both (and {@link BUILD_POD_LABEL_KEY}). Reserved: do not set
 * them in `podLabels`.
 */
export const CACHE_NAME_LABEL_KEY = 'cdk8s-gitlab-runner/cache';
export const CACHE_NAMESPACE_LABEL_KEY = 'cdk8s-gitlab-runner/cache-namespace';

/** Value of `app.kubernetes.io/managed-by` on every object this library emits. */
export const MANAGED_BY = 'cdk8s-gitlab-runner';

/**
 * The recommended `app.kubernetes.io/*` labels. The selector subset (name, instance, component)
 * is stable by construction: it never includes the version or a construct-path hash, so renaming
 * a construct id or upgrading the runner never touches an immutable selector.
 */
export interface StandardLabels {
  /** `app.kubernetes.io/name`, e.g. `gitlab-runner`. */
  readonly name: string;
  /** `app.kubernetes.io/instance`: the resource name of the owning construct. */
  readonly instance: string;
  /** `app.kubernetes.io/component`, e.g. `manager`. */
  readonly component: string;
  /** `app.kubernetes.io/version`: omitted from selectors. */
  readonly version?: string;
}

export function selectorLabels(l: StandardLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
    'app.kubernetes.io/component': l.component,
  };
}

export function standardLabels(l: StandardLabels): Record<string, string> {
  return {
    ...selectorLabels(l),
    ...(l.version ? { 'app.kubernetes.io/version': l.version } : {}),
    'app.kubernetes.io/part-of': 'gitlab-runner-stack',
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}
