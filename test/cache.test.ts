import * as fs from 'fs';
import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import { parse } from 'smol-toml';
import {
  CacheCredentials, fromToml, GcsCache, GitLabRunnerManager, IRunnerCache, MinioCache, MinioCacheProps, Runner, S3Cache,
} from '../src';
import { ReferenceStack } from '../src/main';
import { find, K8sObject, podSpecs, renderConfig, renderSites, synth } from './helpers';
import { policyFindings, policyViolations } from './policy';
import { validateSchema } from './schema';

type Scenario = 'standalone' | 'distributed' | 'external S3' | 'GCS';

interface Stack { objects: K8sObject[]; manager: GitLabRunnerManager; runner: Runner; cache: IRunnerCache }

const minioProps = (extra: Partial<MinioCacheProps> = {}): MinioCacheProps => ({
  rootCredentials: CacheCredentials.fromSecret('minio-root'),
  cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
  ...extra,
});

/** A manager with one runner wired to the scenario's cache. */
function stack(scenario: Scenario, extra: Partial<MinioCacheProps> = {}): Stack {
  let manager!: GitLabRunnerManager;
  let runner!: Runner;
  let cache!: IRunnerCache;
  const objects = synth((chart) => {
    manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    runner = manager.addRunner('default', { token: { secretName: 'runner-token' } });
    switch (scenario) {
      case 'standalone': cache = new MinioCache(chart, 'cache', minioProps(extra)); break;
      case 'distributed': cache = new MinioCache(chart, 'cache', minioProps({ mode: 'distributed', ...extra })); break;
      case 'external S3': cache = new S3Cache(chart, 'cache', {
        bucketName: 'acme-ci-cache', region: 'eu-west-1',
        credentials: CacheCredentials.fromExternalSecret({ storeName: 'vault', remoteKey: 'ci/runner-cache' }),
      }); break;
      case 'GCS': cache = new GcsCache(chart, 'cache', { bucketName: 'acme-ci-cache' }); break;
    }
    runner.useCache(cache);
  });
  return { objects, manager, runner, cache };
}

const configOf = (objects: K8sObject[]) =>
  fromToml(find(objects, 'ConfigMap', 'gitlab-runner', 'gitlab-runner').data['config.template.toml']);
