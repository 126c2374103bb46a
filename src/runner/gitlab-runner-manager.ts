import * as fs from 'fs';
import * as path from 'path';
import { Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { claim } from '../common/app-claims';
import { ConfigError, invalid, validationMessage, withContext } from '../common/errors';
import { contentHash } from '../common/hash';
import { applyPodOptions, ownedPodParts, PodOptions, resolvePodOptions, ResolvedPodOptions } from '../common/pod-options';
import { selectorLabels, standardLabels } from '../common/labels';
import { Resources, resolveResources, toResourceRequirements } from '../common/resources';
import { requireDistinctNamespaces, requireNotMatching } from '../common/rules';
import { ResolvedSecretKey } from '../common/secret-ref';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../common/security';
import { SECRET_VALUE_SCRIPT, SECRET_VALUE_SCRIPT_FILE } from '../common/secret-value';
import { optionalBoolean, readable } from '../common/shape';
import * as v from '../common/validate';
import { ensureUniqueObjects } from '../common/unique-objects';
import { concrete, concreteDeep, renderMode, togglesOf, ValueDefinition, valueOf, Values } from '../common/values';
import { BuildNamespace, podSecurityLabels } from './build-namespace';
import { drainSeconds, gracefulStopHook, SHUTDOWN_MARGIN_SECONDS } from './graceful-stop';
import { buildPodTrust, CaBundle, caEnv, caFile, caMount, caVolume, ResolvedCaBundle, resolveCaBundle } from './ca-bundle';
import { proxyEgress, proxyEnv, proxyJobVariable, ProxyOptions, proxyVariables, ResolvedProxy, resolveProxy, serverHost } from './proxy';
import { RunnerConfigToml, RunnerEntryToml } from './config/model';
import { ForeignMarker, MARKER_SYNTAX, scanMarkers, secretPlaceholder } from './config/markers';
import { mergeRaw, RawConfig, rawConflicts, resolveRawConfig } from './config/raw-config';
import { checkTable, RUNNER_KEYS_VERSION } from './config/runner-keys';
import { toToml } from './config/serialize';
import { DindRunnerOptions, dindRunnerOptions, ImageBuilderRunnerOptions, imageBuilderRunnerOptions, PROFILE_DEFAULTS } from './profiles';
import { Runner, RunnerOptions } from './runner';

/** GitLab Runner log levels (`log_level`). */
export type LogLevel = 'panic' | 'fatal' | 'error' | 'warning' | 'info' | 'debug';
/** GitLab Runner log formats (`log_format`). */
export type LogFormat = 'runner' | 'text' | 'json';

/**
 * Props of a {@link GitLabRunnerManager}. Placement, pod metadata, extra env and volumes and pull
 * secrets of the manager's pods are the {@link PodOptions}.
 */
export interface GitLabRunnerManagerProps extends PodOptions {
  /** URL of the GitLab instance, e.g. `https://gitlab.com`. https only, unless `allowInsecureHttp`. */
  readonly gitlabUrl: string;
  /**
   * Accept an `http://` GitLab URL. The runner token then crosses the network in clear text.
   * @default false
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * Resource name of the manager's objects (StatefulSet, ServiceAccount, ConfigMap, …) and prefix
   * of those in build namespaces. Independent of the construct id, so refactoring the construct
   * tree never renames objects or changes a selector.
   * @default 'gitlab-runner'
   */
  readonly name?: string;
  /**
   * Namespace of the manager.
   * @default 'gitlab-runner'
   */
  readonly namespace?: string;
  /**
   * Emit Namespace objects (the manager's, enforcing Pod Security "restricted", and each build
   * namespace). Turn off when namespaces are managed elsewhere.
   * @default true
   */
  readonly createNamespaces?: boolean;
  /**
   * Build namespace of runners that name none.
   * @default - `<name>-builds`
   */
  readonly defaultBuildNamespace?: string;
  /**
   * The gitlab-runner image, pinned by tag or digest.
   * @default 'gitlab/gitlab-runner:alpine-v18.9.0'
   */
  readonly image?: string;
  /**
   * Manager replicas. Each replica gets its own stable runner system ID. With more than one, a
   * PodDisruptionBudget lets a drain evict one replica at a time, and the replicas spread over
   * nodes (see `topologySpreadConstraints`). One replica has no budget: a drain evicts it and waits
   * for it to stop, up to its terminationGracePeriodSeconds, while no job is picked up. As a Helm
   * value, the budget and the spread are always there (neither holds back a single replica).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Most jobs all runners of this manager run at once (`concurrent`).
   * @default 10
   */
  readonly concurrent?: number;
  /**
   * How often runners ask GitLab for new jobs (`check_interval`).
   * @default Duration.seconds(3)
   */
  readonly checkInterval?: Duration;
  /**
   * `log_level`.
   * @default 'info'
   */
  readonly logLevel?: LogLevel;
  /**
   * `log_format`: json suits cluster log pipelines.
   * @default 'json'
   */
  readonly logFormat?: LogFormat;
  /**
   * How long the runner may take to abort jobs and delete their pods once Kubernetes sends
   * SIGTERM (`shutdown_timeout`). The last `shutdownTimeout` + 15 s of `drainTimeout` are kept
   * for this, so Kubernetes never kills the runner mid-cleanup and leaves orphaned build pods.
   * @default Duration.seconds(30)
   */
  readonly shutdownTimeout?: Duration;
  /**
   * How long a stopping manager pod (rollout, upgrade, node drain) may take in all: the pod's
   * `terminationGracePeriodSeconds`, as the official chart's 3600. A preStop hook sends the
   * runner SIGQUIT, so it stops asking GitLab for jobs and lets the running ones finish; once
   * they have, the pod is gone. Jobs still running when only `shutdownTimeout` + 15 s are left
   * get SIGTERM: the runner aborts them and deletes their pods within `shutdownTimeout`.
   * At least `shutdownTimeout` + 15 s (that value: no draining, jobs are aborted at once).
   * @default Duration.hours(1)
   */
  readonly drainTimeout?: Duration;
  /**
   * How long the manager reuses a connection to GitLab before opening a new one
   * (`connection_max_age`); shorter spreads managers over GitLab's nodes behind a load balancer
   * sooner. Whole seconds, at least 1 s.
   * @default - the runner's default, 15 minutes (the key is left out)
   */
  readonly connectionMaxAge?: Duration;
  /**
   * Manager container requests and limits.
   * @default - cpu 100m/500m, memory 128Mi/256Mi (request/limit)
   */
  readonly resources?: Resources;
  /**
   * Emit a headless Service exposing Prometheus metrics on port 9252. The listener itself is
   * always on: the probes use it.
   * @default true
   */
  readonly metricsService?: boolean;
  /**
   * Emit NetworkPolicies: the manager accepts only metrics scrapes and may reach only DNS,
   * GitLab and the API server; build namespaces deny all ingress.
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * Annotations on the manager's ServiceAccount: how a keyless cache gets its cloud identity,
   * e.g. `eks.amazonaws.com/role-arn` (EKS IRSA) or `iam.gke.io/gcp-service-account` (GKE
   * Workload Identity). The manager is the one that signs cache URLs.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * Mixed into every replica's runner system ID. Set it (e.g. to a cluster name) when the same
   * manifests, with the same tokens, run in several clusters, so their managers stay apart in GitLab.
   * @default - `<namespace>/<name>`
   */
  readonly systemIdSeed?: string;
  /**
   * A private CA the runner trusts, from a Secret or ConfigMap you create in the manager's
   * namespace: mounted into the manager, named by every runner's `tls-ca-file` (GitLab) and by
   * `SSL_CERT_DIR` (the runner's other HTTPS clients); with `trustInBuildPods`, also mounted in
   * build pods for the cache endpoint and job tools.
   * @default - the image's system certificates only
   */
  readonly caBundle?: CaBundle;
  /**
   * An HTTP(S) proxy the manager reaches GitLab through: `HTTP(S)_PROXY`/`NO_PROXY` in both
   * cases, the proxy's ports opened by a NetworkPolicy of its own; optionally passed to jobs.
   * NO_PROXY always keeps the API server, in-cluster Services and the cache endpoints direct.
   * @default - no proxy
   */
  readonly proxy?: ProxyOptions;
  /**
   * The escape hatch: config.toml keys no prop covers, merged into the global table, e.g.
   * `{ sentry_dsn: 'https://…' }`. Checked like a runner's `rawConfig`: keys gitlab-runner
   * defines, of their TOML type, none a prop or the library sets. Same as
   * {@link GitLabRunnerManager.addRawConfig}.
   * @default - none
   */
  readonly rawConfig?: RawConfig;
}

/** Defaults of {@link GitLabRunnerManagerProps}, in one place. */
export const MANAGER_DEFAULTS = {
  /** Default `name`. */
  name: 'gitlab-runner',
  /** Default `namespace`. */
  namespace: 'gitlab-runner',
  /** Default `image`. */
  image: 'gitlab/gitlab-runner:alpine-v18.9.0',
  /** Default `replicas`. */
  replicas: 1,
  /** Default `concurrent`. */
  concurrent: 10,
  /** Default `checkInterval`. */
  checkInterval: Duration.seconds(3),
  /** Default `logLevel`. */
  logLevel: 'info' as LogLevel,
  /** Default `logFormat`. */
  logFormat: 'json' as LogFormat,
  /** Default `shutdownTimeout`. */
  shutdownTimeout: Duration.seconds(30),
  /** Default `drainTimeout`: the official chart's terminationGracePeriodSeconds. */
  drainTimeout: Duration.hours(1),
  /** Default `resources`. */
  resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '128Mi', limit: '256Mi' } } as Resources,
};

