/* eslint-disable */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
const S = require('../src');
const { GitLabRunnerManager, MinioCache, S3Cache, GcsCache, AzureCache, CacheCredentials, ExistingNodePool, KarpenterNodePool, GkeNodePool,
  ManagerPodMonitor, MinioPodMonitor, RunnerAlerts, RunnerMonitoring, MinioTls, ConfigError } = S;

type Build = (chart: Chart, props: any) => void;
interface Target { name: string; path: string; base: any; build: Build; skip?: string[] }

const mgr = (c: Chart) => new GitLabRunnerManager(c, 'runner', { gitlabUrl: 'https://gitlab.example.com' });
const tok = { secretName: 'runner-token' };
const pool = (c: Chart) => new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'ci', effect: 'NoSchedule' } });
const creds = { rootCredentials: CacheCredentials.fromSecret('minio-root'), cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache') };

const podOptions = {
  nodeSelector: { 'example.com/pool': 'sys' },
  tolerations: [{ key: 'example.com/pool', operator: 'Equal', value: 'sys', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } },
  topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }],
  priorityClassName: 'ci-critical',
  podLabels: { team: 'ci' },
  podAnnotations: { 'example.com/owner': 'ci' },
  extraEnv: [{ name: 'FOO', value: 'bar' }],
  extraEnvFrom: [{ configMapRef: { name: 'extra' } }],
  extraVolumes: [{ name: 'extra', emptyDir: {} }],
  extraVolumeMounts: [{ name: 'extra', mountPath: '/extra' }],
  imagePullSecrets: ['pull'],
};