const ids = (objects: K8sObject[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`);
const managerPod = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'gitlab-runner', 'gitlab-runner').spec.template.spec;

const scenarios: Scenario[] = ['standalone', 'distributed', 'external S3', 'GCS'];

describe.each(scenarios)('%s cache', (scenario) => {
  const { objects } = stack(scenario);

  test('WHEN synthesized THEN the manifests match the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('THEN every object validates against its schema', () => {
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
  });

  test('THEN no Secret object and no secret value is emitted', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const { spec } of podSpecs(objects)) {
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        for (const e of c.env ?? []) expect(e.valueFrom?.secretKeyRef).toBeUndefined();
      }
    }
    const config = configOf(objects).runners[0].cache!;
    for (const value of [config.s3?.AccessKey, config.s3?.SecretKey].filter((x) => x !== undefined)) {
      expect(value).toMatch(/^@@secret:[^@]+@@$/);
    }
  });

  test('THEN nothing violates Pod Security "restricted" or the best-practice rules', () => {
    expect(policyViolations(objects)).toEqual([]);
  });
});

describe('runner wiring: the runner\'s cache section comes from the cache construct', () => {
  test('GIVEN a MinIO cache THEN [runners.cache] names its Service, port, bucket, region and key Secret', () => {
    const { objects, cache } = stack('standalone');
    const minio = cache as MinioCache;
    const service = find(objects, 'Service', minio.serviceName, minio.namespace);
    expect(service.spec.ports).toEqual([{ name: 's3', port: minio.port, targetPort: 's3', protocol: 'TCP' }]);
    expect(minio.port).toBe(9000);

    const config = configOf(objects).runners[0].cache;
    expect(config).toEqual({
      Type: 's3',
      Path: minio.path,
      Shared: minio.shared,
      s3: {
        ServerAddress: `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${service.spec.ports[0].port}`,
        AccessKey: `@@secret:${minio.cacheCredentials.secretName}/${minio.cacheCredentials.accessKey.key}@@`,
        SecretKey: `@@secret:${minio.cacheCredentials.secretName}/${minio.cacheCredentials.secretKey.key}@@`,
        BucketName: minio.bucketName,
        BucketLocation: minio.region,
        Insecure: true,
        AuthenticationType: 'access-key',
        PathStyle: true,
      },
    });
    expect(config!.s3!.ServerAddress).toBe(minio.serverAddress);

    // The bucket the Job provisions and the region MinIO runs with are the same values.
    const job = objects.find((o) => o.kind === 'Job')!;
    const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.BUCKET).toBe(config!.s3!.BucketName);
    expect(env.MINIO_URL).toBe(`http://${config!.s3!.ServerAddress}`);
    const minioEnv = find(objects, 'Deployment', minio.name, minio.namespace).spec.template.spec.containers[0].env;
    expect(minioEnv).toContainEqual({ name: 'MINIO_SITE_REGION', value: config!.s3!.BucketLocation });
  });

  test('THEN the keys the runner uses are the keys the Job gives the runner user, and never the root user', () => {
    const { objects, cache } = stack('standalone');
    const minio = cache as MinioCache;
    const job = objects.find((o) => o.kind === 'Job')!;
    const sources = job.spec.template.spec.volumes.find((v: any) => v.name === 'credentials').projected.sources;
    expect(sources).toEqual([
      { secret: { name: 'minio-root', items: [{ key: 'rootUser', path: 'root-user' }, { key: 'rootPassword', path: 'root-password' }] } },
      { secret: { name: minio.cacheCredentials.secretName, items: [{ key: 'accesskey', path: 'cache-accesskey' }, { key: 'secretkey', path: 'cache-secretkey' }] } },
    ]);
    const config = configOf(objects).runners[0].cache!;
    expect(JSON.stringify(config)).not.toContain('minio-root');
  });

  test('THEN the manager\'s init container mounts the cache keys from the Secret in the manager\'s namespace, and only it', () => {
    const { objects } = stack('standalone');
    const pod = managerPod(objects);
    expect(pod.volumes.find((v: any) => v.name === 'runner-secrets').projected.sources).toEqual([
      { secret: { name: 'gitlab-runner-cache', optional: true, items: [
        { key: 'accesskey', path: 'gitlab-runner-cache/accesskey' },
        { key: 'secretkey', path: 'gitlab-runner-cache/secretkey' },
      ] } },
      { secret: { name: 'runner-token', optional: true, items: [{ key: 'runner-token', path: 'runner-token/runner-token' }] } },
    ]);
    expect(pod.initContainers[0].args).toEqual(expect.arrayContaining(['runners.cache.s3.AccessKey=gitlab-runner-cache/accesskey', 'runners.cache.s3.SecretKey=gitlab-runner-cache/secretkey']));
    expect(pod.containers[0].volumeMounts.map((m: any) => m.name)).not.toContain('runner-secrets');
  });

  test('THEN build pods get the cache\'s labels, alongside the runner\'s own', () => {
    let objects: K8sObject[] = [];
    objects = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      m.addRunner('default', { token: { secretName: 't' }, podLabels: { team: 'a' } }).useCache(new MinioCache(chart, 'cache', minioProps()));
    });
    expect(configOf(objects).runners[0].kubernetes.pod_labels).toEqual({
      'team': 'a',
      'cdk8s-gitlab-runner/cache': 'minio',
      'cdk8s-gitlab-runner/cache-namespace': 'gitlab-runner-cache',
    });
  });

  test('GIVEN an external S3 bucket with keys THEN an ExternalSecret provides them in the manager\'s namespace', () => {
    const { objects } = stack('external S3');
    expect(configOf(objects).runners[0].cache).toEqual({
      Type: 's3', Path: 'runner', Shared: true,
      s3: {
        ServerAddress: 's3.amazonaws.com',
        AccessKey: '@@secret:s3-cache-keys/accesskey@@',
        SecretKey: '@@secret:s3-cache-keys/secretkey@@',
        BucketName: 'acme-ci-cache', BucketLocation: 'eu-west-1', Insecure: false, AuthenticationType: 'access-key',
      },
    });
    expect(find(objects, 'ExternalSecret', 's3-cache-keys', 'gitlab-runner').spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 's3-cache-keys', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'accesskey', remoteRef: { key: 'ci/runner-cache', property: 'accesskey' } },
        { secretKey: 'secretkey', remoteRef: { key: 'ci/runner-cache', property: 'secretkey' } },
      ],
    });
  });

  test('GIVEN an external S3 bucket without keys THEN the runner uses its IAM identity and no key at all', () => {
    const objects = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      m.addRunner('default', { token: { secretName: 't' } })
        .useCache(new S3Cache(chart, 'cache', { bucketName: 'acme-ci-cache', region: 'eu-west-1' }));
    });
    expect(configOf(objects).runners[0].cache).toEqual({
      Type: 's3', Path: 'runner', Shared: true,
      s3: { ServerAddress: 's3.amazonaws.com', BucketName: 'acme-ci-cache', BucketLocation: 'eu-west-1', Insecure: false, AuthenticationType: 'iam' },
    });
    expect(objects.filter((o) => !['gitlab-runner', 'gitlab-runner-builds'].includes(o.metadata.namespace ?? o.metadata.name))).toEqual([]);
  });

  test('GIVEN GCS THEN [runners.cache.gcs] names the bucket only (Workload Identity, no key)', () => {
    const { objects } = stack('GCS');
    expect(configOf(objects).runners[0].cache).toEqual({ Type: 'gcs', Path: 'runner', Shared: true, gcs: { BucketName: 'acme-ci-cache' } });
  });

  test('GIVEN the same cache wired twice to a runner THEN the second call changes nothing', () => {
    const objects = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      const cache = new MinioCache(chart, 'cache', minioProps());
      m.addRunner('default', { token: { secretName: 't' } }).useCache(cache).useCache(cache);
      expect(cache.clients).toHaveLength(1);
    });
    expect(configOf(objects).runners[0].cache?.Type).toBe('s3');
  });
});