/** The manager's metrics and probe port. */
export const METRICS_PORT = 9252;
/** The gitlab-runner images' unprivileged user and group (as the official chart runs them). */
const RUNNER_UID = 100;
const RUNNER_GID = 65533;

const CONFIG_DIR = '/etc/gitlab-runner';
const TEMPLATE_DIR = '/opt/cdk8s-gitlab-runner';
const SECRETS_DIR = '/run/secrets/gitlab-runner';
const TEMPLATE_FILE = 'config.template.toml';
// Secret files the runner process reads itself (a cache's key file), apart from the init
// container's secrets.
const SECRET_FILES_DIR = '/run/secrets/gitlab-runner-files';
const RENDER_SCRIPT_FILE = 'render-config.sh';
const NO_MARKER_SYNTAX = 'must not hold the library\'s marker syntax (@@secret:, @@value:, @@if:, @@endif@@): config.toml placeholders are filled in with Secret values at pod start, so such text could hand a runner token to every job';
const RENDER_SCRIPT = fs.readFileSync(path.join(__dirname, RENDER_SCRIPT_FILE), 'utf8');

/**
 * A GitLab Runner manager with the Kubernetes executor: a StatefulSet running `gitlab-runner run`
 * with least-privilege RBAC in each build namespace, and a config.toml built from typed runner
 * entries. Add runners with {@link addRunner}.
 *
 * Runner tokens and other secrets are only referenced: an init container renders config.toml
 * into an in-memory volume from Secret files at pod start, and writes a per-replica system ID so
 * a restart does not register a new runner manager in GitLab.
 *
 * @example
 * const manager = new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.com' });
 * manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } });
 */
