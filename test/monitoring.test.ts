import { Duration } from 'cdk8s';
import { parser } from '@prometheus-io/lezer-promql';
import {
  CacheCredentials, GitLabRunnerManager, GitLabRunnerManagerProps, MinioCache, MinioCacheProps, MinioTls, RunnerAlerts, RunnerMonitoring,
  RunnerMonitoringProps,
} from '../src';
import { attemptSynth, find, K8sObject, synth } from './helpers';
import { policyViolations } from './policy';
import { validateSchema } from './schema';

interface Options { monitoring?: Partial<RunnerMonitoringProps>; cache?: Partial<MinioCacheProps> | false; manager?: Partial<GitLabRunnerManagerProps> }

function stack(o: Options = {}): { objects: K8sObject[]; monitoring: RunnerMonitoring } {
  let monitoring!: RunnerMonitoring;
  const objects = synth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com', ...o.manager });
    const runner = manager.addRunner('default', { token: { secretName: 'runner-token' } });
    const cache = o.cache === false ? undefined : new MinioCache(chart, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      ...o.cache,
    });
    if (cache) runner.useCache(cache);
    monitoring = new RunnerMonitoring(chart, 'monitoring', { manager, cache, ...o.monitoring });
  });
  return { objects, monitoring };
}

/** PromQL syntax errors found by Prometheus's own grammar (lezer-promql, from the Prometheus repository). */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({ enter: (n) => { if (n.type.isError) errors.push(`at ${n.from}: "${expr.slice(Math.max(0, n.from - 10), n.to + 10)}"`); } });
  return errors;
}

const SCRAPER_PEER = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
};