describe('rendered config.toml (the real render script)', () => {
  test('GIVEN the cache Secret\'s files WHEN the init container renders config.toml THEN the cache keys are in it and it parses', () => {
    const { objects } = stack('standalone');
    const template = find(objects, 'ConfigMap', 'gitlab-runner', 'gitlab-runner').data['config.template.toml'];
    expect(template).toContain('\n[runners.cache]\nType = "s3"\nPath = "runner"\nShared = true\n');
    expect(template).toContain('\n[runners.cache.s3]\nServerAddress = "minio.gitlab-runner-cache.svc.cluster.local:9000"\n');
    const out = renderConfig(template, {
      'runner-token/runner-token': 'glrt-abc\n',
      'gitlab-runner-cache/accesskey': 'gitlab-runner\n',
      'gitlab-runner-cache/secretkey': 'cache-S3cret-"Key\\\n',
    }, {}, 'sh', renderSites(objects, 'gitlab-runner'));
    expect(out.stderr).toBe('');
    const rendered = fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8');
    const s3 = (parse(rendered) as any).runners[0].cache.s3;
    expect(s3.AccessKey).toBe('gitlab-runner');
    expect(s3.SecretKey).toBe('cache-S3cret-"Key\\');
    expect(rendered).not.toContain('@@secret:');
  });
});

