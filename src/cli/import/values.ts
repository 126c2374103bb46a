import { parseDocument } from 'yaml';

// The values.yaml of the official gitlab-runner Helm chart (chart 0.86, runner 18.x), as far as
// the importer reads it. Every key is optional: a values file overrides the chart's defaults.
// Keys not modelled here are still walked (see ./keys): the report lists them as unknown.

/** `image` of the chart. */
export interface ChartImage {
  /** Registry host, e.g. `registry.gitlab.com`. */
  readonly registry?: string;
  /** Repository, e.g. `gitlab-org/gitlab-runner`. */
  readonly image?: string;
  /** Tag; the chart defaults it to `alpine-v{{.Chart.AppVersion}}`. */
  readonly tag?: string;
}

/** `rbac` of the chart. */
export interface ChartRbac {
  /** Create a Role (or ClusterRole) and its binding. */
  readonly create?: boolean;
  /** The Role's rules; the chart's default grants every verb on every core resource. */
  readonly rules?: ChartRbacRule[];
  /** A ClusterRole instead of a Role. */
  readonly clusterWideAccess?: boolean;
  /** Legacy: ServiceAccount annotations (now `serviceAccount.annotations`). */
  readonly serviceAccountAnnotations?: Record<string, string>;
}

/** One entry of `rbac.rules`. */
export interface ChartRbacRule {
  /** API groups. */
  readonly apiGroups?: string[];
  /** Resources. */
  readonly resources?: string[];
  /** Verbs. */
  readonly verbs?: string[];
}

/** `serviceAccount` of the chart. */
export interface ChartServiceAccount {
  /** Create the ServiceAccount. */
  readonly create?: boolean;
  /** Name of an existing (or the created) ServiceAccount. */
  readonly name?: string;
  /** Annotations, e.g. for IRSA or Workload Identity. */
  readonly annotations?: Record<string, string>;
}

/** `runners` of the chart. */
export interface ChartRunners {
  /** The config.toml template (`[[runners]]` entries), a Helm template string. */
  readonly config?: string;
  /** Secret holding `runner-token` (and `runner-registration-token`). */
  readonly secret?: string;
  /** Runner name. */
  readonly name?: string;
  /** `cache.secretName`: Secret with the cache keys. */
  readonly cache?: { readonly secretName?: string };
}

/** Requests and limits as Kubernetes writes them. */
export interface ChartResources {
  /** Requests. */
  readonly requests?: { readonly cpu?: string | number; readonly memory?: string; readonly 'ephemeral-storage'?: string };
  /** Limits. */
  readonly limits?: { readonly cpu?: string | number; readonly memory?: string; readonly 'ephemeral-storage'?: string };
}

/** The chart values the importer maps (the rest are reported). */
export interface ChartValues {
  /** GitLab URL. */
  readonly gitlabUrl?: string;
  /** Runner authentication token, inline. */
  readonly runnerToken?: string;
  /** Deprecated registration token, inline. */
  readonly runnerRegistrationToken?: string;
  /** Most jobs at once. */
  readonly concurrent?: number;
  /** Seconds between job requests. */
  readonly checkInterval?: number;
  /** Log level. */
  readonly logLevel?: string;
  /** Log format. */
  readonly logFormat?: string;
  /** Seconds to wait for jobs on shutdown. */
  readonly shutdown_timeout?: number;
  /** Manager replicas. */
  readonly replicas?: number;
  /** Manager image. */
  readonly image?: ChartImage;
  /** RBAC. */
  readonly rbac?: ChartRbac;
  /** ServiceAccount. */
  readonly serviceAccount?: ChartServiceAccount;
  /** Metrics. */
  readonly metrics?: { readonly enabled?: boolean };
  /** Runners. */
  readonly runners?: ChartRunners;
  /** Manager resources. */
  readonly resources?: ChartResources;
}

/** Unreadable input: printed without a stack trace, non-zero exit. */
export class ImportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportInputError';
  }
}

/**
 * Parses a values file as Helm reads it: YAML 1.1 (a bare `yes`/`off` is a boolean, `0755` octal,
 * `<<` merges), duplicate keys refused; the top level must be a mapping.
 */
export function parseValues(text: string, file: string): Record<string, unknown> {
  const doc = parseDocument(text, { version: '1.1', merge: true, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ImportInputError(`${file} is not valid YAML: ${doc.errors[0].message}`);
  }
  const data = doc.toJS({ maxAliasCount: 1000 });
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ImportInputError(`${file} must be a mapping of chart values (e.g. "gitlabUrl: https://gitlab.example.com"), got ${Array.isArray(data) ? 'a list' : typeof data}`);
  }
  return data as Record<string, unknown>;
}
