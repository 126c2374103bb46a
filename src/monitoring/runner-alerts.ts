import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { invalid } from '../common/errors';
import { readable } from '../common/shape';
import * as v from '../common/validate';
import { concrete } from '../common/values';

/** Props of a {@link RunnerAlerts}. */
export interface RunnerAlertsProps {
  /** Namespace of the PrometheusRule (usually the manager's). */
  readonly namespace: string;
  /** Name of the PrometheusRule. */
  readonly name: string;
  /**
   * The `job` label of the runner manager's series (`<namespace>/<PodMonitor name>`, see
   * {@link ManagerPodMonitor.job}). At least one of `managerJob` and `minioJob` is needed.
   * @default - no runner manager alerts
   */
  readonly managerJob?: string;
  /**
   * The `job` label of MinIO's series ({@link MinioPodMonitor.job}).
   * @default - no MinIO alerts
   */
  readonly minioJob?: string;
  /**
   * Labels on the PrometheusRule, so your Prometheus selects it.
   * @default - none
   */
  readonly labels?: Record<string, string>;
  /**
   * MinIO's free usable capacity, as a fraction of the total, below which "MinIO disk nearly
   * full" fires: above 0, below 1.
   * @default 0.1
   */
  readonly minioFreeSpaceRatio?: number;
  /**
   * Share of the manager's requests to GitLab answered 401, 403 or 5xx above which "requests to
   * GitLab failing" fires: above 0, at most 1.
   * @default 0.05
   */
  readonly requestErrorRatio?: number;
}

/** Defaults of {@link RunnerAlertsProps}, in one place. */
export const RUNNER_ALERTS_DEFAULTS = {
  /** Default `minioFreeSpaceRatio`. */
  minioFreeSpaceRatio: 0.1,
  /** Default `requestErrorRatio`. */
  requestErrorRatio: 0.05,
};

/** One alerting rule, as written into the PrometheusRule. */
export interface AlertRule {
  /** Alert name. */
  readonly alert: string;
  /** PromQL expression. */
  readonly expr: string;
  /** How long the expression must hold before the alert fires. */
  readonly for: string;
  /** `severity`: `critical` pages, `warning` waits for working hours. */
  readonly severity: 'critical' | 'warning';
  /** One line: what broke. */
  readonly summary: string;
  /** What it means, with the series' labels. */
  readonly description: string;
  /** What to do first. */
  readonly runbook: string;
}

/**
 * A PrometheusRule with the alerts an on-call engineer needs for the stack, each with a summary,
 * a description and a `runbook` line saying what to do. Metric names are those of GitLab Runner
 * 18.9 (`gitlab_runner_*`) and MinIO's v2 cluster metrics (`minio_cluster_*`). Neither the
 * official GitLab Runner chart nor MinIO's ship alerts.
 *
 * - `GitLabRunnerManagerDown` (critical): the manager's metrics target is down or gone.
 * - `GitLabRunnerRequestsToGitLabFailing` (warning): requests to GitLab answered 401/403/5xx.
 * - `GitLabRunnerConcurrentLimitReached` (warning): running jobs at `concurrent` for 30 minutes: jobs queue.
 * - `GitLabRunnerRequestConcurrencyExceeded` (warning): job requests held back by `request_concurrency`.
 * - `MinioCacheDown` (warning), `MinioCacheNodesOffline` (warning), `MinioCacheDiskNearlyFull` (warning).
 */
export class RunnerAlerts extends Construct {
  /** The PrometheusRule (monitoring.coreos.com/v1). */
  public readonly prometheusRule: ApiObject;
  /** The alerting rules, in the order written. */
  public readonly rules: readonly AlertRule[];

