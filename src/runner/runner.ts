import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { IRunnerCache } from '../cache/runner-cache';
import { claim, claimsOf } from '../common/app-claims';
import { invalid, validationMessage } from '../common/errors';
import { Resources, resolveResources } from '../common/resources';
import { requireDistinctNamespaces, requirePollIntervalBelowTimeout } from '../common/rules';
import { ResolvedSecretKey, SecretKeyReference, resolveSecretKey } from '../common/secret-ref';
import * as v from '../common/validate';
import { concrete } from '../helm/values';
import type { TaintedNodePool } from '../nodepool/node-pool';
import { BuildPodOptions, ResolvedBuildPod, resolveBuildPod } from './build-pod';
import { KubernetesExecutorToml, RunnerEntryToml } from './config/model';
import { mergeRaw, RawConfig, rawConflicts, resolveRawConfig } from './config/raw-config';

/** How a build pod tolerates a node taint. */
export interface BuildPodToleration {
  /** Taint key, e.g. `dedicated`. */
  readonly key: string;
  /**
   * Taint value to match (operator Equal).
   * @default - any value (operator Exists)
   */
  readonly value?: string;
  /**
   * Taint effect to tolerate.
   * @default - every effect
   */
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** Image pull policies the Kubernetes executor accepts. */
export type PullPolicy = 'never' | 'if-not-present' | 'always';

/** Options of one runner (one `[[runners]]` entry) of a {@link GitLabRunnerManager}. */
export interface RunnerOptions extends BuildPodOptions {
  /**
   * The runner authentication token (`glrt-…`), created in GitLab (Settings > CI/CD > Runners),
   * stored in a Secret in the manager's namespace. Never a literal string.
   * Tags, run-untagged, locked and protected are set in GitLab with the token, not here.
   */
  readonly token: SecretKeyReference;
  /**
   * Namespace where this runner's build pods run. Runners may share one; it must not be the
   * manager's namespace, whose restricted Pod Security level and Secrets are the manager's own.
   * @default - the manager's `defaultBuildNamespace`
   */
  readonly buildNamespace?: string;
  /**
   * Default job image when a job names none.
   * @default 'alpine:3.22'
   */
  readonly image?: string;
  /**
   * Image pull policies, first one used; jobs may choose among them.
   * @default - the cluster's default (IfNotPresent for tagged images)
   */
  readonly pullPolicy?: PullPolicy[];
  /**
   * Images jobs may use (globs, e.g. `registry.example.com/ci/*`).
   * @default - any image
   */
  readonly allowedImages?: string[];
  /**
   * Service images jobs may use.
   * @default - any service image
   */
  readonly allowedServices?: string[];
  /**
   * Names of docker-registry Secrets in the build namespace used to pull job images.
   * @default - none
   */
  readonly imagePullSecrets?: string[];
  /**
   * Helper image override (clones, caches, artifacts).
   * @default - the helper image matching the runner version
   */
  readonly helperImage?: string;
  /**
   * Most jobs this runner runs at once (`limit`); the manager's `concurrent` caps all runners.
   * @default - only `concurrent` applies
   */
  readonly limit?: number;
  /**
   * Concurrent requests for new jobs (`request_concurrency`).
   * @default 1
   */
  readonly requestConcurrency?: number;
  /**
   * Build container requests and limits.
   * @default - cpu 500m/2, memory 1Gi/2Gi (request/limit)
   */
  readonly buildResources?: Resources;
  /**
   * Helper container requests and limits. GitLab advises at least 250Mi of memory when a cache is used.
   * @default - cpu 100m/500m, memory 256Mi/256Mi
   */
  readonly helperResources?: Resources;
  /**
   * Service containers' requests and limits.
   * @default - cpu 250m/1, memory 256Mi/1Gi
   */
  readonly serviceResources?: Resources;
  /**
   * Node labels build pods must land on.
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Taints build pods tolerate. config.toml's `node_tolerations` holds one effect per
   * `key[=value]`: two tolerations of one taint with different effects become one tolerating
   * every effect, so neither is lost.
   * @default - none
   */
  readonly tolerations?: BuildPodToleration[];
  /**
   * Extra labels on build pods.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Extra annotations on build pods.
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * How long the runner waits for a build pod to start (`poll_timeout`). Raise it where pods
   * wait for nodes to scale up.
   * @default Duration.minutes(3)
   */
  readonly pollTimeout?: Duration;
  /**
   * How often the runner checks the build pod while waiting (`poll_interval`).
   * @default Duration.seconds(3)
   */
  readonly pollInterval?: Duration;
  /**
   * Environment variables for every job. Not for secrets: use GitLab CI/CD variables.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * GitLab Runner feature flags (`FF_…`).
   * @default - none
   */
  readonly featureFlags?: Record<string, boolean>;
  /**
   * PriorityClass of build pods.
   * @default - none
   */
  readonly priorityClassName?: string;
  /**
   * The escape hatch: config.toml keys no prop covers, merged into this runner's `[[runners]]`
   * table (sub-tables such as `kubernetes` included), e.g.
   * `{ kubernetes: { scheduler_name: 'my-scheduler' } }`. Each key must be one gitlab-runner
   * defines (a typo names the nearest key), each value of the key's TOML type; keys a prop or the
   * library sets are refused. docs/runner-keys.md lists every key. Same as
   * {@link Runner.addRawConfig}.
   * @default - none
   */
  readonly rawConfig?: RawConfig;
}

/** Defaults of {@link RunnerOptions}, in one place. */
export const RUNNER_DEFAULTS = {
  /** Default `image`. */
  image: 'alpine:3.22',
  /** Default `pollTimeout`. */
  pollTimeout: Duration.minutes(3),
  /** Default `pollInterval`. */
  pollInterval: Duration.seconds(3),
  /** Default `buildResources`. */
  buildResources: { cpu: { request: '500m', limit: '2' }, memory: { request: '1Gi', limit: '2Gi' } } as Resources,
  /** Default `helperResources`. */
  helperResources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '256Mi' } } as Resources,
  /** Default `serviceResources`. */
  serviceResources: { cpu: { request: '250m', limit: '1' }, memory: { request: '256Mi', limit: '1Gi' } } as Resources,
} as const;