export class GitLabRunnerManager extends Construct {
  /** Resource name of the manager's objects. */
  public readonly name: string;
  /** The manager's namespace. */
  public readonly namespace: string;
  /** The manager's ServiceAccount name. */
  public readonly serviceAccountName: string;
  /** The GitLab URL every runner talks to. */
  public readonly gitlabUrl: string;
  /** The gitlab-runner image. */
  public readonly image: string;
  /** The runner version parsed from the image tag, when it has one. */
  public readonly runnerVersion?: string;
  /** The ConfigMap holding the config.toml template and its render script. */
  public readonly configMap: k8s.KubeConfigMap;
  /** The manager workload. */
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** Labels on every object of this manager. */
  public readonly labels: Record<string, string>;
  /** The headless metrics Service, unless `metricsService` is false. */
  public readonly metricsService?: k8s.KubeService;
  /**
   * The NetworkPolicy opening egress to the `proxy` (`<name>-proxy`): an object of its own
   * (NetworkPolicies add up), so a Helm toggle can drop it whole. Absent without a proxy port.
   */
  public readonly proxyEgressPolicy?: k8s.KubeNetworkPolicy;
  /** The PodDisruptionBudget, with more than one replica. */
  public readonly podDisruptionBudget?: k8s.KubePodDisruptionBudget;

  private readonly props: GitLabRunnerManagerProps;
  private readonly defaultBuildNamespace: string;
  private readonly createNamespaces: boolean;
  private readonly networkPolicies: boolean;
  private readonly runnerList: Runner[] = [];
  private readonly buildNamespaceMap = new Map<string, BuildNamespace>();
  private readonly secretKeys = new Map<string, ResolvedSecretKey>();
  private readonly secretFiles = new Map<string, ResolvedSecretKey>();
  private readonly global: Omit<RunnerConfigToml, 'runners'>;
  private readonly shutdownSeconds: number;
  private readonly drainSeconds: number;
  private readonly caBundle?: ResolvedCaBundle;
  private readonly proxy?: ResolvedProxy;
  private readonly resources: Resources;
  private readonly podOptions: ResolvedPodOptions;
  private raw?: RawConfig;

