import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { IRunnerCache } from './cache-contract';
import { claim, claimsOf } from '../common/app-claims';
import { IBuildPodPlacer, INodePlacement, registerBuildPodPlacer } from '../common/placement';
import { buildPodTolerations, PodToleration, TolerationSpec, tolerationsToml } from '../common/tolerations';
import { invalid } from '../common/errors';
import { refuseLiteralCredential } from '../common/credentials';
import { crossConstructIsolation } from '../common/isolation';
import { standardLabels } from '../common/labels';
import { Resources, resolveResources } from '../common/resources';
import { requireDistinctNamespaces, requirePollIntervalBelowTimeout } from '../common/rules';
import { ResolvedSecretKey, SecretKeyReference, resolveSecretKey } from '../common/secret-ref';
import * as v from '../common/validate';
import { concrete } from '../common/values';
import { mountsOverlap } from '../common/k8s-rules';
import { isPlainObject, objectShape } from '../common/shape';
import * as adv from './advanced-options';
import { AdvancedRunnerOptions } from './advanced-options';
import { BuildPodOptions, ResolvedBuildPod, resolveBuildPod } from './build-pod';
import { modelBuildPodSpec } from './build-pod-model';
import { KubernetesExecutorToml, RunnerEntryToml, SecretVolumeToml } from './config/model';
import { JobServiceAccount, resolveOverwrites } from './overwrites';
import { poolIsolationErrors } from './pool-guard';
import { POD_SPEC_FEATURE_FLAG, requirePodSecurity, resolvePodSpecPatches } from './pod-spec-patch';
import { capabilityList, resolveContainerSecurityContext, resolvePodSecurityContext } from './security-context';
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
export interface RunnerOptions extends BuildPodOptions, AdvancedRunnerOptions {
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
   * Taints build pods tolerate, each (key, value, effect) exactly. config.toml's
   * `node_tolerations` holds one effect per `key[=value]`: when one taint is tolerated with two
   * effects, a `pod_spec` patch (with FF_USE_ADVANCED_POD_SPEC_CONFIGURATION on) gives the build
   * pod the whole list, so no effect is lost and none is added.
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
export class Runner extends Construct implements IBuildPodPlacer {
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
  public readonly nodePools: readonly INodePlacement[];

  private readonly buildPod: ResolvedBuildPod;
  private readonly entry: RunnerEntryToml;
  private readonly placement: RunnerPlacement;
  private cacheInUse?: IRunnerCache;
  private jobServiceAccounts: JobServiceAccount[] = [];
  private patchedPodSpec?: Record<string, any>;
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
    registerBuildPodPlacer(this);
    for (const pool of this.nodePools) pool.bindRunner(this);
    const manager = scope;
    claim(this, { kind: 'namespace', key: concrete(this.buildNamespace), use: this.privileged ? 'privileged-build' : 'build', parent: manager, value: this.buildNamespace, field: 'buildNamespace' });
    claim(this, { kind: 'token', key: this.tokenSlot(), use: this.privileged ? 'privileged' : 'unprivileged', parent: manager, value: this.tokenValue(), field: 'token' });
    this.node.addValidation({ validate: () => this.isolation(manager) });
    this.node.addValidation({ validate: () => poolIsolationErrors(this, this.entry.kubernetes, this.nodePools, this.patchedPodSpec) });
    this.addJobServiceAccounts();
    if (options.rawConfig !== undefined) this.mergeRawConfig('rawConfig', options.rawConfig);
    // At synth, after useCache(): a raw key the library's table also sets is a conflict.
    this.node.addValidation({ validate: () => rawConflicts('rawConfig', this.entry, this.raw) });
  }

  /**
   * The service accounts jobs may pick (jobOverrides.serviceAccounts), in the build namespace,
   * with no rights and no mounted token. Runners sharing a build namespace share an account of
   * one name, which must then be described alike.
   */
  private addJobServiceAccounts(): void {
    for (const sa of this.jobServiceAccounts) {
      const key = `${concrete(this.buildNamespace)}/${sa.name}`;
      const other = claimsOf(this, 'job-service-account', key)[0];
      claim(this, { kind: 'job-service-account', key, use: JSON.stringify(sa.annotations) });
      if (other) {
        if (other.use !== JSON.stringify(sa.annotations)) {
          invalid(this, 'jobOverrides.serviceAccounts', sa.name, `is also a job service account of ${other.owner.node.path} in ${this.buildNamespace}, with other annotations: one ServiceAccount has one set`);
        }
        continue;
      }
      new k8s.KubeServiceAccount(this, `JobServiceAccount-${sa.name}`, {
        metadata: {
          name: sa.name,
          namespace: this.buildNamespace,
          labels: standardLabels({ name: 'gitlab-runner', instance: this.runnerName, component: 'job-service-account' }),
          annotations: v.nonEmptyMap(sa.annotations ?? {}),
        },
        automountServiceAccountToken: false,
      });
    }
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
    return concrete(this.tokenValue());
  }