  constructor(scope: Construct, id: string, props: RunnerAlertsProps) {
    super(scope, id);
    readable(this, props);
    if (props === null || typeof props !== 'object') invalid(this, 'props', props, 'must be an object with namespace, name and managerJob');
    const namespace = v.dnsLabel(this, 'namespace', props.namespace);
    const name = v.dnsSubdomain(this, 'name', props.name);
    const labels = v.labels(this, 'labels', props.labels);
    const freeRatio = ratio(this, 'minioFreeSpaceRatio', props.minioFreeSpaceRatio ?? RUNNER_ALERTS_DEFAULTS.minioFreeSpaceRatio, false);
    const errorRatio = ratio(this, 'requestErrorRatio', props.requestErrorRatio ?? RUNNER_ALERTS_DEFAULTS.requestErrorRatio, true);
    if (props.managerJob === undefined && props.minioJob === undefined) {
      invalid(this, 'managerJob', undefined, 'or minioJob must be given: the job label of the series to alert on');
    }
    const rules: AlertRule[] = [];
    if (props.managerJob !== undefined) {
      const m = `job="${selectorValue(this, 'managerJob', props.managerJob)}"`;
      rules.push(
      {
        alert: 'GitLabRunnerManagerDown',
        expr: `up{${m}} == 0 or absent(up{${m}})`,
        for: '5m',
        severity: 'critical',
        summary: 'GitLab Runner manager {{ $labels.job }} is down: no CI jobs start',
        description: 'Prometheus cannot scrape the runner manager {{ $labels.job }} (pod {{ $labels.pod }}), or finds no pod of it at all. While it is down no runner of it asks GitLab for jobs.',
        runbook: 'kubectl -n <namespace> get pods,statefulset -l app.kubernetes.io/component=manager; kubectl logs the pod and its render-config init container (a missing Secret key is named there); check the PodMonitor and the <name>-metrics-scrape NetworkPolicy if the pod runs.',
      },
      {
        alert: 'GitLabRunnerRequestsToGitLabFailing',
        expr: `sum by (namespace, pod, runner) (rate(gitlab_runner_api_request_statuses_total{${m},status=~"401|403|5.."}[10m]))`
          + ` / sum by (namespace, pod, runner) (rate(gitlab_runner_api_request_statuses_total{${m}}[10m])) > ${errorRatio}`,
        for: '15m',
        severity: 'warning',
        summary: 'Runner {{ $labels.runner }} gets errors from GitLab',
        description: 'More than {{ $value | humanizePercentage }} of the requests runner {{ $labels.runner }} in {{ $labels.pod }} made to GitLab in 10 minutes were answered 401, 403 or 5xx.',
        runbook: '401/403: the runner token was revoked or the runner deleted in GitLab: create a runner and update its token Secret. 5xx: GitLab itself is failing: check its status. kubectl logs the manager pod for the endpoint.',
      },
      {
        alert: 'GitLabRunnerConcurrentLimitReached',
        expr: `sum by (namespace, pod) (gitlab_runner_jobs{${m}}) >= on (namespace, pod) max by (namespace, pod) (gitlab_runner_concurrent{${m}})`,
        for: '30m',
        severity: 'warning',
        summary: 'Runner manager {{ $labels.pod }} has run at its concurrent limit for 30 minutes',
        description: 'Every job slot (concurrent) of {{ $labels.pod }} has been busy for 30 minutes: new jobs wait in GitLab\'s queue as pending.',
        runbook: 'Raise concurrent (and the build node pool\'s capacity), or add manager replicas; look for stuck jobs (kubectl -n <build namespace> get pods) holding slots.',
      },
      {
        alert: 'GitLabRunnerRequestConcurrencyExceeded',
        expr: `sum by (namespace, pod, runner) (increase(gitlab_runner_request_concurrency_exceeded_total{${m}}[15m])) > 0`,
        for: '15m',
        severity: 'warning',
        summary: 'Runner {{ $labels.runner }} holds back job requests (request_concurrency)',
        description: 'Runner {{ $labels.runner }} in {{ $labels.pod }} wanted to ask GitLab for more jobs at once than request_concurrency allows, for 15 minutes: jobs start late.',
        runbook: 'Raise the runner\'s requestConcurrency (GitLab answers long-polling requests slowly when it is under load: check GitLab too).',
      },
      );
    }
    if (props.minioJob !== undefined) {
      const nj = selectorValue(this, 'minioJob', props.minioJob);
      const n = `job="${nj}"`;
      rules.push(
        {
          alert: 'MinioCacheDown',
          expr: `up{${n}} == 0 or absent(up{${n}})`,
          for: '10m',
          severity: 'warning',
          summary: 'MinIO cache {{ $labels.job }} is down or not scraped: jobs run without cache',
          description: 'Prometheus cannot scrape MinIO {{ $labels.job }} (pod {{ $labels.pod }}), or finds no pod. Jobs still run, without restoring or saving their cache.',
          runbook: 'kubectl -n <cache namespace> get pods,pvc; kubectl logs the MinIO pod. If MinIO runs, the scrape fails: check the bearer token Secret (<name>-prometheus, from `mc admin prometheus generate`) and the <name>-metrics-scrape NetworkPolicy.',
        },
        {
          alert: 'MinioCacheNodesOffline',
          expr: `max by (namespace, job) (minio_cluster_nodes_offline_total{${n}}) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'MinIO cache {{ $labels.job }} has {{ $value }} node(s) offline',
          description: 'A distributed MinIO keeps serving with nodes offline until it loses its erasure-code quorum.',
          runbook: 'kubectl -n <cache namespace> get pods -o wide: find the pod that is not Ready and its node; a PVC stuck on a lost node needs the pod deleted or the volume recovered.',
        },
        {
          alert: 'MinioCacheDiskNearlyFull',
          expr: `min by (namespace, job) (minio_cluster_capacity_usable_free_bytes{${n}} / minio_cluster_capacity_usable_total_bytes{${n}}) < ${freeRatio}`,
          for: '15m',
          severity: 'warning',
          summary: 'MinIO cache {{ $labels.job }} has {{ $value | humanizePercentage }} of its space free',
          description: 'When MinIO is full, cache uploads fail and jobs carry on without saving their cache.',
          runbook: 'Shorten the cache expiry (expiry, the bucket lifecycle rule) or set a quota below the volume size; or grow storageSize (a StorageClass that allows volume expansion).',
        },
      );
    }
    this.rules = rules;
    this.prometheusRule = new PrometheusRule(this, 'PrometheusRule', {
      metadata: { name, namespace, labels },
      spec: {
        groups: [{
          name: 'gitlab-runner-stack',
          rules: rules.map((r) => ({
            alert: r.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            for: r.for,
            labels: { severity: r.severity },
            annotations: { summary: r.summary, description: r.description, runbook: r.runbook },
          })),
        }],
      },
    });
  }
}

function ratio(scope: Construct, field: string, value: number, inclusiveOne: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1 || (!inclusiveOne && value === 1)) {
    invalid(scope, field, value, `must be a fraction above 0 and ${inclusiveOne ? 'at most' : 'below'} 1, e.g. 0.1 for 10%`);
  }
  return value;
}

/** A label value inside a PromQL string literal: no quote or backslash to escape. */
function selectorValue(scope: Construct, field: string, value: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9][-a-z0-9.]*\/[a-z0-9][-a-z0-9.]*$/.test(concrete(value))) {
    invalid(scope, field, value, 'must be a job label "<namespace>/<name>", e.g. "gitlab-runner/gitlab-runner"');
  }
  return value;
}