describe('NetworkPolicy: MinIO admits exactly the build pods of wired runners, and the Job', () => {
  const build = () => {
    let cache!: MinioCache;
    const objects = synth((chart) => {
      const a = new GitLabRunnerManager(chart, 'a', { gitlabUrl: 'https://gitlab.example.com', name: 'runner-a', namespace: 'runner-a' });
      const b = new GitLabRunnerManager(chart, 'b', { gitlabUrl: 'https://gitlab.example.com', name: 'runner-b', namespace: 'runner-b' });
      // The policy is declared before any runner is wired: wiring updates it.
      cache = new MinioCache(chart, 'cache', minioProps());
      a.addRunner('one', { token: { secretName: 't' }, buildNamespace: 'team-x' }).useCache(cache);
      a.addRunner('two', { token: { secretName: 't' }, buildNamespace: 'team-x' }).useCache(cache);
      b.addRunner('three', { token: { secretName: 't' }, buildNamespace: 'team-y' }).useCache(cache);
      b.addRunner('unwired', { token: { secretName: 't' }, buildNamespace: 'team-z' });
    });
    return { objects, cache };
  };

  test('THEN MinIO\'s policy selects its pods, admits 9000 from those build namespaces\' labelled build pods and the Job, and allows no egress', () => {
    const { objects } = build();
    const buildPods = {
      matchLabels: { 'cdk8s-gitlab-runner/cache': 'minio', 'cdk8s-gitlab-runner/cache-namespace': 'gitlab-runner-cache' },
      matchExpressions: [{ key: 'job.runner.gitlab.com/pod', operator: 'Exists' }],
    };
    const minioPods = { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache' } };
    const jobPods = { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache-provisioner' } };
    expect(find(objects, 'NetworkPolicy', 'minio', 'gitlab-runner-cache').spec).toEqual({
      podSelector: minioPods,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-x' } }, podSelector: buildPods },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'team-y' } }, podSelector: buildPods },
          { podSelector: jobPods },
        ],
        ports: [{ protocol: 'TCP', port: 9000 }],
      }],
    });
    // The selectors match the objects' actual labels.
    const deployment = find(objects, 'Deployment', 'minio', 'gitlab-runner-cache');
    expect(deployment.spec.template.metadata.labels).toEqual(expect.objectContaining(minioPods.matchLabels));
    const job = objects.find((o) => o.kind === 'Job')!;
    expect(job.spec.template.metadata.labels).toEqual(expect.objectContaining(jobPods.matchLabels));
    expect(job.spec.template.metadata.labels).not.toEqual(expect.objectContaining(minioPods.matchLabels));
    // Wired runners' build pods carry the labels; the unwired runner's do not.
    const runners = ['runner-a', 'runner-b'].flatMap((m) => fromToml(find(objects, 'ConfigMap', m, m).data['config.template.toml']).runners);
    for (const r of runners) {
      if (r.name === 'unwired') expect(r.kubernetes.pod_labels).toBeUndefined();
      else expect(r.kubernetes.pod_labels).toEqual(buildPods.matchLabels);
    }
    // Keys are provided in both managers' namespaces, from the same Secret reference.
    for (const m of ['runner-a', 'runner-b']) {
      expect(managerPodOf(objects, m).volumes.find((v: any) => v.name === 'runner-secrets').projected.sources[0].secret.name).toBe('gitlab-runner-cache');
    }
  });

  test('THEN the Job\'s policy admits nothing and reaches only DNS and MinIO\'s pods on 9000', () => {
    const { objects } = build();
    expect(find(objects, 'NetworkPolicy', 'minio-provision', 'gitlab-runner-cache').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache-provisioner' } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
        { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache' } } }], ports: [{ protocol: 'TCP', port: 9000 }] },
      ],
    });
  });

  test('GIVEN distributed mode THEN MinIO pods also admit and reach each other, and resolve DNS', () => {
    const { objects } = stack('distributed');
    const minioPods = { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache' } };
    const spec = find(objects, 'NetworkPolicy', 'minio', 'gitlab-runner-cache').spec;
    expect(spec.ingress[0].from[spec.ingress[0].from.length - 1]).toEqual({ podSelector: minioPods });
    expect(spec.egress).toEqual([
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { to: [{ podSelector: minioPods }], ports: [{ protocol: 'TCP', port: 9000 }] },
    ]);
  });

  test('GIVEN no runner wired yet THEN only the Job is admitted', () => {
    const objects = synth((chart) => { new MinioCache(chart, 'cache', minioProps()); });
    expect(find(objects, 'NetworkPolicy', 'minio', 'gitlab-runner-cache').spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache-provisioner' } } },
    ]);
  });

  test('GIVEN networkPolicies: false THEN none is emitted', () => {
    const { objects } = stack('standalone', { networkPolicies: false });
    expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'gitlab-runner-cache')).toEqual([]);
  });
});

function managerPodOf(objects: K8sObject[], name: string): any {
  return find(objects, 'StatefulSet', name, name).spec.template.spec;
}