  /** {@link tokenSlot} with its Helm values, for the chart's rules. */
  private tokenValue(): string {
    return `${this.managerNamespace}/${this.token.secretName}/${this.token.key}`;
  }

  /**
   * Isolation across constructs of the App, checked at synth so construct order does not matter:
   * the build namespace is no other manager's namespace, no cache's namespace, and not a build
   * namespace of the other privilege level of another manager (this manager refuses its own
   * mix eagerly); the token Secret is not also a token of a runner of the other privilege level
   * (GitLab would see one runner, and pick up jobs meant for the unprivileged one privileged).
   */
  private isolation(manager: Construct): string[] {
    return crossConstructIsolation(
      { scope: this, manager, privileged: this.privileged, cache: this.cacheInUse },
      { namespace: { field: 'buildNamespace', value: this.buildNamespace }, token: { field: 'token', value: this.tokenValue() } },
    );
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
    if (binding.buildPodSecretVolumes?.length) this.mountCacheVolumes(cache, binding.buildPodSecretVolumes);
    this.cacheInUse = cache;
    return this;
  }

  /** The tolerations of this runner's build pods, as the Kubernetes executor builds the pod from config.toml. */
  public buildPodTolerations(): PodToleration[] {
    return buildPodTolerations(this.entry.kubernetes, this.entry.feature_flags);
  }

  /** Adds a cache's Secret volumes (e.g. its CA) to the build pods, refusing a clash with the runner's own. */
  private mountCacheVolumes(cache: IRunnerCache, added: SecretVolumeToml[]): void {
    const volumes = this.entry.kubernetes.volumes ?? {};
    const existing = [...volumes.empty_dir ?? [], ...volumes.secret ?? [], ...volumes.config_map ?? []];
    for (const a of added) {
      const clash = existing.find((e) => e.name === a.name || mountsOverlap(e.mount_path, a.mount_path));
      if (clash) {
        invalid(this, 'useCache()', cache.node.path, `build pods mount the cache's Secret "${a.name}" at ${a.mount_path}, which clashes with the build pod volume "${clash.name}" at ${clash.mount_path}: rename or move that volume`);
      }
    }
    this.entry.kubernetes.volumes = { ...volumes, secret: [...volumes.secret ?? [], ...added] };
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

    const tolerations = tolerationsToml([...this.tolerations(o.tolerations ?? []), ...this.buildPod.tolerations]);
    const kubernetes: KubernetesExecutorToml = {
      namespace: this.buildNamespace,
      service_account: buildServiceAccount,
      automount_service_account_token: false,
      image: v.imageReference(this, 'image', o.image ?? RUNNER_DEFAULTS.image),
      pull_policy: (v.stringList(this, 'pullPolicy', o.pullPolicy, 'if-not-present') as PullPolicy[] | undefined)?.map((pp, i) => v.oneOf(this, `pullPolicy[${i}]`, pp, ['never', 'if-not-present', 'always'] as const)),
      allowed_images: v.stringList(this, 'allowedImages', o.allowedImages, 'registry.example.com/ci/*'),
      allowed_services: v.stringList(this, 'allowedServices', o.allowedServices, 'docker:28*-dind'),
      image_pull_secrets: v.stringList(this, 'imagePullSecrets', o.imagePullSecrets, 'registry-credentials')?.map((s, i) => v.dnsSubdomain(this, `imagePullSecrets[${i}]`, s)),
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
      node_tolerations: tolerations.node_tolerations,
      pod_labels: v.nonEmptyMap(v.labels(this, 'podLabels', o.podLabels)),
      pod_annotations: v.nonEmptyMap(v.annotations(this, 'podAnnotations', o.podAnnotations)),
      build_container_security_context: this.buildPod.buildContainerSecurityContext,
      volumes: this.buildPod.volumes,
      pod_spec: tolerations.pod_spec,
    };

    const patches = this.advanced(o, kubernetes, { build, helper, service }, buildServiceAccount);
    const featureFlags = this.featureFlags(o.featureFlags, tolerations.featureFlag);
    if (patches) {
      if (featureFlags[POD_SPEC_FEATURE_FLAG] === false) {
        invalid(this, `featureFlags.${POD_SPEC_FEATURE_FLAG}`, false, 'must not be false with podSpecPatches: the executor ignores pod_spec without it');
      }
      featureFlags[POD_SPEC_FEATURE_FLAG] = true;
    }

    return {
      name: this.runnerName,
      url: p.gitlabUrl,
      token: p.secretPlaceholder(this.token),
      executor: 'kubernetes',
      limit: o.limit === undefined ? undefined : v.integer(this, 'limit', o.limit, 1),
      request_concurrency: o.requestConcurrency === undefined ? undefined : v.integer(this, 'requestConcurrency', o.requestConcurrency, 1),
      output_limit: o.outputLimit === undefined ? undefined : v.integer(this, 'outputLimit', o.outputLimit, 1),
      environment: this.environment(o.environment),
      pre_get_sources_script: adv.script(this, 'preGetSourcesScript', o.preGetSourcesScript),
      pre_build_script: adv.script(this, 'preBuildScript', o.preBuildScript),
      post_build_script: adv.script(this, 'postBuildScript', o.postBuildScript),
      clone_url: adv.cloneUrl(this, 'cloneUrl', o.cloneUrl, concrete(p.gitlabUrl)),
      feature_flags: v.nonEmptyMap(featureFlags),
      kubernetes,
    };
  }

