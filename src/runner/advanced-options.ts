import { isIP } from 'net';
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalid } from '../common/errors';
import { objectShape, shapeKeys } from '../common/shape';
import * as v from '../common/validate';
import {
  AffinityToml, DnsConfigToml, HostAliasToml, LabelSelectorToml, NodeSelectorTermToml, PodAffinityTermToml, PodAffinityToml, SelectorRequirementToml,
} from './config/model';
import type { JobOverrides } from './overwrites';
import type { PodSpecPatch } from './pod-spec-patch';
import type { Capabilities, ContainerSecurityContext, PodSecurityContext } from './security-context';

// Typed options for the less common `[[runners]]` and `[runners.kubernetes]` keys: job scripts,
// log size, clone URL, affinity, DNS and /etc/hosts. Each is validated here and returned in
// config.toml terms; the runner puts them in its entry.

/** The less common options of a runner: job scripts, scheduling, DNS, security contexts, patches and per-job overrides. */
export interface AdvancedRunnerOptions {
  /**
   * Shell script run in the build container before the repository is fetched (`pre_get_sources_script`).
   * @default - none
   */
  readonly preGetSourcesScript?: string;
  /**
   * Shell script run before every job's script (`pre_build_script`).
   * @default - none
   */
  readonly preBuildScript?: string;
  /**
   * Shell script run after every job's script (`post_build_script`).
   * @default - none
   */
  readonly postBuildScript?: string;
  /**
   * Largest job log, in kilobytes (`output_limit`).
   * @default 4096 (the runner's default)
   */
  readonly outputLimit?: number;
  /**
   * URL the helper clones repositories from instead of the GitLab URL (`clone_url`), e.g. an
   * in-cluster address of GitLab.
   * @default - the GitLab URL
   */
  readonly cloneUrl?: string;
  /**
   * How long a build pod's containers get to stop after SIGTERM
   * (`pod_termination_grace_period_seconds`).
   * @default - the cluster's default (30 seconds)
   */
  readonly podTerminationGracePeriod?: Duration;
  /**
   * Node affinity, pod affinity and pod anti-affinity of build pods.
   * @default - none
   */
  readonly affinity?: BuildPodAffinity;
  /**
   * Build pods' DNS policy (`dns_policy`).
   * @default - the cluster's default (ClusterFirst)
   */
  readonly dnsPolicy?: DnsPolicy;
  /**
   * Build pods' DNS settings (`dns_config`).
   * @default - none
   */
  readonly dnsConfig?: BuildPodDnsConfig;
  /**
   * `/etc/hosts` entries of build pods (`host_aliases`).
   * @default - none
   */
  readonly hostAliases?: HostAlias[];
  /**
   * Security context of the build pod (`pod_security_context`).
   * @default - none
   */
  readonly podSecurityContext?: PodSecurityContext;
  /**
   * Security context of the helper container (`helper_container_security_context`).
   * @default - the runner-wide settings
   */
  readonly helperContainerSecurityContext?: ContainerSecurityContext;
  /**
   * Security context of service containers (`service_container_security_context`).
   * @default - the runner-wide settings
   */
  readonly serviceContainerSecurityContext?: ContainerSecurityContext;
  /**
   * Capabilities added to every container of build pods (`cap_add`). An unprivileged runner may
   * add only what Pod Security "baseline" allows.
   * @default - none
   */
  readonly capAdd?: Capabilities['add'];
  /**
   * Capabilities dropped from every container of build pods (`cap_drop`).
   * @default - NET_RAW (the executor's default)
   */
  readonly capDrop?: Capabilities['drop'];
  /**
   * Patches of the build pod spec (`[[runners.kubernetes.pod_spec]]`); the library turns on
   * `FF_USE_ADVANCED_POD_SPEC_CONFIGURATION`, without which the executor ignores them.
   * @default - none
   */
  readonly podSpecPatches?: PodSpecPatch[];
  /**
   * What jobs may override in their build pods (`*_overwrite_allowed`,
   * `*_overwrite_max_allowed`).
   * @default - nothing
   */
  readonly jobOverrides?: JobOverrides;
}