describe('GIVEN a manager and a MinIO cache WHEN monitored with the defaults', () => {
  const { objects, monitoring } = stack();
  const monitoringObjects = objects.filter((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name.endsWith('-metrics-scrape'));

  test('THEN the monitoring objects match the snapshot', () => {
    expect(monitoringObjects).toMatchSnapshot();
  });

  test('THEN every object validates against its schema (PodMonitor, PrometheusRule: the vendored CRDs) and the policy rules', () => {
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
    expect(policyViolations(objects)).toEqual([]);
  });

  test('THEN the manager\'s PodMonitor scrapes its metrics port (listen_address :9252) on /metrics', () => {
    const pm = find(objects, 'PodMonitor', 'gitlab-runner', 'gitlab-runner');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    const sts = find(objects, 'StatefulSet', 'gitlab-runner', 'gitlab-runner');
    expect(sts.spec.template.spec.containers[0].ports).toContainEqual({ name: 'metrics', containerPort: 9252, protocol: 'TCP' });
    // The PodMonitor's selector picks the manager's pods.
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect(sts.spec.template.metadata.labels[k]).toBe(v);
  });

  test('THEN MinIO\'s PodMonitor scrapes the cluster metrics on the S3 port with a bearer token from a Secret', () => {
    const pm = find(objects, 'PodMonitor', 'minio', 'gitlab-runner-cache');
    expect(pm.spec.podMetricsEndpoints).toEqual([{
      port: 's3', path: '/minio/v2/metrics/cluster', interval: '30s',
      authorization: { type: 'Bearer', credentials: { name: 'minio-prometheus', key: 'token' } },
    }]);
    // Metrics are not public: nothing sets MINIO_PROMETHEUS_AUTH_TYPE.
    const minio = find(objects, 'Deployment', 'minio', 'gitlab-runner-cache').spec.template.spec.containers[0];
    expect(minio.env.map((e: any) => e.name)).not.toContain('MINIO_PROMETHEUS_AUTH_TYPE');
  });

  test('THEN the NetworkPolicies admit the scraper (namespace and pod selector together) on the metrics port only', () => {
    const manager = find(objects, 'NetworkPolicy', 'gitlab-runner-metrics-scrape', 'gitlab-runner');
    expect(manager.spec).toEqual({
      podSelector: find(objects, 'NetworkPolicy', 'gitlab-runner', 'gitlab-runner').spec.podSelector,
      policyTypes: ['Ingress'],
      ingress: [{ from: [SCRAPER_PEER], ports: [{ protocol: 'TCP', port: 9252 }] }],
    });
    const minio = find(objects, 'NetworkPolicy', 'minio-metrics-scrape', 'gitlab-runner-cache');
    expect(minio.spec).toEqual({
      podSelector: find(objects, 'NetworkPolicy', 'minio', 'gitlab-runner-cache').spec.podSelector,
      policyTypes: ['Ingress'],
      ingress: [{ from: [SCRAPER_PEER], ports: [{ protocol: 'TCP', port: 9000 }] }],
    });
    expect(monitoring.scraper).toEqual({ namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } });
  });

  describe('THEN the PrometheusRules', () => {
    const managerRules: any[] = find(objects, 'PrometheusRule', 'gitlab-runner-alerts', 'gitlab-runner').spec.groups[0].rules;
    const minioRules: any[] = find(objects, 'PrometheusRule', 'minio-alerts', 'gitlab-runner-cache').spec.groups[0].rules;
    const rules = [...managerRules, ...minioRules];

    test('hold the alerts an on-call engineer needs: the manager\'s beside the manager, MinIO\'s beside MinIO', () => {
      expect(managerRules.map((r) => r.alert)).toEqual([
        'GitLabRunnerManagerDown', 'GitLabRunnerRequestsToGitLabFailing', 'GitLabRunnerConcurrentLimitReached', 'GitLabRunnerRequestConcurrencyExceeded',
      ]);
      expect(minioRules.map((r) => r.alert)).toEqual(['MinioCacheDown', 'MinioCacheNodesOffline', 'MinioCacheDiskNearlyFull']);
    });

    test.each(rules.map((r) => [r.alert, r]))('%s: valid PromQL, a severity, summary, description and runbook line', (_name, r) => {
      expect(promqlErrors(r.expr)).toEqual([]);
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(r.for).toMatch(/^\d+m$/);
      for (const k of ['summary', 'description', 'runbook']) expect(r.annotations[k]).toMatch(/\S{3,}/);
      expect(r.annotations.runbook).not.toContain('\n');
    });

    test('uses the metric names of GitLab Runner 18.9 and MinIO, selected by the PodMonitors\' job labels', () => {
      const exprs = Object.fromEntries(rules.map((r) => [r.alert, r.expr]));
      expect(exprs.GitLabRunnerManagerDown).toBe('up{job="gitlab-runner/gitlab-runner"} == 0 or absent(up{job="gitlab-runner/gitlab-runner"})');
      expect(exprs.GitLabRunnerRequestsToGitLabFailing).toContain('gitlab_runner_api_request_statuses_total{job="gitlab-runner/gitlab-runner",status=~"401|403|5.."}');
      expect(exprs.GitLabRunnerConcurrentLimitReached).toContain('gitlab_runner_concurrent{job="gitlab-runner/gitlab-runner"}');
      expect(exprs.GitLabRunnerRequestConcurrencyExceeded).toContain('gitlab_runner_request_concurrency_exceeded_total');
      expect(exprs.MinioCacheDiskNearlyFull).toBe('min by (namespace, job) (minio_cluster_capacity_usable_free_bytes{job="gitlab-runner-cache/minio"} / minio_cluster_capacity_usable_total_bytes{job="gitlab-runner-cache/minio"}) < 0.1');
    });
  });

  test('the PromQL check can fail: a broken expression has errors', () => {
    expect(promqlErrors('sum by (pod (rate(up[5m]))')).not.toEqual([]);
    expect(promqlErrors('up{job="x"} == 0 or absent(up{job="x"})')).toEqual([]);
  });
});

describe('GIVEN options', () => {
  test('WHEN the scraper, labels and interval are set and alerts are off THEN they reach every object and no PrometheusRule is emitted', () => {
    const { objects } = stack({ monitoring: { scraper: { namespace: 'prom', podLabels: { prometheus: 'k8s' } }, labels: { release: 'kps' }, interval: Duration.seconds(15), alerts: false } });
    expect(objects.filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
    const pm = find(objects, 'PodMonitor', 'gitlab-runner', 'gitlab-runner');
    expect(pm.metadata.labels?.release).toBe('kps');
    expect(pm.spec.podMetricsEndpoints[0].interval).toBe('15s');
    expect(find(objects, 'NetworkPolicy', 'minio-metrics-scrape', 'gitlab-runner-cache').spec.ingress[0].from).toEqual([{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prom' } }, podSelector: { matchLabels: { prometheus: 'k8s' } },
    }]);
  });

  test('WHEN MinIO serves TLS THEN its PodMonitor scrapes https, verifying against the cache\'s CA and Service name', () => {
    const { objects } = stack({ cache: { tls: MinioTls.fromSecret('minio-tls') } });
    const ep = find(objects, 'PodMonitor', 'minio', 'gitlab-runner-cache').spec.podMetricsEndpoints[0];
    expect(ep.scheme).toBe('https');
    expect(ep.tlsConfig).toEqual({ ca: { secret: { name: 'minio-tls', key: 'ca.crt' } }, serverName: 'minio.gitlab-runner-cache.svc.cluster.local' });
  });

  test('WHEN there is no cache THEN only the manager is monitored and alerted on', () => {
    const { objects } = stack({ cache: false });
    expect(objects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).toEqual(['gitlab-runner']);
    expect(objects.filter((o) => o.kind === 'PrometheusRule').map((o) => o.metadata.name)).toEqual(['gitlab-runner-alerts']);
  });

  test('WHEN NetworkPolicies are off THEN no scrape policy is emitted, the monitors still are', () => {
    const { objects } = stack({ manager: { networkPolicies: false }, cache: { networkPolicies: false } });
    expect(objects.filter((o) => o.kind === 'NetworkPolicy')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'PodMonitor')).toHaveLength(2);
  });
});