  /**
   * Adds the advanced options' keys to `kubernetes`, checks the build pod they make (and its
   * patched form) against the build namespace's Pod Security level, and returns whether there
   * are pod_spec patches.
   */
  private advanced(o: RunnerOptions, kubernetes: KubernetesExecutorToml, resources: Parameters<typeof resolveOverwrites>[2], buildServiceAccount: string): boolean {
    const privileged = this.buildPod.privileged;
    const overwrites = resolveOverwrites(this, o.jobOverrides, resources, buildServiceAccount);
    this.jobServiceAccounts = overwrites.serviceAccounts;
    const keys: Partial<KubernetesExecutorToml> = {
      helper_container_security_context: resolveContainerSecurityContext(this, 'helperContainerSecurityContext', o.helperContainerSecurityContext, privileged),
      service_container_security_context: resolveContainerSecurityContext(this, 'serviceContainerSecurityContext', o.serviceContainerSecurityContext, privileged),
      pod_security_context: resolvePodSecurityContext(this, 'podSecurityContext', o.podSecurityContext),
      pod_termination_grace_period_seconds: o.podTerminationGracePeriod === undefined ? undefined : v.seconds(this, 'podTerminationGracePeriod', o.podTerminationGracePeriod, 1),
      cap_add: capabilityList(this, 'capAdd', o.capAdd, true, privileged),
      cap_drop: capabilityList(this, 'capDrop', o.capDrop, false, privileged),
      affinity: adv.affinity(this, 'affinity', o.affinity),
      ...adv.dns(this, o.dnsPolicy, o.dnsConfig),
      host_aliases: adv.hostAliases(this, o.hostAliases),
      ...overwrites.keys,
    };
    for (const [k, val] of Object.entries(keys)) {
      if (val !== undefined) (kubernetes as any)[k] = val;
    }
    const level = privileged ? 'privileged' : 'baseline';
    const model = modelBuildPodSpec(kubernetes);
    requirePodSecurity(this, model, level, false);
    const patched = resolvePodSpecPatches(this, o.podSpecPatches, model);
    if (!patched.toml) return false;
    requirePodSecurity(this, patched.spec, level, true);
    // After the library's own toleration patch (repeated taints), so the user's patches see its result.
    kubernetes.pod_spec = [...kubernetes.pod_spec ?? [], ...patched.toml];
    this.patchedPodSpec = patched.spec;
    return true;
  }

  private tolerations(tolerations: BuildPodToleration[]): TolerationSpec[] {
    if (!Array.isArray(tolerations)) invalid(this, 'tolerations', tolerations, 'must be a list of { key, value?, effect? }');
    return tolerations.map((t, i) => {
      if (t === null || typeof t !== 'object') invalid(this, `tolerations[${i}]`, t, 'must be { key, value?, effect? }');
      objectShape(this, `tolerations[${i}]`, t, '{ key, value?, effect? }');
      v.qualifiedName(this, `tolerations[${i}].key`, t.key);
      if (t.value !== undefined) v.labelValue(this, `tolerations[${i}].value`, t.value);
      if (t.effect !== undefined) v.oneOf(this, `tolerations[${i}].effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const);
      return { key: t.key, value: t.value, effect: t.effect };
    });
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
      // environment is for plain settings only: every job (and config.toml) would hold a secret.
      refuseLiteralCredential(this, `environment.${k}`, k, val, 'pass it as a masked CI/CD variable in GitLab');
    }
    return entries.length ? entries.map(([k, val]) => `${k}=${val}`) : undefined;
  }

  private featureFlags(flags: Record<string, boolean> | undefined, required?: string): Record<string, boolean> {
    if (flags !== undefined && !isPlainObject(flags)) invalid(this, 'featureFlags', flags, 'must be a map of feature flag names to true or false, e.g. { FF_USE_FASTZIP: true }');
    for (const [k, val] of Object.entries(flags ?? {})) {
      if (!/^FF_[A-Z0-9_]+$/.test(k)) invalid(this, 'featureFlags key', k, 'must be a GitLab Runner feature flag name such as "FF_USE_FASTZIP"');
      if (typeof val !== 'boolean') invalid(this, `featureFlags.${k}`, val, 'must be true or false');
    }
    if (required === undefined) return { ...flags };
    if (flags?.[required] === false) {
      invalid(this, `featureFlags.${required}`, false, 'must not be false while tolerations hold one taint with several effects: config.toml\'s node_tolerations keeps one effect per key[=value], and the pod_spec patch that gives build pods the exact list needs this flag; tolerate each taint with one effect, or drop the flag');
    }
    return { ...flags, [required]: true };
  }
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