/** What a runner takes from its manager. */
export interface RunnerPlacement {
  /** URL of the GitLab instance. */
  readonly gitlabUrl: string;
  /** The manager's namespace. */
  readonly managerNamespace: string;
  /** Build namespace of runners that name none. */
  readonly defaultBuildNamespace: string;
  /**
   * Sets up the runner's build namespace (once per namespace) and returns its build
   * ServiceAccount; rejects mixing privileged and unprivileged runners in one namespace.
   */
  readonly useBuildNamespace: (runner: Runner) => string;
  /** Registers a Secret key with the manager and returns its config.toml placeholder. */
  readonly secretPlaceholder: (ref: ResolvedSecretKey) => string;
  /** Mounts a Secret key as a file into the manager container and returns its path. */
  readonly secretFile: (ref: ResolvedSecretKey) => string;
}

// Values that look like credentials; environment is for plain settings only.
const TOKEN_LIKE = /^(glrt-|glpat-|glptt-|gldt-|glcbt-|GR1348941)/;

/**
 * One `[[runners]]` entry of a manager's config.toml: a GitLab runner using the Kubernetes
 * executor. Create it with {@link GitLabRunnerManager.addRunner}.
 *
 * @example
 * const runner = manager.addRunner('default', {
 *   token: { secretName: 'gitlab-runner-token' },
 *   buildResources: { memory: { request: '2Gi', limit: '4Gi' } },
 * });
 * runner.useCache(cache);
 */
export class Runner extends Construct {
  /** The runner's name in config.toml and GitLab's runner-manager view. */
  public readonly runnerName: string;
  /** Namespace of this runner's build pods. */
  public readonly buildNamespace: string;
  /** The Secret key holding this runner's authentication token. */
  public readonly token: ResolvedSecretKey;
  /** Whether build pods run privileged. */
  public readonly privileged: boolean;
  /** Namespace of the runner's manager, where its token Secret is. */
  public readonly managerNamespace: string;
  /** The tainted node pools build pods run on. */
  public readonly nodePools: readonly TaintedNodePool[];

  private readonly buildPod: ResolvedBuildPod;
  private readonly entry: RunnerEntryToml;
  private readonly placement: RunnerPlacement;
  private cacheInUse?: IRunnerCache;
  private raw?: RawConfig;