describe('GIVEN bad input THEN a ConfigError names the field and nothing is written', () => {
  test.each<[string, Partial<RunnerMonitoringProps>, RegExp]>([
    ['a scraper namespace that is no DNS label', { scraper: { namespace: 'Monitoring' } }, /monitoring: invalid scraper\.namespace "Monitoring": must be a DNS-1123 label/],
    ['an empty scraper pod selector', { scraper: { podLabels: {} } }, /monitoring: invalid scraper\.podLabels \{\}: must hold at least one label of the Prometheus pods/],
    ['a scraper label key with a space', { scraper: { podLabels: { 'app name': 'prometheus' } } }, /monitoring: invalid scraper\.podLabels key "app name"/],
    ['a scraper that is a string', { scraper: 'monitoring' as any }, /monitoring: invalid scraper "monitoring": must be \{ namespace\?, podLabels\? \}/],
    ['an interval of 2 seconds', { interval: Duration.seconds(2) }, /monitoring\/Manager: invalid interval "2 seconds": must be a Duration of whole seconds, from 5s/],
    ['an interval of 10 minutes', { interval: Duration.minutes(10) }, /monitoring\/Manager: invalid interval "600s": must be at most 300 seconds/],
    ['alerts as a string', { alerts: 'yes' as any }, /monitoring: invalid alerts "yes": must be true or false/],
    ['a bearer token pasted as a string', { minioBearerToken: 'eyJhbGciOi-secret-token' as any }, /monitoring: invalid minioBearerToken "eyJhb\*+": a literal secret would be written to dist\//],
    ['labels with a bad value', { labels: { release: 'kube prometheus' } }, /monitoring\/Manager: invalid labels\["release"\] "kube prometheus"/],
  ])('%s', (_what, props, message) => {
    const { error, written } = attemptSynth((chart) => {
      const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      manager.addRunner('default', { token: { secretName: 'runner-token' } });
      const cache = new MinioCache(chart, 'cache', { rootCredentials: CacheCredentials.fromSecret('minio-root'), cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache') });
      new RunnerMonitoring(chart, 'monitoring', { manager, cache, ...props });
    });
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(written).toEqual([]);
  });

  test.each<[string, object, RegExp]>([
    ['a free space ratio of 1', { minioFreeSpaceRatio: 1 }, /alerts: invalid minioFreeSpaceRatio 1: must be a fraction above 0 and below 1/],
    ['a negative error ratio', { requestErrorRatio: -0.1 }, /alerts: invalid requestErrorRatio -0\.1: must be a fraction above 0 and at most 1/],
    ['a job label with a quote', { managerJob: 'ns/x"} or vector(1) #' }, /alerts: invalid managerJob .*: must be a job label "<namespace>\/<name>"/],
    ['neither job', { managerJob: undefined, minioJob: undefined }, /alerts: invalid managerJob \(missing\): or minioJob must be given/],
  ])('RunnerAlerts: %s', (_what, props, message) => {
    const { error, written } = attemptSynth((chart) => {
      new RunnerAlerts(chart, 'alerts', { namespace: 'gitlab-runner', name: 'alerts', managerJob: 'gitlab-runner/gitlab-runner', minioJob: 'cache/minio', ...props });
    });
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(written).toEqual([]);
  });

  test('a manager that is not one', () => {
    const { error } = attemptSynth((chart) => { new RunnerMonitoring(chart, 'monitoring', { manager: {} as any }); });
    expect(error?.message).toMatch(/monitoring\/Manager: invalid manager \{\}: must be the GitLabRunnerManager to scrape/);
  });

  test('an external cache', () => {
    const { error } = attemptSynth((chart) => {
      const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      manager.addRunner('default', { token: { secretName: 'runner-token' } });
      new RunnerMonitoring(chart, 'monitoring', { manager, cache: { bucketName: 'x' } as any });
    });
    expect(error?.message).toMatch(/monitoring: invalid cache .*: must be a MinioCache/);
  });
});
