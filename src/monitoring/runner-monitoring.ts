import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MinioCache } from '../cache/minio-cache';
import { invalid } from '../common/errors';
import { readable } from '../common/shape';
import { resolveSecretKey, SecretKeyReference } from '../common/secret-ref';
import { GitLabRunnerManager } from '../runner/gitlab-runner-manager';
import { ManagerPodMonitor } from './manager-pod-monitor';
import { MetricsScraper, ResolvedMetricsScraper, resolveScraper, scraperPeer } from './metrics-scraper';
import { MinioPodMonitor } from './minio-pod-monitor';
import { RunnerAlerts } from './runner-alerts';

/** Props of a {@link RunnerMonitoring}. */
export interface RunnerMonitoringProps {
  /** The runner manager to scrape and alert on. */
  readonly manager: GitLabRunnerManager;
  /**
   * An in-cluster MinIO cache to scrape and alert on.
   * @default - no cache monitoring
   */
  readonly cache?: MinioCache;
  /**
   * The Prometheus pods that scrape: the manager's and MinIO's NetworkPolicies admit them on the
   * metrics port only.
   * @default - namespace `monitoring`, pods labelled `app.kubernetes.io/name: prometheus`
   */
  readonly scraper?: MetricsScraper;
  /**
   * Labels on the PodMonitors and the PrometheusRule, so your Prometheus selects them
   * (kube-prometheus-stack selects `release: <its release name>` by default).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * How often Prometheus scrapes: whole seconds, 5 to 300.
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Emit the PrometheusRule with the alerts ({@link RunnerAlerts}).
   * @default true
   */
  readonly alerts?: boolean;
  /**
   * The bearer token Prometheus presents to MinIO (see {@link MinioPodMonitorProps.bearerToken}).
   * @default - `{ secretName: '<cache name>-prometheus', key: 'token' }`
   */
  readonly minioBearerToken?: SecretKeyReference;
}

/** Defaults of {@link RunnerMonitoringProps}, in one place. */
export const RUNNER_MONITORING_DEFAULTS = {
  /** Default `alerts`. */
  alerts: true,
};

/**
 * Prometheus monitoring of the stack with prometheus-operator: a PodMonitor for the runner
 * manager (port 9252) and one for a MinIO cache, NetworkPolicies that admit the scraper to each
 * on the metrics port only, and PrometheusRules with alerts ({@link RunnerAlerts}): the manager's
 * in its namespace, MinIO's in the cache's. Needs
 * prometheus-operator's CRDs in the cluster (this package ships them in `crds/`).
 *
 * @example
 * new RunnerMonitoring(chart, 'monitoring', {
 *   manager, cache,
 *   scraper: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
 *   labels: { release: 'kube-prometheus-stack' },
 * });
 */
export class RunnerMonitoring extends Construct {
  /** The manager's PodMonitor. */
  public readonly managerMonitor: ManagerPodMonitor;
  /** MinIO's PodMonitor, with a cache. */
  public readonly minioMonitor?: MinioPodMonitor;
  /** The runner manager's alerts, unless `alerts` is false. */
  public readonly alerts?: RunnerAlerts;
  /** MinIO's alerts (a PrometheusRule in the cache's namespace), with a cache, unless `alerts` is false. */
  public readonly minioAlerts?: RunnerAlerts;
  /** The scraper the NetworkPolicies admit. */
  public readonly scraper: ResolvedMetricsScraper;

  constructor(scope: Construct, id: string, props: RunnerMonitoringProps) {
    super(scope, id);
    readable(this, props);
    if (props === null || typeof props !== 'object') invalid(this, 'props', props, 'must be an object with at least the manager');
    if (props.cache !== undefined && !(props.cache instanceof MinioCache)) invalid(this, 'cache', props.cache, 'must be a MinioCache (external S3 and GCS are monitored by their providers)');
    if (props.alerts !== undefined && typeof props.alerts !== 'boolean') invalid(this, 'alerts', props.alerts, 'must be true or false');
    this.scraper = resolveScraper(this, 'scraper', props.scraper);
    // Checked here too, so a bad token is reported under the prop the user wrote.
    if (props.minioBearerToken !== undefined) resolveSecretKey(this, 'minioBearerToken', props.minioBearerToken, 'token');
    const peers = [scraperPeer(this.scraper)];
    this.managerMonitor = new ManagerPodMonitor(this, 'Manager', { manager: props.manager, labels: props.labels, interval: props.interval });
    props.manager.allowMetricsScrapeFrom(this.managerMonitor, 'NetworkPolicy', peers);
    if (props.cache) {
      this.minioMonitor = new MinioPodMonitor(this, 'Minio', { cache: props.cache, labels: props.labels, interval: props.interval, bearerToken: props.minioBearerToken });
      props.cache.allowMetricsScrapeFrom(this.minioMonitor, 'NetworkPolicy', peers);
    }
    if (props.alerts ?? RUNNER_MONITORING_DEFAULTS.alerts) {
      this.alerts = new RunnerAlerts(this, 'Alerts', {
        namespace: props.manager.namespace,
        name: `${props.manager.name}-alerts`,
        managerJob: this.managerMonitor.job,
        labels: { ...props.manager.labels, ...props.labels },
      });
      // Beside MinIO's PodMonitor, in a rule of its own: it goes when the cache goes.
      if (props.cache && this.minioMonitor) {
        this.minioAlerts = new RunnerAlerts(this, 'MinioAlerts', {
          namespace: props.cache.namespace,
          name: `${props.cache.name}-alerts`,
          minioJob: this.minioMonitor.job,
          labels: { ...props.cache.labels, ...props.labels },
        });
      }
    }
  }
}