  constructor(scope: Construct, name: string, options: RunnerOptions, placement: RunnerPlacement) {
    super(scope, name);
    this.placement = placement;
    this.runnerName = v.dnsLabel(this, 'name', name);
    this.managerNamespace = placement.managerNamespace;
    this.buildNamespace = v.dnsLabel(this, 'buildNamespace', options.buildNamespace ?? placement.defaultBuildNamespace);
    v.ownNamespace(this, 'buildNamespace', this.buildNamespace, 'build pods run arbitrary code, and the executor Role there could read its Secrets: use a namespace of your own');
    requireDistinctNamespaces(this, { field: 'buildNamespace', value: this.buildNamespace }, { field: 'namespace', value: placement.managerNamespace }, [
      'must differ from the manager namespace: build pods run arbitrary code and must not share a namespace (and its Secrets) with the manager',
      'must differ from the build namespace of runner "' + name + '": build pods run arbitrary code and must not share a namespace (and its Secrets) with the manager',
    ]);
    this.token = resolveSecretKey(this, 'token', options.token, 'runner-token');
    this.buildPod = resolveBuildPod(this, options, options.nodeSelector);
    this.privileged = this.buildPod.privileged;
    this.nodePools = this.buildPod.nodePools;
    this.entry = this.buildEntry(options, placement, placement.useBuildNamespace(this));
    for (const pool of this.nodePools) pool.bindRunner(this);
    const manager = scope;
    claim(this, { kind: 'namespace', key: concrete(this.buildNamespace), use: this.privileged ? 'privileged-build' : 'build', parent: manager });
    claim(this, { kind: 'token', key: this.tokenSlot(), use: this.privileged ? 'privileged' : 'unprivileged', parent: manager });
    this.node.addValidation({ validate: () => this.isolation(manager) });
    if (options.rawConfig !== undefined) this.mergeRawConfig('rawConfig', options.rawConfig);
    // At synth, after useCache(): a raw key the library's table also sets is a conflict.
    this.node.addValidation({ validate: () => rawConflicts('rawConfig', this.entry, this.raw) });
  }

  /**
   * The escape hatch ({@link RunnerOptions.rawConfig}): merges config.toml keys no prop covers
   * into this runner's `[[runners]]` table. Checked against the keys gitlab-runner defines at the
   * pinned version; keys a prop or the library sets are refused, as is a key an earlier call set.
   *
   * @example
   * runner.addRawConfig({ kubernetes: { scheduler_name: 'my-scheduler', retry_limit: 10 } });
   */
  public addRawConfig(raw: RawConfig): this {
    return this.mergeRawConfig('addRawConfig()', raw);
  }

  private mergeRawConfig(field: string, raw: RawConfig): this {
    const resolved = resolveRawConfig(this, field, 'runners', raw);
    const twice = rawConflicts(field, this.raw ?? {}, resolved)[0];
    if (twice) invalid(this, field, raw, `sets a key an earlier rawConfig or addRawConfig() already set (${twice})`);
    this.raw = mergeRaw(this.raw ?? {}, resolved);
    return this;
  }

  /** The token Secret key, where the manager reads it: `namespace/secret/key`. */
  private tokenSlot(): string {
    return concrete(`${this.managerNamespace}/${this.token.secretName}/${this.token.key}`);
  }

  /**
   * Isolation across constructs of the App, checked at synth so construct order does not matter:
   * the build namespace is no other manager's namespace, no cache's namespace, and not a build
   * namespace of the other privilege level of another manager (this manager refuses its own
   * mix eagerly); the token Secret is not also a token of a runner of the other privilege level
   * (GitLab would see one runner, and pick up jobs meant for the unprivileged one privileged).
   */
  private isolation(manager: Construct): string[] {
    const errors: string[] = [];
    const ns = concrete(this.buildNamespace);
    for (const c of claimsOf(this, 'namespace', ns)) {
      if (c.use === 'manager' && c.owner !== manager) {
        errors.push(validationMessage('buildNamespace', ns, `must differ from the namespace of runner manager ${c.owner.node.path}: build pods run arbitrary code and must not share a namespace (and its Secrets) with a manager`));
      } else if (c.use === 'cache') {
        errors.push(validationMessage('buildNamespace', ns, `must differ from the namespace of the cache ${c.owner.node.path}: the executor's Role in a build namespace can read its Secrets, MinIO's root credentials included`));
      } else if ((c.use === 'build' || c.use === 'privileged-build') && c.parent !== manager
        && (c.use === 'privileged-build') !== this.privileged) {
        errors.push(validationMessage('buildNamespace', ns, this.privileged
          ? `a privileged runner needs a build namespace of its own (Pod Security "privileged"); unprivileged runner ${c.owner.node.path} builds there`
          : `privileged runner ${c.owner.node.path} builds there (Pod Security "privileged"); unprivileged runners need another namespace`));
      }
    }
    const slot = this.tokenSlot();
    const other = claimsOf(this, 'token', slot).find((c) => c.use !== (this.privileged ? 'privileged' : 'unprivileged'));
    if (other) {
      errors.push(validationMessage('token', slot, `is also the token of ${other.use} runner ${other.owner.node.path}: one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token`));
    }
    return errors;
  }

  /** The cache this runner uses, if any. */
  public get cache(): IRunnerCache | undefined {
    return this.cacheInUse;
  }

