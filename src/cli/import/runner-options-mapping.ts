import { parse as parseYaml } from 'yaml';
import { BUILD_POD_LABEL_KEY, CACHE_NAME_LABEL_KEY, CACHE_NAMESPACE_LABEL_KEY } from '../../common/labels';
import { NOT_SHARED, tolerationsOf } from '../../runner/overwrites';
import { BASELINE_CAPABILITIES } from '../../runner/pod-security';
import { Keys } from './keys';
import { Expr, Props, seconds } from './plan';
import { plain } from './raw-mapping';
import { ImportReport } from './report';

// The less common `[[runners]]` / `[runners.kubernetes]` keys the library now has typed props for
// (AdvancedRunnerOptions, the wider BuildVolumes, jobOverrides): job scripts, log limit, clone
// URL, affinity, DNS, /etc/hosts, security contexts, capabilities, pod_spec patches, per-job
// overrides. What the library would refuse at synth is flagged or reported instead, so the
// generated main.ts still synthesizes.

/** snake_case → camelCase, for the TOML shapes whose props only differ in case. */
function camel(key: string): string {
  return key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** `value` with every table key camelCased, and the affinity's long Kubernetes names shortened. */
function camelDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelDeep);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'required_during_scheduling_ignored_during_execution') {
      // Node affinity nests its terms in a NodeSelector; BuildPodAffinity takes the terms.
      const terms = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).node_selector_terms : undefined;
      out.required = camelDeep(terms ?? v);
    } else if (k === 'preferred_during_scheduling_ignored_during_execution') out.preferred = camelDeep(v);
    // Label maps keep their keys as written.
    else if (k === 'match_labels') out.matchLabels = v;
    else out[camel(k)] = camelDeep(v);
  }
  return out;
}

/** Overwrite patterns → jobOverrides fields. */
const OVERRIDE_PATTERNS: Array<[string, string]> = [
  ['node_selector_overwrite_allowed', 'nodeSelector'],
  ['node_tolerations_overwrite_allowed', 'tolerations'],
  ['pod_labels_overwrite_allowed', 'podLabels'],
  ['pod_annotations_overwrite_allowed', 'podAnnotations'],
];

/** `*_overwrite_max_allowed` → jobOverrides resource option, resource, side. */
const OVERRIDE_MAX: Array<[string, string, string, string]> = (['', 'helper_', 'service_'] as const).flatMap((prefix) => {
  const option = prefix === '' ? 'maxBuildResources' : prefix === 'helper_' ? 'maxHelperResources' : 'maxServiceResources';
  return ([['cpu', 'cpu'], ['memory', 'memory'], ['ephemeral_storage', 'ephemeralStorage']] as const).flatMap(([toml, prop]) =>
    (['request', 'limit'] as const).map((side) => [`${prefix}${toml}_${side}_overwrite_max_allowed`, option, prop, side] as [string, string, string, string]));
});

/**
 * Why the library would refuse a job-override pattern: syntax RE2 and JavaScript read
 * differently, or a pattern that lets a job reach a privileged node pool.
 */
export function overridePatternProblem(pattern: string, field: string): string | undefined {
  try {
    new RegExp(pattern);
  } catch (e) {
    return `not a regular expression (${(e as Error).message})`;
  }
  const m = NOT_SHARED.exec(pattern);
  if (m) return `uses "${m[0]}", which the runner (Go RE2) and the library's synth-time check (JavaScript) do not read alike`;
  if (field === 'podLabels') {
    const label = [BUILD_POD_LABEL_KEY, CACHE_NAME_LABEL_KEY, CACHE_NAMESPACE_LABEL_KEY].flatMap((key) => [`${key}=x`, `${key}=gitlab-runner-cache`])
      .find((l) => new RegExp(pattern).test(l));
    if (label) return `lets a job set the library's label ${label.split('=')[0]}, which NetworkPolicies admit build pods by`;
  }
  return undefined;
}

/** A job-override pattern the importer converted, to re-check once every node pool is known. */
export interface OverridePattern {
  /** The runner's options (holding jobOverrides). */
  readonly options: Record<string, Expr | undefined>;
  /** The jobOverrides field. */
  readonly field: 'nodeSelector' | 'tolerations';
  /** The pattern. */
  readonly pattern: string;
  /** The report path. */
  readonly path: string;
}