describe('MinIO server', () => {
  test('GIVEN standalone mode THEN one pod, Recreate strategy, one ReadWriteOnce volume, no PDB', () => {
    const { objects } = stack('standalone', { storageSize: '50Gi', storageClassName: 'fast' });
    expect(ids(objects).filter((id) => id.includes('gitlab-runner-cache'))).toEqual([
      'Namespace -/gitlab-runner-cache',
      'ServiceAccount gitlab-runner-cache/minio',
      'Service gitlab-runner-cache/minio',
      'PersistentVolumeClaim gitlab-runner-cache/minio-data',
      'Deployment gitlab-runner-cache/minio',
      'NetworkPolicy gitlab-runner-cache/minio',
      'ConfigMap gitlab-runner-cache/minio-provision',
      'ServiceAccount gitlab-runner-cache/minio-provision',
      expect.stringMatching(/^Job gitlab-runner-cache\/minio-provision-[0-9a-f]{10}$/),
      'NetworkPolicy gitlab-runner-cache/minio-provision',
    ]);
    const d = find(objects, 'Deployment', 'minio', 'gitlab-runner-cache');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    expect(d.spec.template.spec.volumes[0]).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'minio-data' } });
    expect(find(objects, 'PersistentVolumeClaim', 'minio-data', 'gitlab-runner-cache').spec).toEqual({
      accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '50Gi' } },
    });
    expect(d.spec.template.spec.containers[0].args).toEqual(['server', '--address', ':9000', '--certs-dir', '/etc/minio/certs', '/data']);
  });

  test('GIVEN distributed mode with 6 pods THEN a StatefulSet with a headless Service, a volume per pod and a PDB', () => {
    const { objects } = stack('distributed', { replicas: 6 });
    const sts = find(objects, 'StatefulSet', 'minio', 'gitlab-runner-cache');
    expect(sts.spec.replicas).toBe(6);
    expect(sts.spec.serviceName).toBe('minio-hl');
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    expect(sts.spec.volumeClaimTemplates.map((t: any) => [t.metadata.name, t.spec.accessModes, t.spec.resources.requests.storage]))
      .toEqual([['data', ['ReadWriteOnce'], '20Gi']]);
    expect(sts.spec.template.spec.containers[0].args).toEqual([
      'server', '--address', ':9000', '--certs-dir', '/etc/minio/certs',
      'http://minio-{0...5}.minio-hl.gitlab-runner-cache.svc.cluster.local:9000/data',
    ]);
    const headless = find(objects, 'Service', 'minio-hl', 'gitlab-runner-cache');
    expect(headless.spec).toEqual(expect.objectContaining({ clusterIP: 'None', publishNotReadyAddresses: true }));
    expect(find(objects, 'PodDisruptionBudget', 'minio', 'gitlab-runner-cache').spec).toEqual({
      maxUnavailable: 1, selector: sts.spec.selector,
    });
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
  });

  test('THEN root credentials are files from the Secret (MINIO_ROOT_*_FILE), probes hit MinIO\'s health endpoints, the console is off', () => {
    const { objects } = stack('standalone');
    const pod = find(objects, 'Deployment', 'minio', 'gitlab-runner-cache').spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('minio/minio:RELEASE.2025-09-07T16-13-09Z');
    expect(c.env).toEqual([
      { name: 'MINIO_ROOT_USER_FILE', value: '/run/secrets/minio-root/root-user' },
      { name: 'MINIO_ROOT_PASSWORD_FILE', value: '/run/secrets/minio-root/root-password' },
      { name: 'MINIO_BROWSER', value: 'off' },
      { name: 'MINIO_SITE_REGION', value: 'us-east-1' },
      { name: 'HOME', value: '/tmp' },
    ]);
    expect(pod.volumes.find((v: any) => v.name === 'root-credentials').secret).toEqual({
      secretName: 'minio-root', defaultMode: 0o440,
      items: [{ key: 'rootUser', path: 'root-user' }, { key: 'rootPassword', path: 'root-password' }],
    });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/minio/health/live', port: 's3' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/minio/health/ready', port: 's3' });
    expect(c.ports).toEqual([{ name: 's3', containerPort: 9000, protocol: 'TCP' }]);
    expect(c.resources).toEqual({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(c.securityContext).toEqual(expect.objectContaining({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false }));
    // Every writable path is an emptyDir or the data volume.
    expect(c.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath)).toEqual(['/data', '/etc/minio/certs', '/tmp']);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('GIVEN console: true THEN port 9001 is served and exposed on the Service, but the NetworkPolicy does not open it', () => {
    const { objects } = stack('standalone', { console: true });
    const c = find(objects, 'Deployment', 'minio', 'gitlab-runner-cache').spec.template.spec.containers[0];
    expect(c.args).toContain('--console-address');
    expect(c.env).toContainEqual({ name: 'MINIO_BROWSER', value: 'on' });
    expect(find(objects, 'Service', 'minio', 'gitlab-runner-cache').spec.ports.map((p: any) => p.port)).toEqual([9000, 9001]);
    expect(find(objects, 'NetworkPolicy', 'minio', 'gitlab-runner-cache').spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([9000]);
  });
});