  constructor(scope: Construct, id: string, props: GitLabRunnerManagerProps) {
    super(scope, id);
    readable(this, props);
    if (props === null || typeof props !== 'object') {
      invalid(this, 'props', props, 'must be an object with at least gitlabUrl, e.g. { gitlabUrl: "https://gitlab.com" }');
    }
    this.props = props;
    ensureUniqueObjects(this);
    // At most 52: StatefulSet pods carry the label controller-revision-hash=<name>-<hash> (63 max).
    this.name = v.dnsLabel(this, 'name', props.name ?? MANAGER_DEFAULTS.name, 52);
    this.namespace = v.dnsLabel(this, 'namespace', props.namespace ?? MANAGER_DEFAULTS.namespace);
    this.defaultBuildNamespace = v.dnsLabel(this, 'defaultBuildNamespace', props.defaultBuildNamespace ?? `${this.name}-builds`);
    this.gitlabUrl = v.gitlabUrl(this, 'gitlabUrl', props.gitlabUrl, optionalBoolean(this, 'allowInsecureHttp', props.allowInsecureHttp) ?? false);
    this.image = v.pinnedImage(this, 'image', props.image ?? MANAGER_DEFAULTS.image, MANAGER_DEFAULTS.image, ['alpine', 'ubuntu']);
    // From the default when the image is a Helm value: a label, not behaviour.
    this.runnerVersion = /:(?:[a-z0-9]+-)?v(\d+\.\d+\.\d+)/.exec(concrete(this.image))?.[1];
    this.serviceAccountName = this.name;
    this.createNamespaces = optionalBoolean(this, 'createNamespaces', props.createNamespaces) ?? true;
    claim(this, { kind: 'namespace', key: concrete(this.namespace), use: 'manager', value: this.namespace, field: 'namespace' });
    if (this.createNamespaces) {
      v.ownNamespace(this, 'namespace', this.namespace, 'a Namespace object emitted for it would take it over (and pruning it would delete the namespace): use a namespace of your own, or set createNamespaces: false');
    }
    this.networkPolicies = optionalBoolean(this, 'networkPolicies', props.networkPolicies) ?? true;
    this.resources = resolveResources(this, 'resources', props.resources, MANAGER_DEFAULTS.resources);
    this.shutdownSeconds = v.noValue(this, 'shutdownTimeout',
      v.seconds(this, 'shutdownTimeout', props.shutdownTimeout ?? MANAGER_DEFAULTS.shutdownTimeout, 1),
      'the preStop hook\'s reserve and the least drainTimeout are computed from it');
    this.caBundle = resolveCaBundle(this, props.caBundle);
    this.proxy = resolveProxy(this, props.proxy);
    this.drainSeconds = drainSeconds(this, props.drainTimeout ?? MANAGER_DEFAULTS.drainTimeout, this.shutdownSeconds + SHUTDOWN_MARGIN_SECONDS);
    this.global = {
      concurrent: v.integer(this, 'concurrent', props.concurrent ?? MANAGER_DEFAULTS.concurrent, 1),
      check_interval: v.seconds(this, 'checkInterval', props.checkInterval ?? MANAGER_DEFAULTS.checkInterval, 1),
      log_level: v.oneOf(this, 'logLevel', props.logLevel ?? MANAGER_DEFAULTS.logLevel, ['panic', 'fatal', 'error', 'warning', 'info', 'debug']),
      log_format: v.oneOf(this, 'logFormat', props.logFormat ?? MANAGER_DEFAULTS.logFormat, ['runner', 'text', 'json']),
      listen_address: `:${METRICS_PORT}`,
      shutdown_timeout: this.shutdownSeconds,
      connection_max_age: connectionMaxAge(this, props.connectionMaxAge),
    };
    const replicas = v.integer(this, 'replicas', props.replicas ?? MANAGER_DEFAULTS.replicas, 1);
    if (props.systemIdSeed !== undefined && (typeof props.systemIdSeed !== 'string' || props.systemIdSeed === '')) {
      invalid(this, 'systemIdSeed', props.systemIdSeed, 'must be a non-empty string, e.g. the cluster name');
    }
    if (props.systemIdSeed !== undefined) v.envValue(this, 'systemIdSeed', props.systemIdSeed);

    this.labels = standardLabels({ name: 'gitlab-runner', instance: this.name, component: 'manager', version: this.runnerVersion });
    const meta = { namespace: this.namespace, labels: this.labels };

    if (this.createNamespaces) {
      new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: this.namespace, labels: { ...this.labels, ...podSecurityLabels('restricted') } },
      });
    }

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { ...meta, name: this.serviceAccountName, annotations: v.nonEmptyMap(v.annotations(this, 'serviceAccountAnnotations', props.serviceAccountAnnotations)) },
      // The executor calls the Kubernetes API with this identity.
      automountServiceAccountToken: true,
    });

    this.configMap = new k8s.KubeConfigMap(this, 'Config', {
      metadata: { ...meta, name: this.name },
      data: {
        [TEMPLATE_FILE]: Lazy.any({ produce: () => this.configToml() }),
        [RENDER_SCRIPT_FILE]: RENDER_SCRIPT,
        // Sourced by the script: what a Secret value may be, shared with provision-bucket.sh.
        [SECRET_VALUE_SCRIPT_FILE]: SECRET_VALUE_SCRIPT,
      },
    });

    this.statefulSet = new k8s.KubeStatefulSet(this, 'StatefulSet', {
      metadata: { ...meta, name: this.name },
      spec: Lazy.any({ produce: () => this.withPodOptions(this.statefulSetSpec(replicas)) }),
    });
    // Checked against the pod the library builds: names it owns (env, volumes, mounts, labels)
    // are read from the template itself.
    const selector = selectorLabels({ name: 'gitlab-runner', instance: this.name, component: 'manager' });
    this.podOptions = resolvePodOptions(this, props, ownedPodParts(this.statefulSetSpec(replicas).template, 'gitlab-runner', replicas, selector));
    // Replicas as a Helm value may be set above one: the budget is then always there (at one
    // replica, maxUnavailable 1 never holds a drain back).
    if (valueOf(replicas) !== undefined || concrete(replicas) > 1) {
      // One replica at a time: the others keep taking jobs while the evicted one drains.
      this.podDisruptionBudget = new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata: { ...meta, name: this.name },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }

    if (optionalBoolean(this, 'metricsService', props.metricsService) ?? true) {
      this.metricsService = new k8s.KubeService(this, 'MetricsService', {
        metadata: { ...meta, name: this.name },
        spec: {
          clusterIp: 'None',
          selector: selectorLabels({ name: 'gitlab-runner', instance: this.name, component: 'manager' }),
          ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }],
        },
      });
    }

    if (this.networkPolicies) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { ...meta, name: this.name },
        spec: this.networkPolicySpec(),
      });
      const proxyEgressRules = proxyEgress(this.proxy);
      if (proxyEgressRules.length) {
        this.proxyEgressPolicy = new k8s.KubeNetworkPolicy(this, 'ProxyEgress', {
          metadata: { ...meta, name: `${this.name}-proxy` },
          spec: { podSelector: this.managerSelector(), policyTypes: ['Egress'], egress: proxyEgressRules },
        });
        // Proxy URLs that are Helm values may be left empty: the chart then opens no port.
        const urls = [this.proxy!.httpsProxy, this.proxy!.httpProxy].filter((u) => u !== undefined);
        if (urls.every((u) => valueOf(u) !== undefined)) Values.of(this).when(this.proxyEgressPolicy, urls);
      }
    }

    this.node.addValidation({
      validate: () => (this.runnerList.length === 0
        ? [validationMessage('runners', [], 'a manager needs at least one runner: call addRunner(name, { token: { secretName } })')]
        : []),
    });
    // At synth, when every runner and cache has added its part of config.toml: one check of
    // every string that reaches it, whichever prop it came from.
    this.node.addValidation({ validate: () => this.refuseForeignMarkers() });
    if (props.rawConfig !== undefined) this.mergeRawConfig('rawConfig', props.rawConfig);
    this.node.addValidation({ validate: () => rawConflicts('rawConfig', this.global, this.raw) });
    // Every key of the whole config.toml, the library's own included, is one gitlab-runner defines.
    this.node.addValidation({ validate: () => this.unknownKeys() });
  }

  /**
   * The escape hatch ({@link GitLabRunnerManagerProps.rawConfig}): merges config.toml keys no prop
   * covers into the global table, checked against the keys gitlab-runner defines.
   *
   * @example
   * manager.addRawConfig({ sentry_dsn: 'https://key@sentry.example.com/1' });
   */
  public addRawConfig(raw: RawConfig): this {
    return this.mergeRawConfig('addRawConfig()', raw);
  }

  private mergeRawConfig(field: string, raw: RawConfig): this {
    const resolved = resolveRawConfig(this, field, '', raw);
    const twice = rawConflicts(field, this.raw ?? {}, resolved)[0];
    if (twice) invalid(this, field, raw, `sets a key an earlier rawConfig or addRawConfig() already set (${twice})`);
    this.raw = mergeRaw(this.raw ?? {}, resolved);
    return this;
  }

  private unknownKeys(): string[] {
    return checkTable('', concreteDeep(this.toConfigModel())).map((p) =>
      validationMessage(`config.toml key ${p.path.join('.')}`, p.value, `${p.message} (the library wrote it: please report this; gitlab-runner ${RUNNER_KEYS_VERSION} would ignore it)`));
  }

  /**
   * Adds a runner: one `[[runners]]` entry with the Kubernetes executor, whose build pods run in
   * its build namespace (created on first use, with the executor Role bound to this manager).
   * @param name The runner's name in config.toml and in GitLab; unique within this manager.
   */
  public addRunner(name: string, options: RunnerOptions): Runner {
    if (options === null || typeof options !== 'object') {
      invalid(this, `addRunner("${name}") options`, options, 'must be an object with at least a token, e.g. { token: { secretName: "gitlab-runner-token" } }');
    }
    // A getter that throws is reported under the field it guards, at the path the runner will have.
    readable({ node: { path: `${this.node.path}/${name}` } } as unknown as Construct, options);
    if (typeof name !== 'string') {
      invalid(this, 'addRunner() name', name, 'must be a string: a DNS-1123 label unique among the manager\'s runners');
    }
    if (this.runnerList.some((r) => r.runnerName === name)) {
      invalid(this, 'addRunner() name', name, `must be unique within the manager; already used: ${this.runnerList.map((r) => r.runnerName).join(', ')}`);
    }
    // The name is also the construct id: let the Runner validate it, but report what constructs
    // itself rejects (an empty id, a clash with another child) against the manager. Anything else
    // the Runner could not read in its options is reported against the runner, never the name.
    const before = this.node.tryFindChild(name);
    const runner = withContext(this, 'addRunner() name', name, 'must be a DNS-1123 label unique among the manager\'s children', () => {
      try {
        return new Runner(this, name, options, {
          gitlabUrl: this.gitlabUrl,
          managerNamespace: this.namespace,
          defaultBuildNamespace: this.defaultBuildNamespace,
          useBuildNamespace: (r) => this.buildNamespace(r).buildServiceAccount,
          secretPlaceholder: (ref) => this.secretPlaceholder(ref),
          secretFile: (ref) => this.secretFile(ref),
        });
      } catch (e) {
        const added = this.node.tryFindChild(name);
        if (e instanceof ConfigError || added === undefined || added === before) throw e;
        throw new ConfigError(added.node.path, `addRunner("${name}") options`, '(unreadable)',
          `must be RunnerOptions whose every field can be read and has its documented type (${(e as Error).message})`);
      }
    });
    this.runnerList.push(runner);
    return runner;
  }

  /**
   * Adds a privileged Docker-in-Docker runner whose build pods run only on `nodePool` (which
   * nothing else may tolerate), in a build namespace of their own that enforces Pod Security
   * "privileged", with the DinD TLS certificates volume (`docker-certs`, in memory, at
   * `/certs/client`). Restrict it with `allowedImages` and `allowedServices`.
   */
  public addDindRunner(name: string, options: DindRunnerOptions): Runner {
    if (options === null || typeof options !== 'object') {
      invalid(this, `addDindRunner("${name}") options`, options, 'must be an object with at least a token and a nodePool');
    }
    if (options.buildNamespace === undefined) this.derivedNamespace(PROFILE_DEFAULTS.dind.buildNamespaceSuffix, 'addDindRunner()');
    return this.addRunner(name, dindRunnerOptions(this.name, options));
  }

  /**
   * Adds an unprivileged runner for rootless image builds (BuildKit or Buildah), in a build
   * namespace of its own, with registry credentials mounted from Secrets of that namespace.
   */
  public addImageBuilderRunner(name: string, options: ImageBuilderRunnerOptions): Runner {
    // The runner does not exist yet: report option errors under the path it will have.
    const scope = { node: { path: `${this.node.path}/${name}` } } as unknown as Construct;
    if (options === null || typeof options !== 'object') {
      invalid(this, `addImageBuilderRunner("${name}") options`, options, 'must be an object with at least a token');
    }
    if (options.buildNamespace === undefined) this.derivedNamespace(PROFILE_DEFAULTS.imageBuilder.buildNamespaceSuffix, 'addImageBuilderRunner()');
    return this.addRunner(name, imageBuilderRunnerOptions(scope, this.name, options));
  }

  /**
   * A profile's default build namespace is `<name><suffix>`: when that is too long, the fault is
   * the `name` the user wrote, not a namespace they never wrote.
   */
  private derivedNamespace(suffix: string, profile: string): void {
    const max = 63 - suffix.length;
    if (concrete(this.name).length > max) {
      invalid(this, 'name', this.name, `must be at most ${max} characters for the default build namespace "<name>${suffix}" of ${profile} (a DNS-1123 label of at most 63 characters); or give that runner a buildNamespace`);
    }
  }

  /**
   * Admits `peers` (e.g. Prometheus pods) to the metrics port through a NetworkPolicy of their
   * own, `<name>-metrics-scrape`, emitted under `scope` so that whatever switches `scope` off (a
   * Helm toggle) drops it too. Returns nothing when this manager emits no NetworkPolicies.
   */
  public allowMetricsScrapeFrom(scope: Construct, id: string, peers: k8s.NetworkPolicyPeer[]): k8s.KubeNetworkPolicy | undefined {
    if (!this.networkPolicies) return undefined;
    return new k8s.KubeNetworkPolicy(scope, id, {
      metadata: { namespace: this.namespace, name: `${this.name}-metrics-scrape`, labels: this.labels },
      spec: {
        podSelector: { matchLabels: selectorLabels({ name: 'gitlab-runner', instance: this.name, component: 'manager' }) },
        policyTypes: ['Ingress'],
        ingress: [{ from: peers, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(METRICS_PORT) }] }],
      },
    });
  }

  /** The runners added so far. */
  public get runners(): readonly Runner[] {
    return [...this.runnerList];
  }

  /** The build namespaces runners use so far. */
  public get buildNamespaces(): readonly BuildNamespace[] {
    return [...this.buildNamespaceMap.values()];
  }

  /**
   * Registers a Secret key that config.toml needs, mounts it into the init container, and returns
   * the placeholder to put in the config model; the init container swaps in the value at pod start.
   */
  public secretPlaceholder(ref: ResolvedSecretKey): string {
    const slot = `${ref.secretName}/${ref.key}`;
    this.secretKeys.set(slot, ref);
    return secretPlaceholder(slot);
  }

  /**
   * Mounts a Secret key read-only into the manager container (a file the runner reads itself,
   * such as a GCS key file) and returns its path there.
   */
  public secretFile(ref: ResolvedSecretKey): string {
    const slot = `${ref.secretName}/${ref.key}`;
    this.secretFiles.set(slot, ref);
    return `${SECRET_FILES_DIR}/${slot}`;
  }

  /** The complete config.toml model. */
  public toConfigModel(): RunnerConfigToml {
    const entries = this.runnerList.map((r) => r.toToml());
    const hosts = cacheHosts(entries);
    return { ...mergeRaw(this.global, this.raw), runners: entries.map((entry, i) => this.withManagerSettings(this.runnerList[i], entry, hosts)) };
  }

  /** A runner's entry with what the manager's `caBundle` and `proxy` add to every runner. */
  private withManagerSettings(runner: Runner, entry: RunnerEntryToml, hosts: readonly string[]): RunnerEntryToml {
    const env: Array<[string, string, string]> = [];
    let out = entry;
    if (this.caBundle) {
      out = { ...out, 'tls-ca-file': caFile(this.caBundle) };
      if (this.caBundle.trustInBuildPods) {
        const trust = buildPodTrust(this.caBundle);
        const volumes = out.kubernetes.volumes ?? {};
        const taken = [...(volumes.empty_dir ?? []), ...(volumes.secret ?? []), ...(volumes.config_map ?? [])]
          .find((vol) => concrete(vol.mount_path).replace(/\/+$/, '') === (trust.secret ?? trust.configMap)!.mount_path);
        if (taken) invalid(runner, 'volumes', concrete(taken.mount_path), `must not mount at ${(trust.secret ?? trust.configMap)!.mount_path}: the manager's caBundle.trustInBuildPods mounts the CA bundle there`);
        out = {
          ...out,
          kubernetes: {
            ...out.kubernetes,
            volumes: {
              ...volumes,
              secret: trust.secret ? [...(volumes.secret ?? []), trust.secret] : volumes.secret,
              config_map: trust.configMap ? [...(volumes.config_map ?? []), trust.configMap] : volumes.config_map,
            },
          },
        };
        const at = trust.environment.indexOf('=');
        env.push([trust.environment.slice(0, at), trust.environment.slice(at + 1), 'caBundle.trustInBuildPods']);
      }
    }
    if (this.proxy?.passToJobs) {
      for (const [name, value] of proxyVariables(this.proxy, hosts, true)) env.push([name, value, 'proxy.passToJobs']);
    }
    // With Helm values (passToJobs, the URLs), each variable is a line of its own in config.toml,
    // there while passToJobs is on and its URL set (proxyJobVariable).
    const line = (name: string, value: string, prop: string) => (prop === 'proxy.passToJobs' ? proxyJobVariable(this.proxy!, name, value) : `${name}=${value}`);
    if (env.length === 0) return out;
    for (const [name, , prop] of env) {
      const own = (out.environment ?? []).find((e) => e.startsWith(`${name}=`));
      if (own !== undefined) invalid(runner, `environment.${name}`, own.slice(name.length + 1), `is set by the manager's ${prop}: set it in one place`);
    }
    return { ...out, environment: [...(out.environment ?? []), ...env.map(([name, value, prop]) => line(name, value, prop))] };
  }

  /**
   * Throws a {@link ConfigError} for the first string of config.toml holding the library's marker
   * syntax where the library put none: render-config.sh would take a `@@secret:` there for a
   * placeholder (and the script refuses it at pod start too), the chart writer a `@@value:` for a
   * template expression.
   */
  private refuseForeignMarkers(): string[] {
    const scan = scanMarkers(this.toConfigModel());
    for (const found of scan.foreign) {
      const { scope, field, value } = this.origin(found);
      invalid(scope, field, value, NO_MARKER_SYNTAX);
    }
    // What a chart user sets reaches config.toml too: the chart refuses marker syntax at template
    // time, unless the value's schema (a pattern, an enum) already refuses it.
    for (const found of scan.helmValues) {
      const { scope, field, value } = this.origin(found);
      if (schemaAdmitsMarker(valueOf(value)!)) requireNotMatching(scope, field, value, MARKER_SYNTAX, NO_MARKER_SYNTAX);
    }
    return [];
  }

  /** The construct and the prop a string of the config model came from, as the user wrote it. */
  private origin(found: ForeignMarker): { scope: Construct; field: string; value: string } {
    const [top, index, ...rest] = found.path;
    const runner = top === 'runners' && typeof index === 'number' ? this.runnerList[index] : undefined;
    if (!runner) return { scope: this, field: propName(found.path, found.isKey), value: found.text };
    if (rest[0] === 'url') return { scope: this, field: 'gitlabUrl', value: found.text };
    if (rest[0] === 'environment' && !found.isKey) {
      const at = found.text.indexOf('=');
      return { scope: runner, field: `environment.${found.text.slice(0, at)}`, value: found.text.slice(at + 1) };
    }
    const scope = rest[0] === 'cache' && runner.cache ? runner.cache : runner;
    return { scope, field: propName(rest[0] === 'kubernetes' ? rest.slice(1) : rest, found.isKey), value: found.text };
  }

  private configToml(): string {
    return toToml(this.toConfigModel(), this.runnerList.map((r) => ({ runner: togglesOf(r), cache: r.cache ? togglesOf(r.cache) : [] })), renderMode(this));
  }

  private buildNamespace(runner: Runner): BuildNamespace {
    const ns = runner.buildNamespace;
    // Pod Security applies per namespace: privileged build pods get a namespace of their own.
    // One rule per pair, so the chart holds it too when either namespace is a Helm value.
    const privileged = (r: Runner, other: Runner) => r.privileged
      ? `a privileged runner needs a build namespace of its own (Pod Security "privileged"); unprivileged runners build there: ${other.runnerName}`
      : `privileged runners build there (Pod Security "privileged"): ${other.runnerName}; unprivileged runners need another namespace`;
    for (const other of this.runnerList.filter((r) => r !== runner && r.privileged !== runner.privileged)) {
      requireDistinctNamespaces(runner, { field: 'buildNamespace', value: ns }, { field: 'buildNamespace', value: other.buildNamespace, scope: other },
        [privileged(runner, other), privileged(other, runner)], [other]);
    }
    let build = this.buildNamespaceMap.get(ns);
    if (!build) {
      build = new BuildNamespace(this, `BuildNamespace-${ns}`, {
        namespace: ns,
        managerName: this.name,
        managerNamespace: this.namespace,
        managerServiceAccount: this.serviceAccountName,
        labels: standardLabels({ name: 'gitlab-runner', instance: this.name, component: 'build', version: this.runnerVersion }),
        create: this.createNamespaces,
        networkPolicy: this.networkPolicies,
        podSecurity: runner.privileged ? 'privileged' : 'baseline',
      });
      this.buildNamespaceMap.set(ns, build);
    }
    return build;
  }

  private statefulSetSpec(replicas: number): k8s.StatefulSetSpec {
    const selector = selectorLabels({ name: 'gitlab-runner', instance: this.name, component: 'manager' });
    // Sorted so the volume and the init container's arguments do not depend on call order.
    const secrets = [...this.secretKeys.entries()].sort(([a], [b]) => concrete(a).localeCompare(concrete(b)));
    const secretNames = [...new Set(secrets.map(([, s]) => s.secretName))];
    const files = [...this.secretFiles.entries()].sort(([a], [b]) => concrete(a).localeCompare(concrete(b)));
    const configChecksum = contentHash({ template: this.configToml(), script: RENDER_SCRIPT, secretValue: SECRET_VALUE_SCRIPT });
    const restricted = restrictedContainerSecurityContext();

    return {
      replicas,
      serviceName: this.name,
      // Replicas are independent runners; no need to start them one by one.
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels: this.labels,
          annotations: { 'checksum/config': configChecksum },
        },
        spec: {
          serviceAccountName: this.serviceAccountName,
          automountServiceAccountToken: true,
          terminationGracePeriodSeconds: this.drainSeconds,
          securityContext: restrictedPodSecurityContext({ user: RUNNER_UID, group: RUNNER_GID, fsGroup: RUNNER_GID }),
          initContainers: [{
            name: 'render-config',
            image: this.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['/bin/sh', `${TEMPLATE_DIR}/${RENDER_SCRIPT_FILE}`],
            // The exact placeholder sites: the script fills in a secret there and nowhere else.
            args: [`${TEMPLATE_DIR}/${TEMPLATE_FILE}`, CONFIG_DIR, SECRETS_DIR, ...scanMarkers(this.toConfigModel()).sites.sort((a, b) => concrete(a).localeCompare(concrete(b)))],
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'SYSTEM_ID_SEED', value: this.props.systemIdSeed ?? `${this.namespace}/${this.name}` },
            ],
            resources: toResourceRequirements({ cpu: { request: '10m', limit: '100m' }, memory: { request: '16Mi', limit: '64Mi' } }),
            securityContext: restricted,
            volumeMounts: [
              { name: 'config-template', mountPath: TEMPLATE_DIR, readOnly: true },
              { name: 'runner-secrets', mountPath: SECRETS_DIR, readOnly: true },
              { name: 'config', mountPath: CONFIG_DIR },
            ],
          }],
          containers: [{
            name: 'gitlab-runner',
            image: this.image,
            imagePullPolicy: 'IfNotPresent',
            command: ['gitlab-runner'],
            args: ['run', '--config', `${CONFIG_DIR}/config.toml`, '--working-directory', '/home/gitlab-runner'],
            env: [
              { name: 'HOME', value: '/home/gitlab-runner' },
              ...caEnv(this.caBundle),
              ...proxyEnv(this.proxy, cacheHosts(this.runnerList.map((r) => r.toToml()))),
            ],
            ports: [{ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' }],
            // Jobs finish when the pod stops; the listener below answers until the process exits.
            lifecycle: gracefulStopHook(this.drainSeconds, this.shutdownSeconds + SHUTDOWN_MARGIN_SECONDS),
            // The metrics listener is served by the runner process itself: it answers only while
            // `gitlab-runner run` is alive and its HTTP server is not wedged.
            readinessProbe: {
              httpGet: { path: '/metrics', port: k8s.IntOrString.fromString('metrics') },
              periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3,
            },
            livenessProbe: {
              httpGet: { path: '/metrics', port: k8s.IntOrString.fromString('metrics') },
              initialDelaySeconds: 10, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3,
            },
            resources: toResourceRequirements(this.resources),
            securityContext: restricted,
            volumeMounts: [
              { name: 'config', mountPath: CONFIG_DIR },
              { name: 'home', mountPath: '/home/gitlab-runner' },
              { name: 'tmp', mountPath: '/tmp' },
              ...(this.caBundle ? [caMount(this.caBundle)] : []),
              ...(files.length ? [{ name: 'runner-files', mountPath: SECRET_FILES_DIR, readOnly: true }] : []),
            ],
          }],
          volumes: [
            { name: 'config-template', configMap: { name: this.name } },
            {
              name: 'runner-secrets',
              projected: {
                // 0440: readable by the pod's fsGroup, not by anyone else.
                defaultMode: 0o440,
                // Optional: a Secret of a part switched off (Helm toggle) may be absent. A key a
                // placeholder needs is checked by render-config, which names it when missing.
                sources: secretNames.map((secretName) => ({
                  secret: {
                    name: secretName,
                    optional: true,
                    items: secrets.filter(([, s]) => s.secretName === secretName)
                      .map(([slot, s]) => ({ key: s.key, path: slot })),
                  },
                })),
              },
            },
            // In memory: the rendered config.toml holds the tokens.
            { name: 'config', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('8Mi') } },
            { name: 'home', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
            { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('256Mi') } },
            ...(this.caBundle ? [caVolume(this.caBundle)] : []),
            ...(files.length ? [secretFilesVolume('runner-files', files)] : []),
          ],
        },
      },
    };
  }

  private withPodOptions(spec: k8s.StatefulSetSpec): k8s.StatefulSetSpec {
    return { ...spec, template: applyPodOptions(spec.template, this.podOptions, 'gitlab-runner') };
  }

  private networkPolicySpec(): k8s.NetworkPolicySpec {
    // From the default when the URL is a Helm value: egress also allows 443 and 6443 whatever it is.
    const gitlabPort = v.urlPort(concrete(this.gitlabUrl));
    // The API server's address differs per cluster (and is often outside the pod network), so
    // egress is limited by port: GitLab's, and 443/6443 for the API server.
    const egressPorts = [...new Set([gitlabPort, 443, 6443])].sort((a, b) => a - b);
    return {
      podSelector: this.managerSelector(),
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(METRICS_PORT) }] }],
      egress: [
        { ports: [{ protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) }] },
        { ports: egressPorts.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })) },
      ],
    };
  }

  private managerSelector(): k8s.LabelSelector {
    return { matchLabels: selectorLabels({ name: 'gitlab-runner', instance: this.name, component: 'manager' }) };
  }
}

