import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { HelmChart } from './helm/helm-chart';
import { podOptionValues } from './helm/pod-values';
import { proxyValues } from './runner/proxy-values';
import { dnsLabel } from './common/validate';
import { templateText, togglesOf, Values } from './common/values';
import { NODE_POOL_DEFAULTS } from './nodepool/node-pool';
import { PROFILE_DEFAULTS } from './runner/profiles';
import { CacheCredentials, GitLabRunnerManager, KarpenterNodePool, MANAGER_DEFAULTS, MINIO_CACHE_DEFAULTS, MinioCache, PROVISIONING_DEFAULTS, Resources, RUNNER_DEFAULTS, TaintedNodePool } from './index';
import { METRICS_SCRAPER_DEFAULTS } from './monitoring/metrics-scraper';
import { RunnerMonitoring } from './monitoring/runner-monitoring';

/** Props of the {@link ReferenceStack}. */
export interface ReferenceStackProps {
  /**
   * Add Prometheus monitoring (PodMonitors, scrape NetworkPolicies, alerts). It needs
   * prometheus-operator's CRDs, which not every cluster has: the plain output (dist/) leaves it
   * out, and the Helm chart holds it switched off (`monitoring.enabled: false`).
   * @default false
   */
  readonly monitoring?: boolean;
  /**
   * Bind the manager's proxy to `manager.proxy.*` values, all empty by default: the chart then
   * holds the proxy variables and the egress rule to the proxy while a proxy URL is set. The plain
   * output has no proxy.
   * @default false
   */
  readonly proxyValues?: boolean;
}

/**
 * The reference stack: one runner manager for gitlab.com with
 * - a default unprivileged runner whose build pods run in `gitlab-runner-builds` (Pod Security
 *   baseline), on any node;
 * - a privileged Docker-in-Docker runner whose build pods run only on a tainted Karpenter node
 *   pool that nothing else tolerates, in `gitlab-runner-privileged-builds` (Pod Security
 *   privileged), guarded in the cluster by a ValidatingAdmissionPolicy;
 * - an in-cluster MinIO (standalone) as both runners' distributed cache.
 *
 * Its props are bound to Helm values, so the same class synthesizes the plain manifests (the
 * defaults) and the Helm chart. Before applying, create the Secrets (README):
 *
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-token --from-literal=runner-token=glrt-…
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-dind-token --from-literal=runner-token=glrt-…
 *   kubectl -n gitlab-runner-cache create secret generic minio-root --from-literal=rootUser=… --from-literal=rootPassword=…
 *   kubectl -n gitlab-runner-cache create secret generic gitlab-runner-cache --from-literal=accesskey=… --from-literal=secretkey=…
 *   kubectl -n gitlab-runner create secret generic gitlab-runner-cache --from-literal=accesskey=… --from-literal=secretkey=…
 */
export class ReferenceStack extends Chart {
  public readonly manager: GitLabRunnerManager;
  public readonly cache: MinioCache;
  public readonly pool: TaintedNodePool;
  /** Monitoring, with `monitoring: true`. */
  public readonly monitoring?: RunnerMonitoring;

