// A production stack on a self-hosted GitLab behind a private CA and an HTTP proxy: two manager
// replicas that let running jobs finish on every rollout and drain, placed on a dedicated system
// pool with a PriorityClass, images pulled from a private mirror, a distributed MinIO cache over
// TLS (a cert-manager Certificate), Prometheus monitoring with alerts, and a DinD runner whose
// privileged build pods run only on a tainted pool of existing nodes.
// In your own repo, import from 'cdk8s-gitlab-runner' instead of '../../src'.
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { CacheCredentials, ExistingNodePool, GitLabRunnerManager, MinioCache, MinioTls, RunnerMonitoring } from '../../src';

/** Where the platform's own workloads run: labelled and tainted nodes no build pod lands on. */
const SYSTEM_POOL = {
  nodeSelector: { 'example.com/pool': 'ci-system' },
  tolerations: [{ key: 'example.com/pool', operator: 'Equal', value: 'ci-system', effect: 'NoSchedule' }],
  priorityClassName: 'gitlab-runner-critical',
};
/** The registry mirror every image comes from, and the pull Secret for it (in each namespace). */
const MIRROR = 'registry.corp.example/mirror';
const PULL_SECRETS = ['registry-mirror'];

export class ProductionStack extends Chart {
  public readonly pool: ExistingNodePool;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    // Manager and MinIO outrank build pods: under node pressure, jobs are preempted, not the runner.
    new k8s.KubePriorityClass(this, 'priority', {
      metadata: { name: SYSTEM_POOL.priorityClassName },
      value: 1_000_000,
      preemptionPolicy: 'PreemptLowerPriority',
      description: 'GitLab Runner manager and its MinIO cache',
    });

    const manager = new GitLabRunnerManager(this, 'manager', {
      gitlabUrl: 'https://gitlab.corp.example',
      image: `${MIRROR}/gitlab/gitlab-runner:alpine-v18.9.0`,
      concurrent: 40,
      // Two replicas: a PodDisruptionBudget and a spread over nodes come with them.
      replicas: 2,
      // A rollout or a node drain lets running jobs finish for up to 3 hours (SIGQUIT from preStop).
      drainTimeout: Duration.hours(3),
      systemIdSeed: 'ci-prod-eu1',
      // GitLab's certificate comes from the corporate CA (a ConfigMap trust-manager distributes to
      // the manager's and the build namespaces); build pods trust it too (cache, job tools).
      caBundle: { configMapName: 'corp-ca', key: 'ca.crt', trustInBuildPods: true },
      // GitLab is reached through the corporate proxy; the NetworkPolicy opens its port at its
      // address only. Jobs get the same variables.
      proxy: {
        httpProxy: 'http://proxy.corp.example:3128',
        httpsProxy: 'http://proxy.corp.example:3128',
        noProxy: ['.corp.example', '10.96.0.0/12', '10.244.0.0/16'],
        cidr: '10.20.30.40/32',
        passToJobs: true,
      },
      ...SYSTEM_POOL,
      imagePullSecrets: PULL_SECRETS,
    });

    const cache = new MinioCache(this, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),           // keys rootUser, rootPassword
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'), // keys accesskey, secretkey
      mode: 'distributed',
      replicas: 4,
      storageSize: '100Gi',
      quota: '350Gi',
      image: `${MIRROR}/minio/minio:RELEASE.2025-09-07T16-13-09Z`,
      // The provisioning Job pulls with MinIO's imagePullSecrets.
      provisioning: { image: `${MIRROR}/minio/mc:RELEASE.2025-08-13T08-35-41Z` },
      // HTTPS with a certificate from cert-manager's ClusterIssuer of the corporate CA.
      tls: MinioTls.fromCertManager({ issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer' } }),
      ...SYSTEM_POOL,
      imagePullSecrets: PULL_SECRETS,
    });

    // Privileged builds on existing nodes, tainted and labelled by hand (the pool's next steps).
    this.pool = new ExistingNodePool(this, 'privileged-pool', {
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
      nodeNames: ['ci-dind-1', 'ci-dind-2', 'ci-dind-3'],
    });
    // Rejects, in the cluster, any pod tolerating the pool's taint outside the DinD build namespace.
    this.pool.addAdmissionGuard();

    manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } }).useCache(cache);
    manager.addDindRunner('dind', {
      token: { secretName: 'gitlab-runner-dind-token' },
      nodePool: this.pool,
      allowedImages: ['docker:28*'],
      allowedServices: ['docker:28*-dind'],
    }).useCache(cache);

    // PodMonitors, scrape NetworkPolicies and alerts, for kube-prometheus-stack's Prometheus.
    new RunnerMonitoring(this, 'monitoring', {
      manager, cache,
      scraper: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
      labels: { release: 'kube-prometheus-stack' },
      // alerts: true by default; MinIO's metrics need the bearer token Secret minio-prometheus.
    });
  }
}

/** Adds the example's charts to `app`; returns what to do by hand around `kubectl apply`. */
export function build(app: App): string[] {
  return new ProductionStack(app, 'gitlab-runner').pool.nextSteps();
}

/** Synthesizes the example into `outdir` (default: its dist/ folder); returns the next steps. */
export function synth(outdir = path.join(__dirname, 'dist')): string[] {
  // No construct-metadata.json: the output folder holds only manifests.
  const app = new App({ outdir, recordConstructMetadata: false });
  const nextSteps = build(app);
  app.synth();
  return nextSteps;
}

if (require.main === module) {
  for (const step of synth()) console.log(`next: ${step}`);
}