  /**
   * Uses a distributed cache ({@link MinioCache}, {@link S3Cache}, {@link GcsCache}): fills this
   * runner's `[runners.cache]` from it, and lets the cache admit this runner's build pods and
   * provide its keys in the manager's namespace. A runner has one cache.
   */
  public useCache(cache: IRunnerCache): this {
    if (cache === null || typeof cache !== 'object' || typeof (cache as IRunnerCache).bind !== 'function' || !(cache as IRunnerCache).node) {
      invalid(this, 'useCache()', cache, 'must be a cache: a MinioCache, S3Cache or GcsCache');
    }
    if (cache.node.root !== this.node.root) {
      invalid(this, 'useCache()', cache.node.path, 'belongs to another App: a cache wires objects (Secrets, NetworkPolicies) into the runner\'s App; create it in the same App');
    }
    if (this.cacheInUse === cache) return this;
    if (this.cacheInUse) {
      invalid(this, 'useCache()', cache.node.path, `a runner has one cache ([runners.cache]); it already uses ${this.cacheInUse.node.path}`);
    }
    const binding = cache.bind({
      scope: this,
      runnerName: this.runnerName,
      buildNamespace: this.buildNamespace,
      managerNamespace: this.placement.managerNamespace,
      secretPlaceholder: this.placement.secretPlaceholder,
      secretFile: this.placement.secretFile,
    });
    this.entry.cache = binding.config;
    if (binding.buildPodLabels) {
      this.entry.kubernetes.pod_labels = { ...this.entry.kubernetes.pod_labels, ...binding.buildPodLabels };
    }
    this.cacheInUse = cache;
    return this;
  }

  /** This runner's `[[runners]]` entry, as serialized into config.toml. */
  public toToml(): RunnerEntryToml {
    return mergeRaw(this.entry, this.raw);
  }

  private buildEntry(o: RunnerOptions, p: RunnerPlacement, buildServiceAccount: string): RunnerEntryToml {
    const build = resolveResources(this, 'buildResources', o.buildResources, RUNNER_DEFAULTS.buildResources);
    const helper = resolveResources(this, 'helperResources', o.helperResources, RUNNER_DEFAULTS.helperResources);
    const service = resolveResources(this, 'serviceResources', o.serviceResources, RUNNER_DEFAULTS.serviceResources);
    const pollTimeout = v.seconds(this, 'pollTimeout', o.pollTimeout ?? RUNNER_DEFAULTS.pollTimeout, 1);
    const pollInterval = v.seconds(this, 'pollInterval', o.pollInterval ?? RUNNER_DEFAULTS.pollInterval, 1);
    requirePollIntervalBelowTimeout(this, { field: 'pollInterval', value: pollInterval }, { field: 'pollTimeout', value: pollTimeout }, o.pollInterval === undefined && o.pollTimeout !== undefined);

    const kubernetes: KubernetesExecutorToml = {
      namespace: this.buildNamespace,
      service_account: buildServiceAccount,
      automount_service_account_token: false,
      image: v.imageReference(this, 'image', o.image ?? RUNNER_DEFAULTS.image),
      pull_policy: o.pullPolicy?.map((pp, i) => v.oneOf(this, `pullPolicy[${i}]`, pp, ['never', 'if-not-present', 'always'] as const)),
      allowed_images: v.stringList(this, 'allowedImages', o.allowedImages, 'registry.example.com/ci/*'),
      allowed_services: v.stringList(this, 'allowedServices', o.allowedServices, 'docker:28*-dind'),
      image_pull_secrets: o.imagePullSecrets?.map((s, i) => v.dnsSubdomain(this, `imagePullSecrets[${i}]`, s)),
      helper_image: o.helperImage === undefined ? undefined : v.imageReference(this, 'helperImage', o.helperImage),
      privileged: this.buildPod.privileged,
      // The API server rejects privileged containers that forbid privilege escalation.
      allow_privilege_escalation: this.buildPod.privileged,
      poll_interval: pollInterval,
      poll_timeout: pollTimeout,
      ...resourceKeys('', build),
      ...resourceKeys('helper_', helper),
      ...resourceKeys('service_', service),
      priority_class_name: o.priorityClassName === undefined ? undefined : v.dnsSubdomain(this, 'priorityClassName', o.priorityClassName),
      node_selector: v.nonEmptyMap({ ...v.labels(this, 'nodeSelector', o.nodeSelector), ...this.buildPod.nodeSelector }),
      node_tolerations: v.nonEmptyMap(mergeTolerations(this.tolerations(o.tolerations ?? []), this.buildPod.tolerations)),
      pod_labels: v.nonEmptyMap(v.labels(this, 'podLabels', o.podLabels)),
      pod_annotations: v.nonEmptyMap(v.annotations(this, 'podAnnotations', o.podAnnotations)),
      build_container_security_context: this.buildPod.buildContainerSecurityContext,
      volumes: this.buildPod.volumes,
    };

    return {
      name: this.runnerName,
      url: p.gitlabUrl,
      token: p.secretPlaceholder(this.token),
      executor: 'kubernetes',
      limit: o.limit === undefined ? undefined : v.integer(this, 'limit', o.limit, 1),
      request_concurrency: o.requestConcurrency === undefined ? undefined : v.integer(this, 'requestConcurrency', o.requestConcurrency, 1),
      environment: this.environment(o.environment),
      feature_flags: v.nonEmptyMap(this.featureFlags(o.featureFlags)),
      kubernetes,
    };
  }