describe('bucket provisioning Job', () => {
  const jobOf = (objects: K8sObject[]) => objects.find((o) => o.kind === 'Job')!;

  test('THEN it has a retry limit, a deadline, a TTL, no service-account token and no secret in its spec', () => {
    const job = jobOf(stack('standalone').objects);
    expect(job.spec).toEqual(expect.objectContaining({ backoffLimit: 4, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 86400 }));
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].image).toBe('minio/mc:RELEASE.2025-08-13T08-35-41Z');
    for (const e of pod.containers[0].env) expect(Object.keys(e)).toEqual(['name', 'value']);
    expect(pod.volumes.find((v: any) => v.name === 'tmp').emptyDir.medium).toBe('Memory');
    expect(job.metadata.annotations).toBeUndefined();
  });

  test('THEN its ConfigMap holds the expiry rule and the bucket-scoped policy', () => {
    const { objects } = stack('standalone', { expiry: Duration.days(7), bucketName: 'ci-cache' });
    const data = find(objects, 'ConfigMap', 'minio-provision', 'gitlab-runner-cache').data;
    expect(JSON.parse(data['lifecycle.json'])).toEqual({
      Rules: [{ ID: 'expire-cache', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 7 } }],
    });
    expect(JSON.parse(data['policy.json'])).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket'], Resource: ['arn:aws:s3:::ci-cache'] },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::ci-cache/*'] },
      ],
    });
  });

  test('GIVEN a changed input THEN the Job gets a new name (and runs again); GIVEN the same inputs THEN the same name', () => {
    const name = (extra: Partial<MinioCacheProps> = {}) => jobOf(stack('standalone', extra).objects).metadata.name;
    const base = name();
    expect(name()).toBe(base);
    const changed = [
      name({ expiry: Duration.days(30) }),
      name({ quota: '100Gi' }),
      name({ bucketName: 'other-cache' }),
      name({ cacheCredentials: CacheCredentials.fromSecret('rotated-keys') }),
      name({ provisioning: { image: 'minio/mc:RELEASE.2025-07-21T05-28-08Z' } }),
    ];
    expect(new Set([base, ...changed]).size).toBe(6);
    // Hook annotations are not an input.
    expect(name({ provisioning: { hook: 'argocd' } })).toBe(base);
  });

  test.each([
    ['argocd', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' }],
    ['helm', { 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation' }],
  ] as const)('GIVEN hook %s THEN the Job carries its annotations', (hook, annotations) => {
    expect(jobOf(stack('standalone', { provisioning: { hook } }).objects).metadata.annotations).toEqual(annotations);
  });
});

describe('credentials', () => {
  test('GIVEN ExternalSecrets THEN one per namespace that needs it: root in the cache\'s, keys in the cache\'s and each manager\'s', () => {
    const objects = synth((chart) => {
      const a = new GitLabRunnerManager(chart, 'a', { gitlabUrl: 'https://gitlab.example.com', name: 'runner-a', namespace: 'runner-a' });
      const cache = new MinioCache(chart, 'cache', {
        rootCredentials: CacheCredentials.fromExternalSecret({ storeName: 'vault', remoteKey: 'ci/minio-root', remoteProperties: { accessKey: 'user', secretKey: 'password' } }),
        cacheCredentials: CacheCredentials.fromExternalSecret({ storeName: 'vault', storeKind: 'SecretStore', remoteKey: 'ci/runner-cache', refreshInterval: Duration.minutes(15) }),
      });
      a.addRunner('one', { token: { secretName: 't' } }).useCache(cache);
      a.addRunner('two', { token: { secretName: 't' }, buildNamespace: 'other' }).useCache(cache);
    });
    expect(ids(objects.filter((o) => o.kind === 'ExternalSecret'))).toEqual([
      'ExternalSecret gitlab-runner-cache/minio-root',
      'ExternalSecret gitlab-runner-cache/minio-cache-keys',
      'ExternalSecret runner-a/minio-cache-keys',
    ]);
    expect(find(objects, 'ExternalSecret', 'minio-root', 'gitlab-runner-cache').spec.data).toEqual([
      { secretKey: 'rootUser', remoteRef: { key: 'ci/minio-root', property: 'user' } },
      { secretKey: 'rootPassword', remoteRef: { key: 'ci/minio-root', property: 'password' } },
    ]);
    const keys = find(objects, 'ExternalSecret', 'minio-cache-keys', 'runner-a');
    expect(keys.apiVersion).toBe('external-secrets.io/v1');
    expect(keys.spec.refreshInterval).toBe('15m');
    expect(keys.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'vault' });
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  test('GIVEN the development opt-in THEN Secrets with the literal values are emitted, loudly annotated, where needed', () => {
    const objects = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      const cache = new MinioCache(chart, 'cache', {
        rootCredentials: CacheCredentials.insecureLiteralForDevelopmentOnly({ accessKey: 'admin', secretKey: 'dev-root-password' }),
        cacheCredentials: CacheCredentials.insecureLiteralForDevelopmentOnly({ accessKey: 'runner', secretKey: 'dev-cache-password' }),
      });
      m.addRunner('default', { token: { secretName: 't' } }).useCache(cache);
    });
    const secrets = objects.filter((o) => o.kind === 'Secret');
    expect(ids(secrets)).toEqual(['Secret gitlab-runner-cache/minio-root', 'Secret gitlab-runner-cache/minio-cache-keys', 'Secret gitlab-runner/minio-cache-keys']);
    for (const s of secrets) expect(s.metadata.annotations!['cdk8s-gitlab-runner/insecure-literal-credentials']).toMatch(/^INSECURE, development only: /);
    expect(find(objects, 'Secret', 'minio-cache-keys', 'gitlab-runner').stringData).toEqual({ accesskey: 'runner', secretkey: 'dev-cache-password' });
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
  });
});

