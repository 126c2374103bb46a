import { Chart, Duration } from 'cdk8s';
import { CacheCredentials, GcsCache, GitLabRunnerManager, MinioCache, MinioCacheProps, RunnerOptions, S3Cache } from '../src';
import { attemptSynth } from './helpers';

/**
 * Builds an app with a manager, a runner and whatever `build` adds, then synthesizes it into a
 * fresh folder. Returns the error and what was written.
 */
function attempt(build: (chart: Chart, runner: ReturnType<GitLabRunnerManager['addRunner']>) => void, runner: Partial<RunnerOptions> = {}) {
  return attemptSynth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com' });
    build(chart, manager.addRunner('default', { token: { secretName: 'runner-token' }, ...runner }));
  });
}

const valid: MinioCacheProps = {
  rootCredentials: CacheCredentials.fromSecret('minio-root'),
  cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
};
/** A MinIO cache with `props` over valid ones, wired to the runner. */
const minio = (props: Partial<MinioCacheProps>) => (chart: Chart, runner: any) => runner.useCache(new MinioCache(chart, 'cache', { ...valid, ...props }));

const C = 'stack/cache';
const R = 'stack/runner/default';
const BUCKET = 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, without ".." or "." next to "-", not an IP address, not starting with "xn--", "sthree-" or "amzn-s3-demo-", not ending with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3"';
const REPLICAS = 'must be an integer from 4 to 16, or a multiple of one of those (MinIO erasure sets of 4 to 16 pods): 2 or 3 pods lose write quorum when one fails';
const SIZE = 'must be a storage size of at least 1Gi such as "20Gi" or "500Gi" (binary suffixes Ki, Mi, Gi, Ti, Pi; decimal k, M, G, T, P)';
const DAYS = 'must be a Duration of whole days, from 1 to 2147483647 days, e.g. Duration.days(14)';
const CREDENTIALS = 'must reference the credentials: CacheCredentials.fromSecret("…"), CacheCredentials.fromExternalSecret({ … }), or for a development cluster only CacheCredentials.insecureLiteralForDevelopmentOnly({ … })';
const SUBDOMAIN = 'must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';