  constructor(scope: Construct, id: string, props: ReferenceStackProps = {}) {
    super(scope, id);
    const values = Values.of(this);
    // Release-aware: a second release in the same cluster sets its own prefix and namespace, and
    // every name it creates (namespaces, the pool, the guard) differs from the first one's.
    const prefix = values.string('namePrefix', { default: MANAGER_DEFAULTS.name, description: 'Name of the runner manager, and the prefix of the cache and privileged build namespaces' });
    // The longest name made from the prefix is the privileged build namespace: the schema holds
    // the prefix to what keeps that one a DNS label.
    dnsLabel(this, 'namePrefix', prefix, 63 - PROFILE_DEFAULTS.dind.buildNamespaceSuffix.length);
    const proxy = props.proxyValues ? proxyValues(values) : undefined;
    this.manager = new GitLabRunnerManager(this, 'manager', {
      name: prefix,
      namespace: values.string('namespace', { default: MANAGER_DEFAULTS.namespace, description: 'Namespace of the runner manager' }),
      gitlabUrl: values.string('gitlabUrl', { default: 'https://gitlab.com', description: 'URL of your GitLab instance (https)' }),
      concurrent: values.number('concurrent', { default: MANAGER_DEFAULTS.concurrent, description: 'Most jobs all runners run at once (concurrent)' }),
      checkInterval: Duration.seconds(values.number('checkInterval', { default: MANAGER_DEFAULTS.checkInterval.toSeconds(), description: 'Seconds between requests for new jobs (check_interval)' })),
      logLevel: values.string('logLevel', { default: MANAGER_DEFAULTS.logLevel, description: 'Runner log level (log_level)' }) as any,
      image: values.string('manager.image', { default: MANAGER_DEFAULTS.image, description: 'gitlab-runner image, pinned by tag or digest' }),
      resources: resourceValues(values, 'manager.resources', MANAGER_DEFAULTS.resources, 'Runner manager container'),
      replicas: values.number('manager.replicas', { default: MANAGER_DEFAULTS.replicas, description: 'Runner manager replicas; a PodDisruptionBudget evicts one at a time, and they spread over nodes' }),
      ...podOptionValues(values, 'manager', 'runner manager'),
      proxy,
      caBundle: {
        secretName: values.string('manager.caBundle.secretName', { default: '', description: 'Secret in the manager namespace holding a private CA bundle (PEM) the runner trusts for GitLab (tls-ca-file) and the cache; empty: the system CAs only' }),
        key: values.string('manager.caBundle.key', { default: 'ca.crt', description: 'Key of the CA bundle in that Secret' }),
      },
      drainTimeout: Duration.seconds(values.number('manager.drainTimeoutSeconds', { default: MANAGER_DEFAULTS.drainTimeout.toSeconds(), description: 'Seconds a stopping manager pod may take (terminationGracePeriodSeconds): running jobs finish (SIGQUIT), those left when shutdown_timeout + 15 s remain are aborted' })),
    });
    if (this.manager.metricsService) values.toggle(this.manager.metricsService, 'metrics.enabled', 'Emit the headless Service exposing Prometheus metrics on 9252');
    this.cache = new MinioCache(this, 'cache', {
      namespace: `${prefix}-cache`,
      rootCredentials: CacheCredentials.fromSecret('minio-root'),
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      bucketName: values.string('cache.bucketName', { default: MINIO_CACHE_DEFAULTS.bucketName, description: 'S3 bucket of the runner cache' }),
      expiry: Duration.days(values.number('cache.expiryDays', { default: MINIO_CACHE_DEFAULTS.expiry.toDays(), description: 'Days before cached archives expire (bucket lifecycle rule)' })),
      storageSize: values.string('cache.storageSize', { default: MINIO_CACHE_DEFAULTS.storageSize, description: 'Size of the MinIO volume' }),
      resources: resourceValues(values, 'cache.resources', MINIO_CACHE_DEFAULTS.resources, 'MinIO container'),
      // MinIO no longer publishes its images: a chart user points these at a mirror.
      image: values.string('cache.image', { default: MINIO_CACHE_DEFAULTS.image, description: 'MinIO server image, pinned by tag or digest (mirror it: MinIO no longer publishes images)' }),
      provisioning: { image: values.string('cache.provisioningImage', { default: PROVISIONING_DEFAULTS.image, description: 'mc image of the bucket provisioning Job, pinned by tag or digest' }) },
      // MinIO's pull secrets serve the provisioning Job too.
      ...podOptionValues(values, 'cache', 'MinIO'),
    });
    values.toggle(this.cache, 'cache.enabled', 'Run the in-cluster MinIO cache and wire the runners to it');
    this.manager.addRunner('default', runnerValues(values, 'default', 'gitlab-runner-token', 'gitlab-runner-builds')).useCache(this.cache);

    this.pool = new KarpenterNodePool(this, 'privileged-pool', {
      name: values.string('privileged.poolName', { default: NODE_POOL_DEFAULTS.name, description: 'Name of the privileged NodePool (cluster-scoped; its admission guard is <name>-guard)' }),
      taint: {
        key: values.string('privileged.taint.key', { default: 'dedicated', description: 'Taint key of the privileged node pool' }),
        value: values.string('privileged.taint.value', { default: 'gitlab-privileged-builds', description: 'Taint value of the privileged node pool (NoSchedule)' }),
        effect: 'NoSchedule',
      },
      nodeLabel: {
        key: values.string('privileged.label.key', { default: 'dedicated', description: 'Label key privileged build pods select the pool by' }),
        value: values.string('privileged.label.value', { default: 'gitlab-privileged-builds', description: 'Label value privileged build pods select the pool by' }),
      },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    });
    this.pool.addAdmissionGuard();
    const dind = this.manager.addDindRunner('dind', {
      token: { secretName: values.string('runners.dind.token.secretName', { default: 'gitlab-runner-dind-token', description: 'Secret holding the DinD runner\'s authentication token, in the manager namespace' }) },
      nodePool: this.pool,
      allowedServices: ['docker:*-dind'],
    }).useCache(this.cache);
    // One switch for everything privileged: the runner, its namespace (and Role), the pool, the guard.
    const privileged = 'Run the privileged Docker-in-Docker runner on its tainted node pool';
    values.toggle(dind, 'privileged.enabled', privileged);
    values.toggle(this.pool, 'privileged.enabled', privileged);
    values.toggle(this.manager.buildNamespaces.find((b) => b.namespace === dind.buildNamespace)!, 'privileged.enabled', privileged);

    if (props.monitoring) this.monitoring = this.addMonitoring(values);
  }