describe('Pod Security "restricted" (@monokle/validation) for MinIO and the Job', () => {
  test('GIVEN MinIO and the Job in both modes THEN no finding at all, not even an accepted one', () => {
    for (const scenario of ['standalone', 'distributed'] as const) {
      const cacheObjects = stack(scenario).objects.filter((o) => (o.metadata.namespace ?? o.metadata.name) === 'gitlab-runner-cache');
      expect(cacheObjects.map((o) => o.kind)).toEqual(expect.arrayContaining(['Job', scenario === 'standalone' ? 'Deployment' : 'StatefulSet']));
      expect(policyFindings(cacheObjects)).toEqual([]);
    }
  });

  test('GIVEN a MinIO pod and a Job weakened below "restricted" THEN the validator reports them (the check can fail)', () => {
    const objects = stack('standalone').objects;
    const deployment = structuredClone(find(objects, 'Deployment', 'minio', 'gitlab-runner-cache'));
    deployment.spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    const job = structuredClone(objects.find((o) => o.kind === 'Job')!);
    delete job.spec.template.spec.securityContext.seccompProfile;
    delete job.spec.template.spec.containers[0].securityContext.seccompProfile;
    const found = policyViolations([deployment, job]).map((f) => `${f.rule} ${f.object}`);
    expect(found).toEqual(expect.arrayContaining([
      'PSS202 Deployment gitlab-runner-cache/minio',
      expect.stringMatching(/^PSS\d+ Job gitlab-runner-cache\/minio-provision-/),
    ]));
  });
});

describe('reference stack', () => {
  test('THEN its runner uses the standalone MinIO cache', () => {
    const ref = new ReferenceStack(Testing.app(), 'gitlab-runner');
    const objects = Testing.synth(ref) as K8sObject[];
    expect(ref.cache.mode).toBe('standalone');
    expect(ref.manager.runners[0].cache).toBe(ref.cache);
    // The cache's namespace is made from the Helm value namePrefix: plain synth holds its default.
    expect(configOf(objects).runners[0].cache?.s3?.ServerAddress).toBe('minio.gitlab-runner-cache.svc.cluster.local:9000');
  });

  test('THEN dist/ holds no Secret and no secret value', () => {
    const dist = fs.readFileSync(path.join(__dirname, '..', 'dist', 'gitlab-runner.k8s.yaml'), 'utf8');
    expect(dist).not.toMatch(/^kind: Secret$/m);
    expect(dist).not.toMatch(/stringData|glrt-|MINIO_ROOT_PASSWORD:|AccessKey = "(?!@@secret:)/);
  });
});