/** Maps the advanced keys of one runner entry into `o`; returns the node placement patterns to re-check. */
export function mapAdvancedOptions(k: Keys, o: Record<string, Expr | undefined>, privileged: boolean, report: ImportReport): OverridePattern[] {
  const simple: Array<[string, string, (v: unknown) => Expr]> = [
    ['pre_get_sources_script', 'preGetSourcesScript', String],
    ['pre_build_script', 'preBuildScript', String],
    ['post_build_script', 'postBuildScript', String],
    ['output_limit', 'outputLimit', Number],
    ['clone_url', 'cloneUrl', String],
    ['kubernetes.pod_termination_grace_period_seconds', 'podTerminationGracePeriod', (v) => seconds(Number(v))],
    ['kubernetes.dns_policy', 'dnsPolicy', String],
    ['kubernetes.dns_config', 'dnsConfig', (v) => plain(v)!],
    ['kubernetes.host_aliases', 'hostAliases', (v) => plain(v)!],
    ['kubernetes.affinity', 'affinity', (v) => plain(camelDeep(v))!],
    ['kubernetes.pod_security_context', 'podSecurityContext', (v) => plain(camelDeep(v))!],
    ['kubernetes.cap_drop', 'capDrop', (v) => plain(v)!],
  ];
  for (const [key, prop, f] of simple) {
    const v = k.convert(key, prop);
    if (v !== undefined) o[prop] = f(v);
  }

  // Container security contexts: a privileged one is what addDindRunner() is for.
  for (const [key, prop] of [['helper_container_security_context', 'helperContainerSecurityContext'], ['service_container_security_context', 'serviceContainerSecurityContext']]) {
    const path = `kubernetes.${key}`;
    if (!k.has(path)) continue;
    if (k.peek(`${path}.privileged`) === true && !privileged) {
      report.risk(k.at(`${path}.privileged`), 'a privileged container in an unprivileged runner\'s build pods: not converted (the library refuses it); a privileged runner is made with addDindRunner() on a tainted node pool');
      k.take(`${path}.privileged`);
    }
    const v = k.convert(path, prop);
    if (v !== undefined) o[prop] = plain(camelDeep(v));
  }

  // Added capabilities: an unprivileged runner may add only what Pod Security "baseline" allows.
  const caps = k.take('kubernetes.cap_add');
  if (caps !== undefined) {
    const list = (Array.isArray(caps) ? caps : [caps]).map((c) => String(c).replace(/^CAP_/, ''));
    const beyond = list.filter((c) => !BASELINE_CAPABILITIES.includes(c));
    if (privileged || beyond.length === 0) {
      o.capAdd = list;
      report.convert(k.at('kubernetes.cap_add'), 'capAdd');
      if (privileged) report.risk(k.at('kubernetes.cap_add'), `added capabilities ${JSON.stringify(list)} in a privileged runner's build pods: converted (capAdd); check they are needed`);
    } else {
      report.risk(k.at('kubernetes.cap_add'), `added capabilities ${JSON.stringify(beyond)} beyond Pod Security "baseline": not converted (the library refuses them on an unprivileged runner)`);
    }
  }

  // pod_spec patches: the library applies them to its model of the build pod and re-checks it.
  const specs = k.take('kubernetes.pod_spec');
  if (specs !== undefined) {
    const patches: Props[] = [];
    (Array.isArray(specs) ? specs : [specs]).forEach((s, i) => {
      const p = k.at(`kubernetes.pod_spec[${i}]`);
      const entry = s as Record<string, unknown> | null;
      let patch: unknown;
      try {
        patch = typeof entry?.patch === 'string' ? parseYaml(entry.patch) : entry?.patch;
      } catch {
        patch = undefined;
      }
      const type = String(entry?.patch_type ?? 'strategic');
      if (!entry || typeof entry.name !== 'string' || patch === null || typeof patch !== 'object' || !['json', 'merge', 'strategic'].includes(type)) {
        report.unmap(p, 'not a { name, patch_type (json, merge or strategic), patch } table with a readable patch: not converted');
        return;
      }
      patches.push({ name: entry.name, patchType: type, patch: plain(patch) });
      report.convert(p, `podSpecPatches[${patches.length - 1}] (the library re-checks the patched pod against Pod Security and the node pools at synth)`);
    });
    if (patches.length) o.podSpecPatches = patches;
  }

  // Per-job overrides: patterns for placement and metadata, ceilings for resources.
  const overrides: Record<string, Expr> = {};
  const recheck: OverridePattern[] = [];
  for (const [key, field] of OVERRIDE_PATTERNS) {
    const path = `kubernetes.${key}`;
    const v = k.take(path);
    if (v === undefined) continue;
    const pattern = String(v);
    const problem = overridePatternProblem(pattern, field);
    if (problem) {
      report.risk(k.at(path), `pattern ${JSON.stringify(pattern)}: ${problem}. Not converted: jobs cannot override it`);
    } else if (privileged && (field === 'nodeSelector' || field === 'tolerations')) {
      report.risk(k.at(path), 'lets jobs of a privileged runner change their node placement, off the tainted pool: not converted (the library refuses it)');
    } else {
      overrides[field] = pattern;
      report.convert(k.at(path), `jobOverrides.${field}`);
      if (field === 'nodeSelector' || field === 'tolerations') recheck.push({ options: o, field, pattern, path: k.at(path) });
    }
  }
  const max: Record<string, Record<string, Record<string, string>>> = {};
  for (const [key, option, prop, side] of OVERRIDE_MAX) {
    const v = k.convert(`kubernetes.${key}`, `jobOverrides.${option}.${prop}.${side}`);
    if (v !== undefined) ((max[option] ??= {})[prop] ??= {})[side] = String(v);
  }
  Object.assign(overrides, max);
  if (Object.keys(overrides).length) o.jobOverrides = overrides;
  return recheck;
}

/**
 * Drops converted node placement patterns that would let a job reach a privileged pool (the
 * library refuses those at synth), flagging each as risky. `pools`: each pool's label and taint.
 */
export function recheckOverridePatterns(patterns: readonly OverridePattern[], pools: ReadonlyArray<{ label: string; taint: { key: string; value: string; effect: string } }>, report: ImportReport): void {
  for (const p of patterns) {
    const re = new RegExp(p.pattern);
    const targets = pools.flatMap((pool) => (p.field === 'nodeSelector' ? [pool.label] : tolerationsOf(pool.taint)));
    const hit = targets.find((t) => re.test(t));
    if (hit === undefined) continue;
    const overrides = { ...(p.options.jobOverrides as Record<string, Expr>) };
    delete overrides[p.field];
    p.options.jobOverrides = Object.keys(overrides).length ? overrides : undefined;
    report.risk(p.path, `pattern ${JSON.stringify(p.pattern)} matches "${hit}" of a privileged node pool: a job could move onto it. Not converted (the library refuses it); narrow the pattern`);
  }
}