/** A requirement on node labels (or, in `matchFields`, node fields). */
export interface NodeSelectorRequirement {
  /** Label key (for `matchFields`: `metadata.name`). */
  readonly key: string;
  /** How `values` apply. `Gt`/`Lt` compare one integer value. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  /**
   * Values: at least one for `In`/`NotIn`, exactly one integer for `Gt`/`Lt`, none otherwise.
   * @default - none
   */
  readonly values?: string[];
}

/** One node selector term: every requirement must hold. */
export interface NodeSelectorTerm {
  /** @default - none */
  readonly matchExpressions?: NodeSelectorRequirement[];
  /** @default - none */
  readonly matchFields?: NodeSelectorRequirement[];
}

/** A requirement on pod labels. */
export interface LabelSelectorRequirement {
  /** Label key. */
  readonly key: string;
  /** How `values` apply. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /**
   * Values: at least one for `In`/`NotIn`, none otherwise.
   * @default - none
   */
  readonly values?: string[];
}

/** A label selector. */
export interface LabelSelector {
  /** @default - none */
  readonly matchLabels?: Record<string, string>;
  /** @default - none */
  readonly matchExpressions?: LabelSelectorRequirement[];
}

/** Pods near which (or away from which) build pods are placed. */
export interface PodAffinityTerm {
  /** Node label whose value defines "the same place", e.g. `kubernetes.io/hostname`. */
  readonly topologyKey: string;
  /** @default - no pod */
  readonly labelSelector?: LabelSelector;
  /** @default - the build namespace */
  readonly namespaces?: string[];
  /** @default - the build namespace */
  readonly namespaceSelector?: LabelSelector;
}

/** A weighted node preference. */
export interface PreferredSchedulingTerm {
  /** Weight, 1-100. */
  readonly weight: number;
  /** The preferred nodes. */
  readonly preference: NodeSelectorTerm;
}

/** A weighted pod affinity term. */
export interface WeightedPodAffinityTerm {
  /** Weight, 1-100. */
  readonly weight: number;
  /** The term. */
  readonly podAffinityTerm: PodAffinityTerm;
}

/** A resolv.conf option of build pods. */
export interface DnsConfigOption {
  /** Option name, e.g. `ndots`. */
  readonly name: string;
  /**
   * Option value.
   * @default - none
   */
  readonly value?: string;
}

/** Node affinity of build pods (`[runners.kubernetes.affinity.node_affinity]`). */
export interface NodeAffinity {
  /**
   * Terms of which one must hold (`required_during_scheduling_ignored_during_execution`).
   * @default - none
   */
  readonly required?: NodeSelectorTerm[];
  /**
   * Weighted preferences (`preferred_during_scheduling_ignored_during_execution`).
   * @default - none
   */
  readonly preferred?: PreferredSchedulingTerm[];
}

/** Pod affinity or anti-affinity of build pods. */
export interface PodAffinity {
  /**
   * Terms that must all hold.
   * @default - none
   */
  readonly required?: PodAffinityTerm[];
  /**
   * Weighted preferences.
   * @default - none
   */
  readonly preferred?: WeightedPodAffinityTerm[];
}

/** `[runners.kubernetes.affinity]`. */
export interface BuildPodAffinity {
  /** @default - none */
  readonly nodeAffinity?: NodeAffinity;
  /** @default - none */
  readonly podAffinity?: PodAffinity;
  /** @default - none */
  readonly podAntiAffinity?: PodAffinity;
}

/** Build pods' DNS settings (`dns_config`). */
export interface BuildPodDnsConfig {
  /**
   * Name server IP addresses (at most 3).
   * @default - none
   */
  readonly nameservers?: string[];
  /**
   * Search domains (at most 32).
   * @default - none
   */
  readonly searches?: string[];
  /**
   * resolv.conf options, e.g. `{ name: 'ndots', value: '2' }`.
   * @default - none
   */
  readonly options?: DnsConfigOption[];
}

/** An `/etc/hosts` entry of build pods. */
export interface HostAlias {
  /** IPv4 or IPv6 address. */
  readonly ip: string;
  /** Host names resolving to it. */
  readonly hostnames: string[];
}

/** `dns_policy` values, in the Kubernetes spelling. */
export type DnsPolicy = 'None' | 'Default' | 'ClusterFirst' | 'ClusterFirstWithHostNet';