  private tolerations(tolerations: BuildPodToleration[]): Record<string, string> {
    if (!Array.isArray(tolerations)) invalid(this, 'tolerations', tolerations, 'must be a list of { key, value?, effect? }');
    let out: Record<string, string> = {};
    tolerations.forEach((t, i) => {
      if (t === null || typeof t !== 'object') invalid(this, `tolerations[${i}]`, t, 'must be { key, value?, effect? }');
      v.qualifiedName(this, `tolerations[${i}].key`, t.key);
      if (t.value !== undefined) v.labelValue(this, `tolerations[${i}].value`, t.value);
      if (t.effect !== undefined) v.oneOf(this, `tolerations[${i}].effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const);
      out = mergeTolerations(out, { [t.value === undefined ? t.key : `${t.key}=${t.value}`]: t.effect ?? '' });
    });
    return out;
  }

  private environment(env: Record<string, string> | undefined): string[] | undefined {
    if (env !== undefined && (env === null || typeof env !== 'object' || Array.isArray(env))) {
      invalid(this, 'environment', env, 'must be a map of variable names to string values');
    }
    const entries = Object.entries(env ?? {});
    for (const [k, val] of entries) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) invalid(this, 'environment key', k, 'must be a shell variable name: letters, digits and "_", not starting with a digit');
      if (typeof val !== 'string') invalid(this, `environment.${k}`, val, 'must be a string');
      v.envValue(this, `environment.${k}`, val);
      if (TOKEN_LIKE.test(val)) {
        invalid(this, `environment.${k}`, `${val.slice(0, 5)}****`, 'looks like a GitLab token; pass secrets as masked CI/CD variables in GitLab, never in config.toml');
      }
    }
    return entries.length ? entries.map(([k, val]) => `${k}=${val}`) : undefined;
  }

  private featureFlags(flags: Record<string, boolean> | undefined): Record<string, boolean> {
    for (const [k, val] of Object.entries(flags ?? {})) {
      if (!/^FF_[A-Z0-9_]+$/.test(k)) invalid(this, 'featureFlags key', k, 'must be a GitLab Runner feature flag name such as "FF_USE_FASTZIP"');
      if (typeof val !== 'boolean') invalid(this, `featureFlags.${k}`, val, 'must be true or false');
    }
    return { ...flags };
  }
}

/**
 * `node_tolerations` entries merged: the table holds one effect per `key[=value]`, so two
 * different effects for one taint become "" (every effect) rather than the later overwriting the
 * earlier: both taints stay tolerated.
 */
function mergeTolerations(a: Record<string, string>, b: Record<string, string>): Record<string, string> {
  const out = { ...a };
  for (const [k, effect] of Object.entries(b)) out[k] = k in out && out[k] !== effect ? '' : effect;
  return out;
}


type ResourceKeys = Pick<KubernetesExecutorToml, 'cpu_request' | 'cpu_limit' | 'memory_request' | 'memory_limit' | 'ephemeral_storage_request' | 'ephemeral_storage_limit'>;

/** `cpu_request`, `helper_memory_limit`, …: the executor's flat resource keys. */
function resourceKeys(prefix: '' | 'helper_' | 'service_', r: Resources): Record<string, string | undefined> {
  const keys: ResourceKeys = {
    cpu_request: r.cpu?.request,
    cpu_limit: r.cpu?.limit,
    memory_request: r.memory?.request,
    memory_limit: r.memory?.limit,
    ephemeral_storage_request: r.ephemeralStorage?.request,
    ephemeral_storage_limit: r.ephemeralStorage?.limit,
  };
  return Object.fromEntries(Object.entries(keys).map(([k, val]) => [`${prefix}${k}`, val]));
}