/** Hosts of the runners' S3 cache endpoints, for NO_PROXY. */
function cacheHosts(entries: readonly RunnerEntryToml[]): string[] {
  return [...new Set(entries.flatMap((e) => (e.cache?.s3?.ServerAddress ? [serverHost(e.cache.s3.ServerAddress)] : [])))];
}

// Model maps whose keys are the user's own (labels, annotations, selectors), kept as written.
const USER_KEYED = new Set(['pod_annotations', 'pod_labels', 'node_selector', 'node_tolerations', 'feature_flags', 'items']);

/**
 * The prop a model path comes from: `pod_annotations` → `podAnnotations`, `BucketName` →
 * `bucketName`, array indexes as `[i]`, user keys as written (`podAnnotations.team`, or
 * `podAnnotations key` when the key itself is at fault).
 */
/** A projected volume of Secret keys, each at `<secret>/<key>`, readable by the pod's fsGroup only. */
function secretFilesVolume(name: string, files: Array<[string, ResolvedSecretKey]>): k8s.Volume {
  const secretNames = [...new Set(files.map(([, s]) => s.secretName))];
  return {
    name,
    projected: {
      defaultMode: 0o440,
      sources: secretNames.map((secretName) => ({
        // Optional, as the init container's: a Secret of a part switched off (Helm toggle) may be absent.
        secret: { name: secretName, optional: true, items: files.filter(([, s]) => s.secretName === secretName).map(([slot, s]) => ({ key: s.key, path: slot })) },
      })),
    },
  };
}