const DNS_POLICY_TOML = { None: 'none', Default: 'default', ClusterFirst: 'cluster-first', ClusterFirstWithHostNet: 'cluster-first-with-host-net' } as const;

// Values that look like credentials: scripts and settings are stored in a ConfigMap.
const TOKEN_LIKE = /(^|[^A-Za-z0-9])(glrt-|glpat-|glptt-|gldt-|glcbt-|GR1348941)[A-Za-z0-9_-]{4,}/;

/** A job script (`pre_get_sources_script`, …): any shell text, no NUL, no credentials. */
export function script(scope: IConstruct, field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  v.noValue(scope, field, value, 'a script is shell text, not a setting');
  if (typeof value !== 'string' || value.trim() === '' || value.includes('\0')) {
    invalid(scope, field, value, 'must be a non-empty shell script (several lines allowed, no NUL), e.g. "echo preparing"');
  }
  const m = TOKEN_LIKE.exec(value);
  if (m) {
    invalid(scope, field, `…${m[2]}****`, 'holds what looks like a GitLab token; config.toml is stored in a ConfigMap: use masked CI/CD variables in GitLab');
  }
  return value;
}

/** `clone_url`: where the helper clones from; https unless GitLab itself is reached over http. */
export function cloneUrl(scope: IConstruct, field: string, value: string | undefined, gitlabUrl: string): string | undefined {
  if (value === undefined) return undefined;
  v.noValue(scope, field, value, 'the clone URL is fixed per runner');
  return v.gitlabUrl(scope, field, value, typeof gitlabUrl === 'string' && gitlabUrl.startsWith('http:'));
}

function list<T>(scope: IConstruct, field: string, value: T[] | undefined, shape: string): T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) invalid(scope, field, value, `must be a list of ${shape}`);
  value.forEach((x, i) => {
    if (x === null || typeof x !== 'object') invalid(scope, `${field}[${i}]`, x, `must be ${shape}`);
    if (shapeKeys(shape)) objectShape(scope, `${field}[${i}]`, x, shape);
  });
  return value;
}

function object(scope: IConstruct, field: string, value: unknown, shape: string): void {
  objectShape(scope, field, value, shape);
}

function requirement(scope: IConstruct, field: string, r: NodeSelectorRequirement, operators: readonly string[], fieldKey: boolean): SelectorRequirementToml {
  if (fieldKey) {
    v.oneOf(scope, `${field}.key`, r.key, ['metadata.name']);
  } else {
    v.qualifiedName(scope, `${field}.key`, r.key);
  }
  const op = v.oneOf(scope, `${field}.operator`, r.operator, operators as any) as string;
  const values = r.values;
  if (values !== undefined && !Array.isArray(values)) invalid(scope, `${field}.values`, values, 'must be a list of strings');
  const n = values?.length ?? 0;
  if ((op === 'In' || op === 'NotIn') && n === 0) invalid(scope, `${field}.values`, values, `must hold at least one value for operator ${op}`);
  if ((op === 'Exists' || op === 'DoesNotExist') && n > 0) invalid(scope, `${field}.values`, values, `must be empty for operator ${op}`);
  if ((op === 'Gt' || op === 'Lt') && (n !== 1 || !/^-?\d+$/.test(String(values![0])))) {
    invalid(scope, `${field}.values`, values, `must be exactly one integer for operator ${op}, e.g. ["4"]`);
  }
  values?.forEach((x, i) => (fieldKey ? v.dnsSubdomain(scope, `${field}.values[${i}]`, x) : op === 'Gt' || op === 'Lt' ? x : v.labelValue(scope, `${field}.values[${i}]`, x)));
  return { key: r.key, operator: op, ...(n ? { values: [...values!] } : {}) };
}

function nodeTerm(scope: IConstruct, field: string, t: NodeSelectorTerm): NodeSelectorTermToml {
  object(scope, field, t, '{ matchExpressions?, matchFields? }');
  const ops = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const;
  const expr = list(scope, `${field}.matchExpressions`, t.matchExpressions, '{ key, operator, values? }').map((r, i) => requirement(scope, `${field}.matchExpressions[${i}]`, r, ops, false));
  const fields = list(scope, `${field}.matchFields`, t.matchFields, '{ key, operator, values? }').map((r, i) => requirement(scope, `${field}.matchFields[${i}]`, r, ['In', 'NotIn'], true));
  if (!expr.length && !fields.length) invalid(scope, field, t, 'must hold at least one of matchExpressions and matchFields: an empty term matches no node');
  return { ...(expr.length ? { match_expressions: expr } : {}), ...(fields.length ? { match_fields: fields } : {}) };
}