const runnerBase = {
  token: { secretName: 'runner-token', key: 'token' },
  buildNamespace: 'ci-builds',
  image: 'alpine:3.22',
  pullPolicy: ['if-not-present'],
  allowedImages: ['alpine:*'],
  allowedServices: ['postgres:*'],
  imagePullSecrets: ['pull'],
  helperImage: 'registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v18.9.0',
  limit: 5,
  requestConcurrency: 2,
  buildResources: { cpu: { request: '1', limit: '2' }, memory: { request: '1Gi', limit: '2Gi' }, ephemeralStorage: { request: '1Gi' } },
  helperResources: { cpu: { request: '100m' } },
  serviceResources: { memory: { limit: '1Gi' } },
  nodeSelector: { 'example.com/pool': 'builds' },
  tolerations: [{ key: 'example.com/pool', value: 'builds', effect: 'NoSchedule' }],
  podLabels: { team: 'ci' },
  podAnnotations: { 'example.com/owner': 'ci' },
  pollTimeout: Duration.minutes(3),
  pollInterval: Duration.seconds(3),
  environment: { FOO: 'bar' },
  featureFlags: { FF_USE_FASTZIP: true },
  priorityClassName: 'ci-builds',
  preGetSourcesScript: 'echo hi',
  preBuildScript: 'echo hi',
  postBuildScript: 'echo hi',
  outputLimit: 8192,
  cloneUrl: 'https://gitlab.internal',
  podTerminationGracePeriod: Duration.seconds(60),
  affinity: {
    nodeAffinity: {
      required: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
      preferred: [{ weight: 20, preference: { matchExpressions: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }] } }],
    },
    podAntiAffinity: { preferred: [{ weight: 50, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { a: 'b' }, matchExpressions: [{ key: 'job', operator: 'Exists' }] }, namespaces: ['ci-builds'] } }] },
  },
  dnsPolicy: 'ClusterFirst',
  dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
  hostAliases: [{ ip: '10.20.0.15', hostnames: ['registry.internal'] }],
  podSecurityContext: { fsGroup: 1000, runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, supplementalGroups: [2000] },
  buildContainerSecurityContext: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false },
  helperContainerSecurityContext: { capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
  serviceContainerSecurityContext: { capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } },
  capAdd: ['CHOWN'],
  capDrop: ['NET_RAW'],
  volumes: {
    emptyDir: [{ name: 'scratch', mountPath: '/scratch', sizeLimit: '1Gi', medium: 'Memory' }],
    secret: [{ secretName: 'certs', mountPath: '/certs', items: { 'ca.crt': 'ca.crt' } }],
    configMap: [{ configMapName: 'ci-scripts', mountPath: '/opt/ci', items: { 'a.sh': 'a.sh' } }],
    pvc: [{ claimName: 'ci-datasets', mountPath: '/datasets', readOnly: true, subPath: 'x' }],
    csi: [{ name: 'ci-secrets', mountPath: '/mnt/secrets', driver: 'secrets-store.csi.k8s.io', readOnly: true, fsType: 'ext4', volumeAttributes: { secretProviderClass: 'ci' }, subPath: 'y' }],
  },
  podSpecPatches: [
    { name: 'hostname', patchType: 'merge', patch: { hostname: 'ci-build' } },
    { name: 'tol', patchType: 'json', patch: [{ op: 'add', path: '/tolerations', value: [] }] },
  ],
  jobOverrides: {
    serviceAccounts: [{ name: 'ci-deployer', annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/x' } }],
    nodeSelector: '^team=[a-z0-9-]+$',
    tolerations: '^team=[a-z0-9-]+:NoSchedule$',
    podLabels: '^team=[a-z0-9-]+$',
    podAnnotations: '^example\\.com/[a-z-]+=.*$',
    maxBuildResources: { cpu: { request: '4', limit: '8' } },
    maxHelperResources: { memory: { limit: '1Gi' } },
    maxServiceResources: { memory: { limit: '8Gi' } },
  },
};

const targets: Target[] = [
  { name: 'manager', path: 'stack/runner', base: {
      gitlabUrl: 'https://gitlab.example.com', allowInsecureHttp: false, name: 'gitlab-runner', namespace: 'gitlab-runner', createNamespaces: true,
      defaultBuildNamespace: 'gitlab-builds', image: 'gitlab/gitlab-runner:alpine-v18.9.0', replicas: 2, concurrent: 10,
      checkInterval: Duration.seconds(3), logLevel: 'info', logFormat: 'json', shutdownTimeout: Duration.seconds(30), drainTimeout: Duration.hours(1),
      connectionMaxAge: Duration.minutes(15), resources: { cpu: { request: '100m', limit: '1' }, memory: { request: '128Mi', limit: '256Mi' } },
      metricsService: true, networkPolicies: true, serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:x' }, systemIdSeed: 'seed',
      caBundle: { configMapName: 'corp-ca', key: 'ca.crt', trustInBuildPods: true },
      proxy: { httpProxy: 'http://proxy.corp.example:3128', httpsProxy: 'http://proxy.corp.example:3128', noProxy: ['.corp.example'], cidr: '10.20.30.40/32', passToJobs: true },
      ...podOptions,
    }, build: (c, p) => new GitLabRunnerManager(c, 'runner', p).addRunner('default', { token: tok }) },
  { name: 'runner', path: 'stack/runner/default', base: runnerBase, build: (c, p) => mgr(c).addRunner('default', p) },
  { name: 'dind', path: 'stack/runner/dind', base: { token: tok, nodePool: 'POOL', allowedServices: ['docker:28*-dind'], serviceResources: { memory: { limit: '2Gi' } },
      volumes: { hostPath: [{ name: 'layers', mountPath: '/var/cache/layers', hostPath: '/var/cache/ci', readOnly: false }] } },
    build: (c, p) => mgr(c).addDindRunner('dind', { ...p, nodePool: pool(c) }) },
  { name: 'builder', path: 'stack/runner/builder', base: { token: tok, registryCredentials: { secretName: 'registry', key: '.dockerconfigjson' }, googleServiceAccountKey: { secretName: 'gsa', key: 'key.json' },
      buildContainerSecurityContext: { runAsUser: 1000 } },
    build: (c, p) => mgr(c).addImageBuilderRunner('builder', p) },
  { name: 'minio', path: 'stack/cache', base: {
      name: 'minio', namespace: 'minio-cache', createNamespace: true, mode: 'distributed', replicas: 4, image: 'minio/minio:RELEASE.2025-09-07T16-13-09Z',
      storageSize: '20Gi', storageClassName: 'fast', bucketName: 'runner-cache', region: 'us-east-1', expiry: Duration.days(14), quota: '50Gi', console: true,
      resources: { cpu: { request: '250m' } }, networkPolicies: true, clusterDomain: 'cluster.local', path: 'runner', shared: true,
      provisioning: { image: 'minio/mc:RELEASE.2025-08-13T08-35-41Z', backoffLimit: 3, timeout: Duration.minutes(5), ttlAfterFinished: Duration.hours(1), hook: 'none', resources: { cpu: { request: '50m' } }, imagePullSecrets: ['pull'] },
      ...podOptions,
    }, build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new MinioCache(c, 'cache', { ...creds, ...p })) },
  { name: 's3', path: 'stack/cache', base: { bucketName: 'runner-cache', region: 'eu-west-1', serverAddress: 's3.amazonaws.com', insecure: false, pathStyle: false,
      serverSideEncryption: { type: 'KMS', kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/x' }, name: 'cache', path: 'runner', shared: false },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new S3Cache(c, 'cache', p)) },
  { name: 'gcs', path: 'stack/cache', base: { bucketName: 'runner-cache', credentialsFile: { secretName: 'gcs', key: 'key.json' }, path: 'x', shared: true },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new GcsCache(c, 'cache', p)) },
  { name: 'azure', path: 'stack/cache', base: { accountName: 'runnercache', containerName: 'cache', accountKey: { secretName: 'az', key: 'key' }, storageDomain: 'blob.core.windows.net' },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new AzureCache(c, 'cache', p)) },
  { name: 'credsFromSecret', path: 'stack/cache', base: { secretName: 'minio-root', keys: { accessKey: 'a', secretKey: 'b' } },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new MinioCache(c, 'cache', { ...creds, rootCredentials: CacheCredentials.fromSecret(p.secretName, p.keys) })) },
  { name: 'credsExternal', path: 'stack/cache', base: { storeName: 'vault', storeKind: 'ClusterSecretStore', remoteKey: 'ci/minio', remoteProperties: { accessKey: 'user', secretKey: 'pw' }, refreshInterval: Duration.hours(1), secretName: 'minio-root' },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new MinioCache(c, 'cache', { ...creds, rootCredentials: CacheCredentials.fromExternalSecret(p) })) },
  { name: 'credsLiteral', path: 'stack/cache', base: { accessKey: 'minioadmin', secretKey: 'minioadmin123', secretName: 'minio-root' },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new MinioCache(c, 'cache', { ...creds, rootCredentials: CacheCredentials.insecureLiteralForDevelopmentOnly(p) })) },
  { name: 'tlsSecret', path: 'stack/cache', base: { secretName: 'minio-tls', opts: { caKey: 'ca.crt', buildPodCaSecretName: 'minio-ca' } },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new MinioCache(c, 'cache', { ...creds, tls: MinioTls.fromSecret(p.secretName, p.opts) })) },
  { name: 'tlsCertManager', path: 'stack/cache', base: { issuerRef: { name: 'corp-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' }, secretName: 'minio-tls', duration: Duration.days(90), renewBefore: Duration.days(30), buildPodCaSecretName: 'minio-ca' },
    build: (c, p) => mgr(c).addRunner('default', { token: tok }).useCache(new MinioCache(c, 'cache', { ...creds, tls: MinioTls.fromCertManager(p) })) },
  { name: 'existingPool', path: 'stack/pool', base: { name: 'ci-pool', taint: { key: 'dedicated', value: 'ci', effect: 'NoSchedule' }, nodeLabel: { key: 'example.com/pool', value: 'ci' }, nodeNames: ['node-1'] },
    build: (c, p) => { const np = new ExistingNodePool(c, 'pool', p); mgr(c).addDindRunner('dind', { token: tok, nodePool: np }); } },
  { name: 'karpenter', path: 'stack/pool', base: { taint: { key: 'dedicated', value: 'ci', effect: 'NoSchedule' }, nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
      requirements: [{ key: 'karpenter.k8s.aws/instance-cpu', operator: 'Gt', values: ['4'] }], limits: { cpu: '100', memory: '400Gi' }, consolidationPolicy: 'WhenEmpty', consolidateAfter: Duration.minutes(5), expireAfter: Duration.hours(24) },
    build: (c, p) => { const np = new KarpenterNodePool(c, 'pool', p); mgr(c).addDindRunner('dind', { token: tok, nodePool: np }); } },
  { name: 'gke', path: 'stack/pool', base: { taint: { key: 'dedicated', value: 'ci', effect: 'NO_SCHEDULE' }, namespace: 'config-control', clusterName: 'ci', clusterNamespace: 'config-control', location: 'europe-west1',
      machineType: 'e2-standard-4', autoscaling: { minNodeCount: 0, maxNodeCount: 5 }, spot: true },
    build: (c, p) => { const np = new GkeNodePool(c, 'pool', p); mgr(c).addDindRunner('dind', { token: tok, nodePool: np }); } },
  { name: 'guard', path: 'stack/pool', base: { exemptNamespaces: ['kube-system'], validationActions: ['Deny'], name: 'guard' },
    build: (c, p) => { const np = new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'ci', effect: 'NoSchedule' } }); mgr(c).addDindRunner('dind', { token: tok, nodePool: np }); np.addAdmissionGuard(p); } },
  { name: 'managerMonitor', path: 'stack/mon', base: { labels: { release: 'prom' }, interval: Duration.seconds(30) },
    build: (c, p) => { const m = mgr(c); m.addRunner('default', { token: tok }); new ManagerPodMonitor(c, 'mon', { manager: m, ...p }); } },
  { name: 'minioMonitor', path: 'stack/mon', base: { bearerToken: { secretName: 'minio-prom', key: 'token' }, labels: { release: 'prom' }, interval: Duration.seconds(30) },
    build: (c, p) => { const m = mgr(c); const cache = new MinioCache(c, 'cache', creds); m.addRunner('default', { token: tok }).useCache(cache); new MinioPodMonitor(c, 'mon', { cache, ...p }); } },
  { name: 'alerts', path: 'stack/mon', base: { namespace: 'monitoring', name: 'runner-alerts', managerJob: 'gitlab-runner', minioJob: 'minio', labels: { release: 'prom' }, minioFreeSpaceRatio: 0.1, requestErrorRatio: 0.05 },
    build: (c, p) => { mgr(c).addRunner('default', { token: tok }); new RunnerAlerts(c, 'mon', p); } },
  { name: 'monitoring', path: 'stack/mon', base: { scraper: { namespace: 'monitoring', podLabels: { app: 'prometheus' } }, labels: { release: 'prom' }, interval: Duration.seconds(30), alerts: true, minioBearerToken: { secretName: 'minio-prom', key: 'token' } },
    build: (c, p) => { const m = mgr(c); const cache = new MinioCache(c, 'cache', creds); m.addRunner('default', { token: tok }).useCache(cache); new RunnerMonitoring(c, 'mon', { manager: m, cache, ...p }); } },
];