// [case, what to build, exact message]
const cases: Array<[string, (chart: Chart, runner: any) => void, string]> = [
  // Bucket names
  ['a bucket name of 2 characters', minio({ bucketName: 'ab' }), `${C}: invalid bucketName "ab": ${BUCKET}`],
  ['a bucket name of 64 characters', minio({ bucketName: 'c'.repeat(64) }), `${C}: invalid bucketName "${'c'.repeat(64)}": ${BUCKET}`],
  ['a bucket name with capitals and "_"', minio({ bucketName: 'Runner_Cache' }), `${C}: invalid bucketName "Runner_Cache": ${BUCKET}`],
  ['a bucket name starting with "-"', minio({ bucketName: '-cache' }), `${C}: invalid bucketName "-cache": ${BUCKET}`],
  ['a bucket name ending with "."', minio({ bucketName: 'cache.' }), `${C}: invalid bucketName "cache.": ${BUCKET}`],
  ['a bucket name with ".."', minio({ bucketName: 'ci..cache' }), `${C}: invalid bucketName "ci..cache": ${BUCKET}`],
  ['a bucket name with ".-"', minio({ bucketName: 'ci.-cache' }), `${C}: invalid bucketName "ci.-cache": ${BUCKET}`],
  ['a bucket name that is an IP address', minio({ bucketName: '192.168.10.20' }), `${C}: invalid bucketName "192.168.10.20": ${BUCKET}`],
  ['an invalid external S3 bucket name', (chart, runner) => runner.useCache(new S3Cache(chart, 's3', { bucketName: 'S3 Cache', region: 'eu-west-1' })),
    `stack/s3: invalid bucketName "S3 Cache": ${BUCKET}`],
  ['a GCS bucket name starting with "goog"', (chart, runner) => runner.useCache(new GcsCache(chart, 'gcs', { bucketName: 'google-cache' })),
    'stack/gcs: invalid bucketName "google-cache": must be a GCS bucket name: lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, 3-63 characters (up to 222 with dots, each dot-separated part at most 63), not an IP address, not starting with "goog", without "google" or a close misspelling of it'],
  // Replicas
  ['2 replicas in distributed mode', minio({ mode: 'distributed', replicas: 2 }), `${C}: invalid replicas 2: ${REPLICAS}`],
  ['3 replicas in distributed mode', minio({ mode: 'distributed', replicas: 3 }), `${C}: invalid replicas 3: ${REPLICAS}`],
  ['17 replicas in distributed mode (no erasure set size divides it)', minio({ mode: 'distributed', replicas: 17 }), `${C}: invalid replicas 17: ${REPLICAS}`],
  ['replicas in standalone mode', minio({ replicas: 4 }),
    `${C}: invalid replicas 4: must be 1 (or unset) in standalone mode; use mode: "distributed" for 4 or more pods`],
  ['an unknown mode', minio({ mode: 'cluster' as any }), `${C}: invalid mode "cluster": must be one of "standalone", "distributed"`],
  // Storage sizes
  ['a storage size in GB (not a quantity)', minio({ storageSize: '10GB' }), `${C}: invalid storageSize "10GB": ${SIZE}`],
  ['a storage size with a space', minio({ storageSize: '10 Gi' }), `${C}: invalid storageSize "10 Gi": ${SIZE}`],
  ['a storage size below 1Gi', minio({ storageSize: '512Mi' }), `${C}: invalid storageSize "512Mi": ${SIZE}`],
  ['a negative storage size', minio({ storageSize: '-20Gi' }), `${C}: invalid storageSize "-20Gi": ${SIZE}`],
  ['a storage size in millibytes', minio({ storageSize: '2000000000500m' }), `${C}: invalid storageSize "2000000000500m": ${SIZE}`],
  // Expiry and quota
  ['an expiry of 12 hours', minio({ expiry: Duration.hours(12) }), `${C}: invalid expiry "12 hours": ${DAYS} ('12 hours' cannot be converted into a whole number of days.)`],
  ['an expiry of 0 days', minio({ expiry: Duration.days(0) }), `${C}: invalid expiry "0 days": ${DAYS}`],
  ['an expiry of 36 hours (not whole days)', minio({ expiry: Duration.hours(36) }), `${C}: invalid expiry "1 day 12 hours": ${DAYS} ('36 hours' cannot be converted into a whole number of days.)`],
  ['a quota of 512Mi', minio({ quota: '512Mi' }), `${C}: invalid quota "512Mi": ${SIZE}`],
  ['a quota of 1G (decimal, below 1Gi)', minio({ quota: '1G' }), `${C}: invalid quota "1G": ${SIZE}`],
  ['a quota in GB', minio({ quota: '50GB' }), `${C}: invalid quota "50GB": ${SIZE}`],
  // Credentials
  ['no root credentials', minio({ rootCredentials: undefined as any }), `${C}: invalid rootCredentials (missing): ${CREDENTIALS}`],
  ['no cache credentials', minio({ cacheCredentials: undefined as any }), `${C}: invalid cacheCredentials (missing): ${CREDENTIALS}`],
  ['a Secret reference object instead of CacheCredentials', minio({ cacheCredentials: { secretName: 'x' } as any }),
    `${C}: invalid cacheCredentials "object (not shown)": ${CREDENTIALS}`],
  ['a literal password as credentials', minio({ rootCredentials: 'minioadmin:minioadmin' as any }),
    `${C}: invalid rootCredentials "minio****": a literal secret would be written to dist/ in clear text: reference a Secret with CacheCredentials.fromSecret("…") or CacheCredentials.fromExternalSecret({ … })`],
  ['an invalid Secret name', minio({ rootCredentials: CacheCredentials.fromSecret('Minio_Root') }),
    `${C}: invalid rootCredentials.secretName "Minio_Root": ${SUBDOMAIN}`],
  ['an empty Secret name', minio({ cacheCredentials: CacheCredentials.fromSecret('') }),
    `${C}: invalid cacheCredentials.secretName "": ${SUBDOMAIN}`],
  ['an invalid Secret key name', minio({ cacheCredentials: CacheCredentials.fromSecret('cache', { secretKey: 'secret key' }) }),
    `${C}: invalid cacheCredentials.keys.secretKey "secret key": must be a Secret key: at most 253 letters, digits, "-", "_" and ".", other than "." and ".."`],
  ['the same key for both values', minio({ cacheCredentials: CacheCredentials.fromSecret('cache', { accessKey: 'k', secretKey: 'k' }) }),
    `${C}: invalid cacheCredentials.keys.secretKey "k": must differ from the access key's key`],
  ['the root credentials as the cache credentials', minio({ cacheCredentials: CacheCredentials.fromSecret('minio-root', { accessKey: 'rootUser', secretKey: 'rootPassword' }) }),
    `${C}: invalid cacheCredentials "minio-root/rootUser": must not be MinIO's root credentials: runners get their own user, limited to the bucket`],
  ['an ExternalSecret without a store', minio({ rootCredentials: CacheCredentials.fromExternalSecret({ remoteKey: 'ci/minio' } as any) }),
    `${C}: invalid rootCredentials.storeName (missing): ${SUBDOMAIN}`],
  ['an ExternalSecret without options', minio({ rootCredentials: CacheCredentials.fromExternalSecret(undefined as any) }),
    `${C}: invalid rootCredentials.storeName (missing): ${SUBDOMAIN}`],
  ['a development literal without values', minio({ cacheCredentials: CacheCredentials.insecureLiteralForDevelopmentOnly(undefined as any) }),
    `${C}: invalid cacheCredentials.accessKey (missing): must be at least 3 characters without whitespace (MinIO's minimum)`],
  ['an ExternalSecret with an empty remote key', minio({ cacheCredentials: CacheCredentials.fromExternalSecret({ storeName: 'vault', remoteKey: '' }) }),
    `${C}: invalid cacheCredentials.remoteKey "": must be a non-empty single-line string without control characters, e.g. "ci/gitlab-runner-cache"`],
  ['an ExternalSecret refreshed every 10 seconds', minio({ cacheCredentials: CacheCredentials.fromExternalSecret({ storeName: 'vault', remoteKey: 'k', refreshInterval: Duration.seconds(10) }) }),
    `${C}: invalid cacheCredentials.refreshInterval "10 seconds": must be a Duration of whole seconds, from 60s to 2147483647s, e.g. Duration.minutes(10)`],
  ['a development root password under 8 characters', minio({ rootCredentials: CacheCredentials.insecureLiteralForDevelopmentOnly({ accessKey: 'admin', secretKey: 'minio' }) }),
    `${C}: invalid rootCredentials.secretKey "****": must be at least 8 characters without whitespace (MinIO's minimum)`],
  ['invalid external S3 keys', (chart, runner) => runner.useCache(new S3Cache(chart, 's3', { bucketName: 'ci-cache', region: 'eu-west-1', credentials: 'AKIAIOSFODNN7EXAMPLE' as any })),
    `stack/s3: invalid credentials "AKIAI****": a literal secret would be written to dist/ in clear text: reference a Secret with CacheCredentials.fromSecret("…") or CacheCredentials.fromExternalSecret({ … })`],
  // Wiring
  ['a runner wired to two caches', (chart, runner) => {
    runner.useCache(new MinioCache(chart, 'cache', valid));
    runner.useCache(new S3Cache(chart, 'other', { bucketName: 'ci-cache', region: 'eu-west-1' }));
  }, `${R}: invalid useCache() "stack/other": a runner has one cache ([runners.cache]); it already uses stack/cache`],
  ['build pods in the cache\'s namespace', minio({ namespace: 'gitlab-runner-builds' }),
    `${R}: invalid buildNamespace "gitlab-runner-builds": must differ from the namespace of the cache ${C}: the executor's Role in a build namespace can read its Secrets, MinIO's root credentials included`],
  ['the cache in the manager\'s namespace, both emitting it', minio({ namespace: 'gitlab-runner' }),
    `${R}: invalid useCache() "${C}": the cache's namespace "gitlab-runner" is also the runner manager's: set the cache's createNamespace: false (the manager emits the Namespace), or give the cache its own namespace`],
  // Other props
  ['an unpinned MinIO image', minio({ image: 'minio/minio:latest' }),
    `${C}: invalid image "minio/minio:latest": must be an image pinned to a version tag or a digest, e.g. "minio/minio:RELEASE.2025-09-07T16-13-09Z", so every pod runs the same build`],
  ['an untagged mc image', minio({ provisioning: { image: 'minio/mc' } }),
    `${C}: invalid provisioning.image "minio/mc": must be an image pinned to a version tag or a digest, e.g. "minio/mc:RELEASE.2025-08-13T08-35-41Z", so every pod runs the same build`],
  ['a negative backoff limit', minio({ provisioning: { backoffLimit: -1 } }), `${C}: invalid provisioning.backoffLimit -1: must be an integer from 0 to 20`],
  ['an unknown hook', minio({ provisioning: { hook: 'flux' as any } }), `${C}: invalid provisioning.hook "flux": must be one of "none", "argocd", "helm"`],
  ['a Job TTL of 0', minio({ provisioning: { ttlAfterFinished: Duration.seconds(0) } }),
    `${C}: invalid provisioning.ttlAfterFinished "0 seconds": must be a Duration of whole seconds, from 60s to 2147483647s, e.g. Duration.minutes(10)`],
  ['an invalid region', minio({ region: 'EU_WEST' }), `${C}: invalid region "EU_WEST": must be a region name such as "us-east-1": lowercase letters, digits and "-"`],
  ['a name too long for the Job\'s name', minio({ name: 'm'.repeat(43) }),
    `${C}: invalid name "${'m'.repeat(43)}": must be a DNS-1123 label: at most 42 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['a cache path with a leading "/"', minio({ path: '/runner' }),
    `${C}: invalid path "/runner": must be a key prefix such as "runner" or "team-a/cache": letters, digits and !-_.*'() in segments separated by "/", without a leading or trailing "/"`],
  ['an invalid MinIO resource quantity', minio({ resources: { memory: { limit: '1GB' } } }),
    `${C}: invalid resources.memory.limit "1GB": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)`],
  ['an S3 address with a scheme', (chart, runner) => runner.useCache(new S3Cache(chart, 's3', { bucketName: 'ci-cache', region: 'eu-west-1', serverAddress: 'https://s3.amazonaws.com' })),
    'stack/s3: invalid serverAddress "https://s3.amazonaws.com": must be "host" or "host:port" without a scheme or path, e.g. "s3.amazonaws.com", "minio.example.com:9000" or "[2001:db8::5]:9000"'],
  ['an external S3 bucket without a region', (chart, runner) => runner.useCache(new S3Cache(chart, 's3', { bucketName: 'ci-cache' } as any)),
    'stack/s3: invalid region (missing): must be a region name such as "us-east-1": lowercase letters, digits and "-"'],
];

describe('bad cache input is rejected at synth with a precise message, and nothing is written', () => {
  test.each(cases)('GIVEN %s', (_name, build, message) => {
    const { error, written } = attempt(build);
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });

  test('GIVEN valid input THEN the same harness writes the manifests (the harness can tell)', () => {
    for (const build of [minio({}), minio({ mode: 'distributed', replicas: 12, quota: '1Gi', expiry: Duration.days(1) }),
      (chart: Chart, runner: any) => runner.useCache(new GcsCache(chart, 'gcs', { bucketName: 'ci_cache' }))]) {
      const { error, written } = attempt(build);
      expect(error).toBeUndefined();
      expect(written).toEqual(['stack.k8s.yaml']);
    }
  });
});