  /** Monitoring bound to `monitoring.*` values, switched off by default in the chart. */
  private addMonitoring(values: Values): RunnerMonitoring {
    const at = (p: string) => `monitoring.${p}`;
    const [scraperLabel, scraperValue] = Object.entries(METRICS_SCRAPER_DEFAULTS.podLabels)[0];
    const monitoring = new RunnerMonitoring(this, 'monitoring', {
      manager: this.manager,
      cache: this.cache,
      scraper: {
        namespace: values.string(at('scraper.namespace'), { default: METRICS_SCRAPER_DEFAULTS.namespace, description: 'Namespace of the Prometheus pods the NetworkPolicies admit to the metrics ports' }),
        podLabels: {
          [values.string(at('scraper.podLabel.key'), { default: scraperLabel, description: 'Label key of the Prometheus pods the NetworkPolicies admit' })]:
            values.string(at('scraper.podLabel.value'), { default: scraperValue, description: 'Label value of the Prometheus pods the NetworkPolicies admit' }),
        },
      },
      labels: {
        [values.string(at('selectorLabel.key'), { default: 'release', description: 'Label key on the PodMonitors and PrometheusRules your Prometheus selects them by' })]:
          values.string(at('selectorLabel.value'), { default: 'kube-prometheus-stack', description: 'Label value on the PodMonitors and PrometheusRules your Prometheus selects them by' }),
      },
    });
    values.toggle(monitoring, at('enabled'), 'Emit PodMonitors, scrape NetworkPolicies and alerts (needs prometheus-operator\'s CRDs)', { default: false });
    const alerts = 'Emit the PrometheusRules with the alerts';
    if (monitoring.alerts) values.toggle(monitoring.alerts, at('alerts.enabled'), alerts);
    if (monitoring.minioAlerts) values.toggle(monitoring.minioAlerts, at('alerts.enabled'), alerts);
    // MinIO's monitor and alerts go with the cache.
    const cache = 'Run the in-cluster MinIO cache and wire the runners to it';
    if (monitoring.minioMonitor) values.toggle(monitoring.minioMonitor, 'cache.enabled', cache);
    if (monitoring.minioAlerts) values.toggle(monitoring.minioAlerts, 'cache.enabled', cache);
    return monitoring;
  }

  /** What to do by hand around `kubectl apply`. */
  public nextSteps(): string[] {
    return this.pool.nextSteps();
  }
}

/** Requests and limits bound to `<prefix>.cpu.*` and `<prefix>.memory.*` values. */
function resourceValues(values: Values, prefix: string, defaults: Resources, what: string): Resources {
  const at = (p: string) => `${prefix}.${p}`;
  return {
    cpu: {
      request: values.string(at('cpu.request'), { default: defaults.cpu!.request!, description: `${what} CPU request` }),
      limit: values.string(at('cpu.limit'), { default: defaults.cpu!.limit!, description: `${what} CPU limit` }),
    },
    memory: {
      request: values.string(at('memory.request'), { default: defaults.memory!.request!, description: `${what} memory request` }),
      limit: values.string(at('memory.limit'), { default: defaults.memory!.limit!, description: `${what} memory limit` }),
    },
  };
}

/** A runner's options bound to `runners.<name>.*` values. */
function runnerValues(values: Values, name: string, secretName: string, buildNamespace: string) {
  const at = (p: string) => `runners.${name}.${p}`;
  const resources = (p: string, defaults: Resources, what: string): Resources => resourceValues(values, at(p), defaults, what);
  return {
    token: {
      secretName: values.string(at('token.secretName'), { default: secretName, description: `Secret holding runner "${name}"'s authentication token (glrt-…), in the manager namespace` }),
      key: values.string(at('token.key'), { default: 'runner-token', description: 'Key of the token in that Secret' }),
    },
    buildNamespace: values.string(at('buildNamespace'), { default: buildNamespace, description: `Namespace of runner "${name}"'s build pods` }),
    image: values.string(at('image'), { default: RUNNER_DEFAULTS.image, description: 'Default job image' }),
    pollTimeout: Duration.seconds(values.number(at('pollTimeout'), { default: RUNNER_DEFAULTS.pollTimeout.toSeconds(), description: 'Seconds to wait for a build pod to start (poll_timeout)' })),
    buildResources: resources('resources.build', RUNNER_DEFAULTS.buildResources, 'Build container'),
    helperResources: resources('resources.helper', RUNNER_DEFAULTS.helperResources, 'Helper container'),
  };
}