const nasty = ['', '   ', 'a\nb', 'a\u0000b', 'a\u001bb', 'ünï', '{{ .Values.x }}', 'a"""b', 'a]]b', 'a"b\\c', 'X'.repeat(300), 'UPPER', '-lead', 'has space'];
function mutations(v: any): Array<[string, any]> {
  const out: Array<[string, any]> = [];
  const common: Array<[string, any]> = [['null', null]];
  if (v instanceof Duration) return [...common, ['number 5', 5], ['string PT5M', 'PT5M'], ['plain {}', {}], ['zero', Duration.seconds(0)], ['1.5s', Duration.millis(1500)], ...(() => { try { return [['NaN', Duration.seconds(NaN)]] as any; } catch { return []; } })(), ['huge', Duration.seconds(2 ** 60)]];
  if (typeof v === 'string') return [...common, ['number', 42], ['bool', true], ['array', ['x']], ['object', { a: 1 }], ...nasty.map((s) => [`str ${JSON.stringify(s).slice(0, 20)}`, s] as [string, any])];
  if (typeof v === 'number') return [...common, ['string "1"', '1'], ['NaN', NaN], ['Infinity', Infinity], ['-1', -1], ['1.5', 1.5], ['2^60', 2 ** 60], ['0', 0], ['array', [1]], ['object', {}]];
  if (typeof v === 'boolean') return [...common, ['string "true"', 'true'], ['number 1', 1], ['object', {}]];
  if (Array.isArray(v)) return [...common, ['object', {}], ['string', 'x'], ['[null]', [null]], ['[42]', [42]], ['dup', [...v, ...v]], ['getter throws', new Proxy(v, { get(t, k) { if (k === 'length' || k === Symbol.iterator) throw new Error('boom'); return (t as any)[k]; } })]];
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return [...common, ['array', []], ['string', 'x'], ['number', 42], ['typo key', { ...v, nodeselector: 'x' }], ['bad key', { ...v, 'Bad Key!': 'v' }], ['frozen', Object.freeze({ ...v })]];
  return out;
}

