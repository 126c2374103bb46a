import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/podmonitors-monitoring.coreos.com';
import { invalid } from '../common/errors';
import { readable } from '../common/shape';
import { selectorLabels } from '../common/labels';
import * as v from '../common/validate';
import { GitLabRunnerManager } from '../runner/gitlab-runner-manager';

/** Props of a {@link ManagerPodMonitor}. */
export interface ManagerPodMonitorProps {
  /** The runner manager to scrape. */
  readonly manager: GitLabRunnerManager;
  /**
   * Labels on the PodMonitor, so your Prometheus selects it (kube-prometheus-stack selects
   * `release: <its release name>` unless told otherwise).
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * How often Prometheus scrapes: whole seconds, 5 to 300.
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
}

/** Default scrape interval of the monitors. */
export const SCRAPE_INTERVAL_DEFAULT = Duration.seconds(30);

/** Validated scrape interval, as prometheus-operator writes it (`30s`). */
export function scrapeInterval(scope: Construct, field: string, value: Duration | undefined): string {
  if (value !== undefined && !(value instanceof Duration)) invalid(scope, field, value, 'must be a Duration, e.g. Duration.seconds(30)');
  const seconds = v.seconds(scope, field, value ?? SCRAPE_INTERVAL_DEFAULT, 5);
  if (seconds > 300) invalid(scope, field, `${seconds}s`, 'must be at most 300 seconds: Prometheus marks a series stale after 5 minutes without a sample');
  return `${seconds}s`;
}

/**
 * A prometheus-operator PodMonitor for a runner manager's metrics listener (`listen_address`,
 * port 9252, `/metrics`), in the manager's namespace. The `job` label of its series is
 * `<namespace>/<manager name>`, which the alerts of {@link RunnerAlerts} select.
 */
export class ManagerPodMonitor extends Construct {
  /** The PodMonitor (monitoring.coreos.com/v1). */
  public readonly podMonitor: ApiObject;
  /** The `job` label Prometheus gives the scraped series. */
  public readonly job: string;

  constructor(scope: Construct, id: string, props: ManagerPodMonitorProps) {
    super(scope, id);
    readable(this, props);
    if (props === null || typeof props !== 'object' || !(props.manager instanceof GitLabRunnerManager)) {
      invalid(this, 'manager', props?.manager, 'must be the GitLabRunnerManager to scrape');
    }
    const m = props.manager;
    const labels = v.labels(this, 'labels', props.labels);
    const interval = scrapeInterval(this, 'interval', props.interval);
    this.job = `${m.namespace}/${m.name}`;
    this.podMonitor = new PodMonitor(this, 'PodMonitor', {
      metadata: { name: m.name, namespace: m.namespace, labels: { ...m.labels, ...labels } },
      spec: {
        selector: { matchLabels: selectorLabels({ name: 'gitlab-runner', instance: m.name, component: 'manager' }) },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval }],
      },
    });
  }
}