/**
 * Synthesizes the reference stack into `outdir` (default: CDK8S_OUTDIR, else `dist`) and
 * returns the next steps to do by hand.
 */
export function main(outdir?: string): string[] {
  // No construct-metadata.json (the cdk8s CLI asks for one when validations run): dist/ must hold
  // only manifests, or an Argo CD / Flux directory sync fails on it. Findings name objects anyway.
  const app = new App({ outdir, recordConstructMetadata: false });
  const stack = new ReferenceStack(app, 'gitlab-runner');
  app.synth();
  return stack.nextSteps();
}

/** Synthesizes the reference stack as the Helm chart `gitlab-runner-stack` into `outdir`. */
export function helm(outdir = path.join('charts', 'gitlab-runner-stack')): void {
  const app = new App({ outdir: path.join(outdir, '.unused') });
  const stack = new ReferenceStack(app, 'gitlab-runner', { monitoring: true, proxyValues: true });
  HelmChart.synth(app, outdir, {
    name: 'gitlab-runner-stack',
    version: '0.1.0',
    appVersion: stack.manager.runnerVersion ?? 'unknown',
    description: 'GitLab Runner on Kubernetes: runner manager, least-privilege RBAC, typed config.toml (generated by cdk8s-gitlab-runner)',
    notes: notes(stack),
  });
}

/**
 * NOTES.txt, from the constructs rather than a second copy: each Secret the stack reads, in its
 * namespace with its keys, under the toggles of the part that reads it.
 */
function notes(stack: ReferenceStack): string {
  const m = stack.manager;
  const when = (toggles: string[], lines: string[]) => (toggles.length
    ? [`{{- if ${toggles.length === 1 ? `.Values.${toggles[0]}` : `and ${toggles.map((t) => `.Values.${t}`).join(' ')}`} }}`, ...lines, '{{- end }}']
    : lines);
  const secret = (namespace: string, name: string, keys: Array<[string, string]>) =>
    `   kubectl -n ${namespace} create secret generic ${name} ${keys.map(([k, v]) => `--from-literal=${k}=${v}`).join(' ')}`;
  const cache = stack.cache;
  const root = cache.rootCredentials;
  const keys = cache.cacheCredentials;
  const cacheToggles = togglesOf(cache);
  const lines = [
    'GitLab Runner manager {{ .Release.Name }} is installed.',
    '',
    'Next steps:',
    '1. Create each runner in GitLab (Settings > CI/CD > Runners) and store its glrt- token:',
    ...m.runners.flatMap((r) => when(togglesOf(r), [secret(m.namespace, r.token.secretName, [[r.token.key, 'glrt-…']])])),
    ...when(cacheToggles, [
      '2. Create the MinIO cache\'s keys: its root user, and the bucket-scoped user the runners sign with',
      '   (the same keys in the cache\'s namespace and in the manager\'s):',
      secret(cache.namespace, root.secretName, [[root.accessKey.key, '…'], [root.secretKey.key, '…']]),
      ...[...new Set([cache.namespace, ...cache.clients.map((c) => c.managerNamespace)])]
        .map((ns) => secret(ns, keys.secretName, [[keys.accessKey.key, '…'], [keys.secretKey.key, '…']])),
    ]),
    ...(stack.monitoring?.minioMonitor ? when(togglesOf(stack.monitoring.minioMonitor), [
      '3. Give Prometheus a token for MinIO\'s metrics (`mc admin prometheus generate <alias>` prints bearer_token):',
      secret(cache.namespace, stack.monitoring.minioMonitor.bearerToken.secretName, [[stack.monitoring.minioMonitor.bearerToken.key, '<bearer_token>']]),
    ]) : []),
    'Then watch the manager start:',
    `   kubectl -n ${m.namespace} rollout status statefulset/${m.name}`,
  ];
  return `${templateText(lines.join('\n'))}\n`;
}

if (require.main === module) main();
