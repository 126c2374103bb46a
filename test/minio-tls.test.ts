import { Duration } from 'cdk8s';
import { parse } from 'smol-toml';
import { CacheCredentials, GitLabRunnerManager, MinioCache, MinioCacheProps, MinioTls, Runner } from '../src';
import { attemptSynth, find, K8sObject, synth } from './helpers';
import { policyViolations } from './policy';
import { validateSchema } from './schema';

const NS = 'gitlab-runner-cache';
const HOST = `minio.${NS}.svc.cluster.local`;

function stack(tls: MinioTls, extra: Partial<MinioCacheProps> = {}): { objects: K8sObject[]; cache: MinioCache; runner: Runner } {
  let cache!: MinioCache;
  let runner!: Runner;
  const objects = synth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    runner = manager.addRunner('default', { token: { secretName: 'runner-token' } });
    cache = new MinioCache(chart, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      tls,
      ...extra,
    });
    runner.useCache(cache);
  });
  return { objects, cache, runner };
}

const config = (objects: K8sObject[]) => parse(find(objects, 'ConfigMap', 'gitlab-runner', 'gitlab-runner').data['config.template.toml']) as any;
const minioContainer = (o: K8sObject) => o.spec.template.spec.containers[0];

describe('MinIO over TLS from an existing Secret', () => {
  const { objects, cache } = stack(MinioTls.fromSecret('minio-tls'));
  const deployment = find(objects, 'Deployment', 'minio', NS);

  test('WHEN synthesized THEN the manifests match the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('THEN every object validates and nothing violates Pod Security "restricted"', () => {
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
    expect(policyViolations(objects)).toEqual([]);
  });

  test('THEN MinIO reads the certificate, key and CA under the names it looks for in --certs-dir', () => {
    const c = minioContainer(deployment);
    expect(c.args.slice(c.args.indexOf('--certs-dir'), c.args.indexOf('--certs-dir') + 2)).toEqual(['--certs-dir', '/etc/minio/certs']);
    expect(c.volumeMounts).toContainEqual({ name: 'certs', mountPath: '/etc/minio/certs' });
    const certs = deployment.spec.template.spec.volumes.find((v: any) => v.name === 'certs');
    expect(certs.secret).toEqual({
      secretName: 'minio-tls', defaultMode: 0o440,
      items: [{ key: 'tls.crt', path: 'public.crt' }, { key: 'tls.key', path: 'private.key' }, { key: 'ca.crt', path: 'CAs/ca.crt' }],
    });
    expect(c.readinessProbe.httpGet.scheme).toBe('HTTPS');
    expect(c.livenessProbe.httpGet.scheme).toBe('HTTPS');
  });

  test('THEN runners use https without Insecure, and build pods mount the CA where the helper trusts it', () => {
    const runner = config(objects).runners[0];
    expect(runner.cache.s3.Insecure).toBe(false);
    expect(runner.cache.s3.ServerAddress).toBe(`${HOST}:9000`);
    expect(runner.kubernetes.volumes.secret).toContainEqual({ name: 'minio-ca', mount_path: '/etc/gitlab-runner/certs', read_only: true, items: { 'ca.crt': 'ca.crt' } });
    expect(cache.endpoint).toBe(`https://${HOST}:9000`);
    expect(cache.tls).toMatchObject({ secretName: 'minio-tls', caKey: 'ca.crt', buildPodCaSecretName: 'minio-ca' });
  });

  test('THEN the provisioning Job talks https and gives mc the CA alone (not the Secret with the private key)', () => {
    const job = objects.find((o) => o.kind === 'Job')!;
    const c = job.spec.template.spec.containers[0];
    expect(c.env).toContainEqual({ name: 'MINIO_URL', value: `https://${HOST}:9000` });
    expect(c.env).toContainEqual({ name: 'MINIO_CA_FILE', value: '/run/secrets/minio-ca/ca.crt' });
    const ca = job.spec.template.spec.volumes.find((v: any) => v.name === 'server-ca');
    expect(ca.secret.items).toEqual([{ key: 'ca.crt', path: 'ca.crt' }]);
  });

  test('GIVEN plain HTTP (no tls) THEN runners keep Insecure and build pods mount nothing', () => {
    const { objects: plain } = stack(undefined as any);
    const runner = config(plain).runners[0];
    expect(runner.cache.s3.Insecure).toBe(true);
    expect(runner.kubernetes.volumes).toBeUndefined();
    expect(plain.find((o) => o.kind === 'Job')!.spec.template.spec.containers[0].env.map((e: any) => e.name)).not.toContain('MINIO_CA_FILE');
  });
});