function labelSelector(scope: IConstruct, field: string, s: LabelSelector | undefined): LabelSelectorToml | undefined {
  if (s === undefined) return undefined;
  object(scope, field, s, '{ matchLabels?, matchExpressions? }');
  if (s.matchLabels !== undefined) object(scope, `${field}.matchLabels`, s.matchLabels, 'of label keys to values, e.g. { team: "a" }');
  const labels = v.labels(scope, `${field}.matchLabels`, s.matchLabels);
  const expr = list(scope, `${field}.matchExpressions`, s.matchExpressions, '{ key, operator, values? }')
    .map((r, i) => requirement(scope, `${field}.matchExpressions[${i}]`, r, ['In', 'NotIn', 'Exists', 'DoesNotExist'], false));
  return { ...(Object.keys(labels).length ? { match_labels: labels } : {}), ...(expr.length ? { match_expressions: expr } : {}) };
}

function podTerm(scope: IConstruct, field: string, t: PodAffinityTerm): PodAffinityTermToml {
  object(scope, field, t, '{ topologyKey, labelSelector?, namespaces?, namespaceSelector? }');
  return {
    topology_key: v.qualifiedName(scope, `${field}.topologyKey`, t.topologyKey),
    label_selector: labelSelector(scope, `${field}.labelSelector`, t.labelSelector),
    namespaces: v.stringList(scope, `${field}.namespaces`, t.namespaces, 'team-a-builds')?.map((n, i) => v.dnsLabel(scope, `${field}.namespaces[${i}]`, n)),
    namespace_selector: labelSelector(scope, `${field}.namespaceSelector`, t.namespaceSelector),
  };
}

const weight = (scope: IConstruct, field: string, w: number) => v.integer(scope, field, w, 1, 100);

function podAffinity(scope: IConstruct, field: string, a: PodAffinity | undefined): PodAffinityToml | undefined {
  if (a === undefined) return undefined;
  object(scope, field, a, '{ required?, preferred? }');
  const required = list(scope, `${field}.required`, a.required, 'pod affinity terms').map((t, i) => podTerm(scope, `${field}.required[${i}]`, t));
  const preferred = list(scope, `${field}.preferred`, a.preferred, '{ weight, podAffinityTerm }').map((p, i) => ({
    weight: weight(scope, `${field}.preferred[${i}].weight`, p.weight),
    pod_affinity_term: podTerm(scope, `${field}.preferred[${i}].podAffinityTerm`, p.podAffinityTerm),
  }));
  return {
    ...(required.length ? { required_during_scheduling_ignored_during_execution: required } : {}),
    ...(preferred.length ? { preferred_during_scheduling_ignored_during_execution: preferred } : {}),
  };
}

/** `[runners.kubernetes.affinity]`, validated. */
export function affinity(scope: IConstruct, field: string, a: BuildPodAffinity | undefined): AffinityToml | undefined {
  if (a === undefined) return undefined;
  object(scope, field, a, '{ nodeAffinity?, podAffinity?, podAntiAffinity? }');
  let node: AffinityToml['node_affinity'];
  if (a.nodeAffinity !== undefined) {
    const f = `${field}.nodeAffinity`;
    object(scope, f, a.nodeAffinity, '{ required?, preferred? }');
    const required = list(scope, `${f}.required`, a.nodeAffinity.required, 'node selector terms').map((t, i) => nodeTerm(scope, `${f}.required[${i}]`, t));
    const preferred = list(scope, `${f}.preferred`, a.nodeAffinity.preferred, '{ weight, preference }').map((p, i) => ({
      weight: weight(scope, `${f}.preferred[${i}].weight`, p.weight),
      preference: nodeTerm(scope, `${f}.preferred[${i}].preference`, p.preference),
    }));
    node = {
      ...(required.length ? { required_during_scheduling_ignored_during_execution: { node_selector_terms: required } } : {}),
      ...(preferred.length ? { preferred_during_scheduling_ignored_during_execution: preferred } : {}),
    };
  }
  const out: AffinityToml = {
    node_affinity: node,
    pod_affinity: podAffinity(scope, `${field}.podAffinity`, a.podAffinity),
    pod_anti_affinity: podAffinity(scope, `${field}.podAntiAffinity`, a.podAntiAffinity),
  };
  return Object.values(out).some((x) => x !== undefined && Object.keys(x).length) ? out : undefined;
}