function leaves(v: any, p: string[] = []): string[][] {
  const out: string[][] = [];
  if (p.length) out.push(p);
  if (v instanceof Duration) return out;
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...leaves(x, [...p, String(i)])));
  else if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const k of Object.keys(v)) out.push(...leaves(v[k], [...p, k]));
  return out;
}
function clone(v: any): any {
  if (v instanceof Duration || !v || typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype && !Array.isArray(v)) return v;
  if (Array.isArray(v)) return v.map(clone);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
}
function get(o: any, p: string[]) { return p.reduce((a, k) => a[k], o); }
function set(o: any, p: string[], x: any) { const c = clone(o); const parent = get(c, p.slice(0, -1)); parent[p[p.length - 1]] = x; return c; }

function attempt(t: Target, props: any) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'probe-'));
  let error: any;
  try {
    const app = new App({ outdir });
    t.build(new Chart(app, 'stack'), props);
    app.synth();
  } catch (e) { error = e; }
  const written = fs.readdirSync(outdir);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { error, written };
}

const only = process.env.PROBE_ONLY;
test('probe', () => {
const results: any[] = [];
for (const t of targets) {
  if (only && !only.split(',').includes(t.name)) continue;
  const ctl = attempt(t, clone(t.base));
  if (ctl.error) { console.log(`CONTROL FAILED ${t.name}: ${ctl.error.message}`); continue; }
  for (const p of leaves(t.base)) {
    const field = p.join('.');
    for (const [label, bad] of mutations(get(t.base, p))) {
      const { error, written } = attempt(t, set(t.base, p, bad));
      let cls: string;
      const msg = error ? String(error.message) : '';
      if (!error) cls = 'ACCEPTED';
      else if (written.length) cls = 'WROTE';
      else if (error instanceof ConfigError || /invalid /.test(msg)) {
        const last = p.filter((k) => !/^\d+$/.test(k)).pop()!;
        cls = msg.includes(t.path) && msg.includes(last) ? 'OK' : 'BAD-MESSAGE';
      } else cls = 'CRASH';
      results.push({ target: t.name, field, label, cls, msg: msg.split('\n').slice(0, 3).join(' | ').slice(0, 300), type: error?.constructor?.name });
    }
  }
}
fs.writeFileSync(`/tmp/probe/results${only ? '-' + only : ''}.json`, JSON.stringify(results, null, 1));
const counts: Record<string, number> = {};
for (const r of results) counts[r.cls] = (counts[r.cls] ?? 0) + 1;
console.log(results.length, counts);
});