describe('MinIO over TLS with a cert-manager Certificate', () => {
  const { objects } = stack(MinioTls.fromCertManager({ issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer' } }), { mode: 'distributed' });
  const certificate = find(objects, 'Certificate', 'minio', NS);

  test('WHEN synthesized THEN the manifests match the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('THEN the Certificate validates against the vendored CRD and covers the Service and every peer', () => {
    expect(() => validateSchema(certificate)).not.toThrow();
    expect(certificate.apiVersion).toBe('cert-manager.io/v1');
    expect(certificate.spec).toMatchObject({
      secretName: 'minio-tls',
      dnsNames: [HOST, `*.minio-hl.${NS}.svc.cluster.local`],
      issuerRef: { name: 'internal-ca', kind: 'ClusterIssuer', group: 'cert-manager.io' },
      duration: '2160h',
      renewBefore: '720h',
    });
  });

  test('THEN the Namespace precedes the Certificate in it (`kubectl apply -f` creates objects in file order)', () => {
    const at = (kind: string) => objects.findIndex((o) => o.kind === kind && (o.metadata.name === NS || o.metadata.namespace === NS));
    expect(at('Namespace')).toBeGreaterThanOrEqual(0);
    expect(at('Namespace')).toBeLessThan(at('Certificate'));
  });

  test('THEN distributed MinIO reaches its peers over https, with the Certificate\'s Secret', () => {
    const sts = find(objects, 'StatefulSet', 'minio', NS);
    expect(minioContainer(sts).args.at(-1)).toMatch(/^https:\/\/minio-\{0\.\.\.3\}\.minio-hl\./);
    expect(sts.spec.template.spec.volumes.find((v: any) => v.name === 'certs').secret.secretName).toBe('minio-tls');
  });
});

describe('MinIO TLS: bad input', () => {
  const attempt = (tls: MinioTls, extra: Partial<MinioCacheProps> = {}) => attemptSynth((chart) => {
    new MinioCache(chart, 'cache', {
      rootCredentials: CacheCredentials.fromSecret('minio-root'),
      cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      tls,
      ...extra,
    });
  });

  test.each<[string, () => MinioTls, RegExp]>([
    ['a Secret name that is no DNS name', () => MinioTls.fromSecret('Minio_TLS'), /cache: invalid tls\.secretName "Minio_TLS": must be a DNS-1123 subdomain/],
    ['a CA key with a slash', () => MinioTls.fromSecret('minio-tls', { caKey: 'ca/crt' }), /cache: invalid tls\.caKey "ca\/crt"/],
    ['no issuerRef', () => MinioTls.fromCertManager({} as any), /cache: invalid tls\.issuerRef \(missing\): must name the Issuer or ClusterIssuer/],
    ['an unknown issuer kind', () => MinioTls.fromCertManager({ issuerRef: { name: 'ca', kind: 'Cluster' as any } }), /cache: invalid tls\.issuerRef\.kind "Cluster": must be one of "Issuer", "ClusterIssuer"/],
    ['renewBefore not shorter than duration', () => MinioTls.fromCertManager({ issuerRef: { name: 'ca' }, duration: Duration.days(10), renewBefore: Duration.days(10) }), /cache: invalid tls\.renewBefore "240h": must be shorter than duration \(240h\)/],
    ['a duration of minutes', () => MinioTls.fromCertManager({ issuerRef: { name: 'ca' }, duration: Duration.minutes(90) }), /cache: invalid tls\.duration "1\.5h": must be whole hours, at least 2/],
    ['a build pod CA Secret name that is no DNS name', () => MinioTls.fromSecret('minio-tls', { buildPodCaSecretName: 'CA!' }), /cache: invalid tls\.buildPodCaSecretName "CA!"/],
    ['not a MinioTls', () => ({ secretName: 'minio-tls' }) as any, /cache: invalid tls \{"secretName":"minio-tls"\}: must be MinioTls\.fromSecret\(secretName\) or MinioTls\.fromCertManager/],
  ])('GIVEN %s THEN a ConfigError names the field and nothing is written', (_what, tls, message) => {
    const { error, written } = attempt(tls());
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(message);
    expect(written).toEqual([]);
  });

  test('GIVEN a runner volume at the helper\'s CA directory THEN wiring the TLS cache is refused, naming both', () => {
    const { error } = attemptSynth((chart) => {
      const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      const runner = manager.addRunner('default', { token: { secretName: 'runner-token' }, volumes: { secret: [{ secretName: 'my-ca', mountPath: '/etc/gitlab-runner/certs' }] } });
      runner.useCache(new MinioCache(chart, 'cache', {
        rootCredentials: CacheCredentials.fromSecret('minio-root'),
        cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
        tls: MinioTls.fromSecret('minio-tls'),
      }));
    });
    expect(error?.message).toMatch(/manager\/default: invalid useCache\(\) "[^"]*cache": build pods mount the cache's Secret "minio-ca" at \/etc\/gitlab-runner\/certs, which clashes with the build pod volume "my-ca"/);
  });
});