/** `dns_policy` and `dns_config`, validated together (`None` needs name servers). */
export function dns(scope: IConstruct, policy: DnsPolicy | undefined, config: BuildPodDnsConfig | undefined): { dns_policy?: typeof DNS_POLICY_TOML[DnsPolicy]; dns_config?: DnsConfigToml } {
  const p = policy === undefined ? undefined : v.oneOf(scope, 'dnsPolicy', policy, Object.keys(DNS_POLICY_TOML) as DnsPolicy[]);
  let c: DnsConfigToml | undefined;
  if (config !== undefined) {
    object(scope, 'dnsConfig', config, '{ nameservers?, searches?, options? }');
    const servers = v.stringList(scope, 'dnsConfig.nameservers', config.nameservers, '10.0.0.10') ?? [];
    servers.forEach((s, i) => { if (!isIP(s)) invalid(scope, `dnsConfig.nameservers[${i}]`, s, 'must be an IPv4 or IPv6 address'); });
    if (servers.length > 3) invalid(scope, 'dnsConfig.nameservers', servers, 'must hold at most 3 addresses (the resolver reads 3)');
    const searches = v.stringList(scope, 'dnsConfig.searches', config.searches, 'svc.cluster.local') ?? [];
    searches.forEach((s, i) => v.dnsSubdomain(scope, `dnsConfig.searches[${i}]`, s));
    if (searches.length > 32) invalid(scope, 'dnsConfig.searches', searches.length, 'must hold at most 32 domains');
    const options = list(scope, 'dnsConfig.options', config.options, '{ name, value? }').map((o, i) => {
      v.nonEmptyString(scope, `dnsConfig.options[${i}].name`, o.name, 'ndots');
      if (/\s/.test(o.name)) invalid(scope, `dnsConfig.options[${i}].name`, o.name, 'must be a resolv.conf option name without whitespace, e.g. "ndots"');
      if (o.value !== undefined && (typeof o.value !== 'string' || /\s/.test(o.value))) {
        invalid(scope, `dnsConfig.options[${i}].value`, o.value, 'must be a string without whitespace, e.g. "2"');
      }
      return { name: o.name, ...(o.value !== undefined ? { value: o.value } : {}) };
    });
    c = {
      ...(servers.length ? { nameservers: [...servers] } : {}),
      ...(searches.length ? { searches: [...searches] } : {}),
      ...(options.length ? { options } : {}),
    };
  }
  if (p === 'None' && !c?.nameservers?.length) {
    invalid(scope, 'dnsPolicy', p, 'a pod with dnsPolicy "None" takes its resolvers from dnsConfig: give dnsConfig.nameservers');
  }
  return { dns_policy: p === undefined ? undefined : DNS_POLICY_TOML[p], dns_config: c && Object.keys(c).length ? c : undefined };
}

/** `host_aliases`, validated. */
export function hostAliases(scope: IConstruct, aliases: HostAlias[] | undefined): HostAliasToml[] | undefined {
  const out = list(scope, 'hostAliases', aliases, '{ ip, hostnames }').map((a, i) => {
    if (typeof a.ip !== 'string' || !isIP(a.ip)) invalid(scope, `hostAliases[${i}].ip`, a.ip, 'must be an IPv4 or IPv6 address');
    const names = v.stringList(scope, `hostAliases[${i}].hostnames`, a.hostnames, 'registry.internal') ?? [];
    if (!names.length) invalid(scope, `hostAliases[${i}].hostnames`, a.hostnames, 'must hold at least one host name');
    names.forEach((n, j) => v.dnsSubdomain(scope, `hostAliases[${i}].hostnames[${j}]`, n));
    return { ip: a.ip, hostnames: [...names] };
  });
  return out.length ? out : undefined;
}