/** Whether a Helm value's schema lets a chart user set text holding the library's marker syntax. */
function schemaAdmitsMarker(def: ValueDefinition): boolean {
  const { pattern, enum: allowed } = def.schema as { pattern?: string; enum?: unknown[] };
  if (def.type !== 'string' || allowed) return false;
  return pattern === undefined || new RegExp(pattern, 'u').test(`${secretPlaceholder('x/y')}`) || new RegExp(pattern, 'u').test(`a${secretPlaceholder('x/y')}`);
}

function propName(path: ReadonlyArray<string | number>, isKey: boolean): string {
  let out = '';
  let userKey = false;
  path.forEach((segment, i) => {
    const last = i === path.length - 1;
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (userKey && last && isKey) out += ' key';
    else if (userKey) out += `.${segment}`;
    else out += `${out ? '.' : ''}${segment.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()).replace(/^[A-Z]/, (c) => c.toLowerCase())}`;
    userKey = typeof segment === 'string' && USER_KEYED.has(segment);
  });
  return out;
}

/**
 * `connection_max_age` as a Go duration string (`15m`): the runner would read a TOML integer as
 * nanoseconds. Undefined when unset, so the runner's default applies.
 */
function connectionMaxAge(scope: GitLabRunnerManager, value: Duration | undefined): string | undefined {
  if (value === undefined) return undefined;
  v.noValue(scope, 'connectionMaxAge', v.seconds(scope, 'connectionMaxAge', value, 1), 'config.toml holds it as a Go duration string (e.g. "15m"), which the chart does not compute');
  return v.goDuration(scope, 'connectionMaxAge', value, 1);
}
