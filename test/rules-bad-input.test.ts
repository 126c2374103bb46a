import { App, Chart, Duration } from 'cdk8s';
import {
  CacheCredentials, ConfigError, ExistingNodePool, GcsCache, GitLabRunnerManager, GitLabRunnerManagerProps, GkeNodePool, KarpenterNodePool, MinioCache,
  RunnerOptions, S3Cache,
} from '../src';
import { attemptSynth, find, runnerEntries, synth } from './helpers';

// The rules Kubernetes, container runtimes, GitLab Runner and the object stores apply beyond the
// OpenAPI schema (issue 12): each is defined once in src/common/validate.ts and applied wherever
// the library writes the field. Every case: the exact message, and nothing written.

const GITLAB = 'https://gitlab.example.com';
const NODE_CLASS = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' };
const TAINT = { key: 'dedicated', value: 'gitlab-privileged-builds' };
const token = { secretName: 'runner-token' };
const dindToken = { secretName: 'dind-token' };
const credentials = { rootCredentials: CacheCredentials.fromSecret('minio-root'), cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache') };

const manager = (c: Chart, props: Partial<GitLabRunnerManagerProps> = {}, id = 'runner') => new GitLabRunnerManager(c, id, { gitlabUrl: GITLAB, ...props });
/** A manager with one runner, from partial props. */
const stack = (props: Partial<GitLabRunnerManagerProps> = {}, runner: Partial<RunnerOptions> = {}) => (c: Chart) => {
  manager(c, props).addRunner('default', { token, ...runner });
};
const pool = (c: Chart) => new KarpenterNodePool(c, 'pool', { taint: TAINT, nodeClassRef: NODE_CLASS });
const s3 = (bucketName: string, serverAddress?: string) => (c: Chart) => {
  manager(c).addRunner('default', { token }).useCache(new S3Cache(c, 's3', { bucketName, region: 'eu-west-1', serverAddress }));
};
const gcs = (bucketName: string) => (c: Chart) => {
  manager(c).addRunner('default', { token }).useCache(new GcsCache(c, 'gcs', { bucketName }));
};

const M = 'stack/runner';
const R = 'stack/runner/default';
const INT32 = 'must be an integer from 1 to 2147483647';
const NEGATIVE = 'must not be negative: the API server refuses a negative quantity';
const IMAGE = 'must be an image reference "[registry[:port]/]path[:tag][@sha256:digest]": a lowercase path of letters, digits and separators (".", "_", "__", "-"), a tag of at most 128 letters, digits, "_", "." and "-" not starting with "." or "-", a digest of "sha256:" and 64 lowercase hex digits';
const KEY = 'must be a Secret key: at most 253 letters, digits, "-", "_" and ".", other than "." and ".."';
const ENV = 'must be a string without NUL, line breaks or other control characters';
const OWNED = 'must not be a namespace Kubernetes owns (default, kube-node-lease, kube-public, kube-system)';
const OWN_BUILD = `${OWNED}: build pods run arbitrary code, and the executor Role there could read its Secrets: use a namespace of your own`;
const URL_CHARS = 'must not contain whitespace, control characters or backslashes';
const S3 = 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, without ".." or "." next to "-", not an IP address, not starting with "xn--", "sthree-" or "amzn-s3-demo-", not ending with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3"';
const GCS = 'must be a GCS bucket name: lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, 3-63 characters (up to 222 with dots, each dot-separated part at most 63), not an IP address, not starting with "goog", without "google" or a close misspelling of it';
const HOST_PORT = 'must be "host" or "host:port" without a scheme or path, e.g. "s3.amazonaws.com", "minio.example.com:9000" or "[2001:db8::5]:9000"';
const VALIDATION = 'Validation failed with the following errors:\n  ';
const HEX = 'a'.repeat(64);

// [case, app, exact message]
const cases: Array<[string, (chart: Chart) => void, string]> = [
  // 1. Kubernetes: no negative quantity.
  ['a negative build cpu request', stack({}, { buildResources: { cpu: { request: '-1' } } }), `${R}: invalid buildResources.cpu.request "-1": ${NEGATIVE}`],
  ['a negative manager memory limit', stack({ resources: { memory: { limit: '-256Mi' } } }), `${M}: invalid resources.memory.limit "-256Mi": ${NEGATIVE}`],
  ['a negative emptyDir size limit', stack({}, { volumes: { emptyDir: [{ name: 'scratch', mountPath: '/scratch', sizeLimit: '-1Gi' }] } }),
    `${R}: invalid volumes.emptyDir[0].sizeLimit "-1Gi": ${NEGATIVE}`],
  ['a negative MinIO cpu request', (c) => new MinioCache(c, 'cache', { ...credentials, resources: { cpu: { request: '-250m' } } }),
    `stack/cache: invalid resources.cpu.request "-250m": ${NEGATIVE}`],
  // 1. int32 ranges.
  ['replicas of 1e20', stack({ replicas: 1e20 }), `${M}: invalid replicas 100000000000000000000: ${INT32}`],
  ['concurrent of 2^31', stack({ concurrent: 2 ** 31 }), `${M}: invalid concurrent 2147483648: ${INT32}`],
  ['a runner limit of 1e20', stack({}, { limit: 1e20 }), `${R}: invalid limit 100000000000000000000: ${INT32}`],
  ['a poll timeout of 2^31 seconds', stack({}, { pollTimeout: Duration.seconds(2 ** 31) }),
    `${R}: invalid pollTimeout "24855 days 3 hours": must be a Duration of whole seconds, from 1s to 2147483647s, e.g. Duration.minutes(10)`],
  ['a shutdown timeout of 1e20 seconds', stack({ shutdownTimeout: Duration.seconds(1e20) }),
    `${M}: invalid shutdownTimeout "1157407407407407 days 9 hours": must be a Duration of whole seconds, from 1s to 2147483647s, e.g. Duration.minutes(10)`],
  ['a cache expiry of 2^31 days', (c) => new MinioCache(c, 'cache', { ...credentials, expiry: Duration.days(2 ** 31) }),
    'stack/cache: invalid expiry "2147483648 days": must be a Duration of whole days, from 1 to 2147483647 days, e.g. Duration.days(14)'],
  ['a quota above 8Pi', (c) => new MinioCache(c, 'cache', { ...credentials, quota: '9Pi' }),
    `stack/cache: invalid quota "9Pi": must be at most 8Pi (${Number.MAX_SAFE_INTEGER} bytes)`],
  // 1. Image references.
  ['a runner image with an upper-case repository', stack({ image: 'gitlab/GitLab-Runner:alpine-v18.9.0' }), `${M}: invalid image "gitlab/GitLab-Runner:alpine-v18.9.0": ${IMAGE}`],
  ['a runner image with a 129-character tag', stack({ image: `gitlab/gitlab-runner:${'v'.repeat(129)}` }), `${M}: invalid image "gitlab/gitlab-runner:${'v'.repeat(129)}": ${IMAGE}`],
  ['a runner image whose tag starts with "."', stack({ image: 'gitlab/gitlab-runner:.v18' }), `${M}: invalid image "gitlab/gitlab-runner:.v18": ${IMAGE}`],
  ['a digest in upper-case hex', stack({ image: `gitlab/gitlab-runner@sha256:${'A'.repeat(64)}` }), `${M}: invalid image "gitlab/gitlab-runner@sha256:${'A'.repeat(64)}": ${IMAGE}`],
  ['a digest of 63 hex digits', stack({ image: `gitlab/gitlab-runner@sha256:${'a'.repeat(63)}` }), `${M}: invalid image "gitlab/gitlab-runner@sha256:${'a'.repeat(63)}": ${IMAGE}`],
  ['a job image with an upper-case name', stack({}, { image: 'Alpine:3.22' }), `${R}: invalid image "Alpine:3.22": ${IMAGE}`],
  ['an empty job image', stack({}, { image: '' }), `${R}: invalid image "": ${IMAGE}`],
  ['a helper image with an empty tag', stack({}, { helperImage: 'registry.example.com/helper:' }), `${R}: invalid helperImage "registry.example.com/helper:": ${IMAGE}`],
  ['a MinIO image with a "//"', (c) => new MinioCache(c, 'cache', { ...credentials, image: 'minio//minio:RELEASE.2025-09-07T16-13-09Z' }),
    `stack/cache: invalid image "minio//minio:RELEASE.2025-09-07T16-13-09Z": ${IMAGE}`],
  // 1. Secret key grammar.
  ['a token key ".."', stack({}, { token: { secretName: 'runner-token', key: '..' } }), `${R}: invalid token.key "..": ${KEY}`],
  ['a cache credentials key "."', (c) => new MinioCache(c, 'cache', { ...credentials, cacheCredentials: CacheCredentials.fromSecret('keys', { accessKey: '.' }) }),
    `stack/cache: invalid cacheCredentials.keys.accessKey ".": ${KEY}`],
  ['a projected Secret item key ".."', stack({}, { volumes: { secret: [{ secretName: 'certs', mountPath: '/certs', items: { '..': 'ca.crt' } }] } }),
    `${R}: invalid volumes.secret[0].items key "..": ${KEY}`],
  // 1. Annotations of at most 256 KiB.
  ['build pod annotations over 256 KiB', stack({}, { podAnnotations: { big: 'x'.repeat(256 * 1024) } }),
    `${R}: invalid podAnnotations "262147 bytes": must total at most 256 KiB (262144 bytes) of keys and values: the API server refuses more`],
  ['ServiceAccount annotations over 256 KiB', stack({ serviceAccountAnnotations: { a: 'x'.repeat(200 * 1024), b: 'y'.repeat(60 * 1024) } }),
    `${M}: invalid serviceAccountAnnotations "266242 bytes": must total at most 256 KiB (262144 bytes) of keys and values: the API server refuses more`],
  // 1. Environment values.
  ['a NUL in a job environment value', stack({}, { environment: { GREETING: 'a\u0000b' } }), `${R}: invalid environment.GREETING "a\\u0000b": ${ENV}`],
  ['a line break in a job environment value', stack({}, { environment: { GREETING: 'a\nb' } }), `${R}: invalid environment.GREETING "a\\nb": ${ENV}`],
  ['an escape character in the system ID seed', stack({ systemIdSeed: 'prod\u001b[0m' }), `${M}: invalid systemIdSeed "prod\\u001b[0m": ${ENV}`],
  // 1. Mounts.
  ['a volume over "/"', stack({}, { volumes: { emptyDir: [{ name: 'root', mountPath: '/' }] } }),
    `${R}: invalid volumes.emptyDir[0].mountPath "/": must not be "/": a volume over the root would hide the image's files`],
  ['a volume over "//"', stack({}, { volumes: { emptyDir: [{ name: 'root', mountPath: '//' }] } }),
    `${R}: invalid volumes.emptyDir[0].mountPath "//": must not be "/": a volume over the root would hide the image's files`],
  ['two mounts at "/x" and "/x/"', stack({}, { volumes: { emptyDir: [{ name: 'a', mountPath: '/x' }], secret: [{ secretName: 'b', mountPath: '/x/' }] } }),
    `${R}: invalid volumes.secret[0].mountPath "/x/": must be unique among the build pod's volumes; already used by volumes.emptyDir[0]`],
  ['two mounts at "/x" and "/x/y"', stack({}, { volumes: { emptyDir: [{ name: 'a', mountPath: '/x' }, { name: 'b', mountPath: '/x/y' }] } }),
    `${R}: invalid volumes.emptyDir[1].mountPath "/x/y": must not be inside or around the mount of volumes.emptyDir[0] ("/x"): overlapping mounts hide each other's files`],
  ['a mount around another ("/x/y" then "/x")', stack({}, { volumes: { emptyDir: [{ name: 'a', mountPath: '/x/y' }, { name: 'b', mountPath: '/x' }] } }),
    `${R}: invalid volumes.emptyDir[1].mountPath "/x": must not be inside or around the mount of volumes.emptyDir[0] ("/x/y"): overlapping mounts hide each other's files`],
  ['a mount over the build directory', stack({}, { volumes: { emptyDir: [{ name: 'cache', mountPath: '/builds/cache' }] } }),
    `${R}: invalid volumes.emptyDir[0].mountPath "/builds/cache": must not be inside or around the mount of the executor's build directory (builds_dir) ("/builds"): overlapping mounts hide each other's files`],
  ['a DinD volume around the certificates', (c) => manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(c), volumes: { emptyDir: [{ name: 'certs', mountPath: '/certs' }] } }),
    `${M}/dind: invalid volumes.emptyDir[0].mountPath "/certs": must not be inside or around the mount of the DinD certificates volume "docker-certs" ("/certs/client"): overlapping mounts hide each other's files`],
  ['an image builder Secret at the registry credentials path', (c) => manager(c).addImageBuilderRunner('builder', {
    token, registryCredentials: { secretName: 'registry' }, volumes: { secret: [{ secretName: 'extra', mountPath: '/var/run/secrets/registry/' }] },
  }), `${M}/builder: invalid volumes.secret[0].mountPath "/var/run/secrets/registry/": must be unique among the build pod's volumes; already used by the registryCredentials volume "registry"`],
  ['an image builder volume named like the registry Secret', (c) => manager(c).addImageBuilderRunner('builder', {
    token, registryCredentials: { secretName: 'registry' }, volumes: { secret: [{ secretName: 'registry', mountPath: '/other' }] },
  }), `${M}/builder: invalid volumes.secret[0].secretName "registry": must be unique among the build pod's volumes; already used by the registryCredentials volume "registry"`],
  // 1. Namespaces Kubernetes owns.
  ['the manager in "default" with a generated Namespace', stack({ namespace: 'default' }),
    `${M}: invalid namespace "default": ${OWNED}: a Namespace object emitted for it would take it over (and pruning it would delete the namespace): use a namespace of your own, or set createNamespaces: false`],
  ['build pods in kube-system', stack({}, { buildNamespace: 'kube-system' }), `${R}: invalid buildNamespace "kube-system": ${OWN_BUILD}`],
  ['build pods in kube-public, namespaces not generated', stack({ createNamespaces: false }, { buildNamespace: 'kube-public' }), `${R}: invalid buildNamespace "kube-public": ${OWN_BUILD}`],
  ['a default build namespace of "default"', stack({ defaultBuildNamespace: 'default' }), `${R}: invalid buildNamespace "default": ${OWN_BUILD}`],
  ['MinIO in kube-node-lease with a generated Namespace', (c) => new MinioCache(c, 'cache', { ...credentials, namespace: 'kube-node-lease' }),
    `stack/cache: invalid namespace "kube-node-lease": ${OWNED}: a Namespace object emitted for it would take it over (and pruning it would delete the namespace): use a namespace of your own, or set createNamespace: false`],

  // 2. GitLab URLs, parsed.
  ['a GitLab URL with a space', stack({ gitlabUrl: 'https://gitlab.example.com /group' }), `${M}: invalid gitlabUrl "https://gitlab.example.com /group": ${URL_CHARS}`],
  ['a GitLab URL with a leading space', stack({ gitlabUrl: ' https://gitlab.example.com' }), `${M}: invalid gitlabUrl " https://gitlab.example.com": ${URL_CHARS}`],
  ['a GitLab URL with a tab in the host', stack({ gitlabUrl: 'https://gitlab.exa\tmple.com' }), `${M}: invalid gitlabUrl "https://gitlab.exa\\tmple.com": ${URL_CHARS}`],
  ['a GitLab URL with a NUL', stack({ gitlabUrl: 'https://gitlab.example.com/\u0000' }), `${M}: invalid gitlabUrl "https://gitlab.example.com/\\u0000": ${URL_CHARS}`],
  ['a GitLab URL with a backslash', stack({ gitlabUrl: 'https://gitlab.example.com\\group' }), `${M}: invalid gitlabUrl "https://gitlab.example.com\\\\group": ${URL_CHARS}`],
  ['a GitLab URL with backslashes for slashes', stack({ gitlabUrl: 'https:\\\\gitlab.example.com' }), `${M}: invalid gitlabUrl "https:\\\\\\\\gitlab.example.com": ${URL_CHARS}`],
  ['a GitLab URL with a non-ASCII host', stack({ gitlabUrl: 'https://gitläb.example.com' }),
    `${M}: invalid gitlabUrl "https://gitläb.example.com": must be ASCII: write an internationalized domain name in its punycode form ("xn--…")`],
  ['"https:host" without "//"', stack({ gitlabUrl: 'https:gitlab.example.com' }),
    `${M}: invalid gitlabUrl "https:gitlab.example.com": must be written "https://host[:port][/path]", with "//" after the scheme`],
  ['"https:/host" with one "/"', stack({ gitlabUrl: 'https:/gitlab.example.com' }),
    `${M}: invalid gitlabUrl "https:/gitlab.example.com": must be written "https://host[:port][/path]", with "//" after the scheme`],
  ['port 0', stack({ gitlabUrl: 'https://gitlab.example.com:0' }),
    `${M}: invalid gitlabUrl "https://gitlab.example.com:0": must not use port 0: give a port from 1 to 65535, or none for the scheme's default`],
  ['port 65536', stack({ gitlabUrl: 'https://gitlab.example.com:65536' }),
    `${M}: invalid gitlabUrl "https://gitlab.example.com:65536": must be an absolute URL such as "https://gitlab.example.com" (with a host, and a port from 1 to 65535 if any)`],
  ['a file URL', stack({ gitlabUrl: 'file:///etc/gitlab' }), `${M}: invalid gitlabUrl "file:///etc/gitlab": must use the https:// scheme`],
  ['an ssh URL', stack({ gitlabUrl: 'ssh://git@gitlab.example.com' }), `${M}: invalid gitlabUrl "ssh://git@gitlab.example.com": must use the https:// scheme`],
  ['a URL with an "@" in the path', stack({ gitlabUrl: 'https://gitlab.example.com/@evil' }),
    `${M}: invalid gitlabUrl "https://gitlab.example.com/@evil": must not contain credentials, a query or a fragment`],

  // 3. S3 bucket names: AWS's reserved prefixes and suffixes.
  ...['xn--cache', 'sthree-cache', 'amzn-s3-demo-cache', 'cache-s3alias', 'cache--ol-s3', 'cache.mrap', 'cache--x-s3', 'cache--table-s3']
    .map((b): [string, (c: Chart) => void, string] => [`the S3 bucket name "${b}"`, s3(b), `stack/s3: invalid bucketName "${b}": ${S3}`]),
  ['a MinIO bucket with a reserved prefix', (c) => new MinioCache(c, 'cache', { ...credentials, bucketName: 'sthree-ci' }), `stack/cache: invalid bucketName "sthree-ci": ${S3}`],
  // 3. GCS bucket names: Google's rules.
  ...['goog-cache', 'ci-google-cache', 'ci-g00gle', 'ci-googel', 'ci-gogle-cache', 'ci-goog1e', 'c'.repeat(64), `ci.${'c'.repeat(64)}`,
    `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(40)}`, '10.0.0.1', 'ci..cache', 'ci_cache_', 'Ci-cache']
    .map((b): [string, (c: Chart) => void, string] => [`the GCS bucket name "${b.length > 40 ? `${b.slice(0, 20)}… (${b.length})` : b}"`, gcs(b), `stack/gcs: invalid bucketName "${b}": ${GCS}`]),
  // 3. Endpoints.
  ['an IPv6 endpoint that is not an address', s3('ci-cache', '[2001:db8::zz]:9000'), `stack/s3: invalid serverAddress "[2001:db8::zz]:9000": ${HOST_PORT}`],
  ['an IPv6 endpoint without brackets', s3('ci-cache', '2001:db8::5'), `stack/s3: invalid serverAddress "2001:db8::5": ${HOST_PORT}`],
  ['an IPv6 endpoint on port 0', s3('ci-cache', '[2001:db8::5]:0'), `stack/s3: invalid serverAddress "[2001:db8::5]:0": ${HOST_PORT}`],
  ['an IPv6 endpoint on port 65536', s3('ci-cache', '[2001:db8::5]:65536'), `stack/s3: invalid serverAddress "[2001:db8::5]:65536": ${HOST_PORT}`],

  // 4. Isolation across constructs.
  ['a build namespace that is another manager\'s namespace', (c) => {
    manager(c).addRunner('default', { token });
    manager(c, { name: 'other', namespace: 'other', createNamespaces: false }, 'other').addRunner('default', { token, buildNamespace: 'gitlab-runner' });
  }, `${VALIDATION}[stack/other/default] invalid buildNamespace "gitlab-runner": must differ from the namespace of runner manager ${M}: build pods run arbitrary code and must not share a namespace (and its Secrets) with a manager`],
  ['a build namespace that is another manager\'s namespace, that manager created later', (c) => {
    manager(c, { name: 'other', namespace: 'other', createNamespaces: false }, 'other').addRunner('default', { token, buildNamespace: 'gitlab-runner' });
    manager(c).addRunner('default', { token });
  }, `${VALIDATION}[stack/other/default] invalid buildNamespace "gitlab-runner": must differ from the namespace of runner manager ${M}: build pods run arbitrary code and must not share a namespace (and its Secrets) with a manager`],
  ['a build namespace that is the namespace of a cache the runner does not use', (c) => {
    new MinioCache(c, 'cache', credentials);
    manager(c, { createNamespaces: false }).addRunner('default', { token, buildNamespace: 'gitlab-runner-cache' });
  }, `${VALIDATION}[${R}] invalid buildNamespace "gitlab-runner-cache": must differ from the namespace of the cache stack/cache: the executor's Role in a build namespace can read its Secrets, MinIO's root credentials included`],
  ['a build namespace that is another manager\'s privileged build namespace', (c) => {
    manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(c) });
    manager(c, { name: 'other', namespace: 'other', createNamespaces: false }, 'other').addRunner('plain', { token, buildNamespace: 'gitlab-runner-privileged-builds' });
  }, `${VALIDATION}[${M}/dind] invalid buildNamespace "gitlab-runner-privileged-builds": a privileged runner needs a build namespace of its own (Pod Security "privileged"); unprivileged runner stack/other/plain builds there\n`
    + '  [stack/other/plain] invalid buildNamespace "gitlab-runner-privileged-builds": privileged runner stack/runner/dind builds there (Pod Security "privileged"); unprivileged runners need another namespace'],
  ['a cache from another App', (c) => {
    const other = new Chart(new App(), 'other');
    manager(c).addRunner('default', { token }).useCache(new MinioCache(other, 'cache', credentials));
  }, `${R}: invalid useCache() "other/cache": belongs to another App: a cache wires objects (Secrets, NetworkPolicies) into the runner's App; create it in the same App`],
  ['a node pool from another App', (c) => {
    const other = new Chart(new App(), 'other');
    manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(other) });
  }, `${M}/dind: invalid nodePool "other/pool": belongs to another App: the pool's guard rails (no other pod tolerates its taint) only see their own App; create the pool in the same App`],
  ['one token Secret for a privileged and an unprivileged runner of one manager', (c) => {
    const m = manager(c);
    m.addRunner('default', { token });
    m.addDindRunner('dind', { token, nodePool: pool(c) });
  }, `${VALIDATION}[${R}] invalid token "gitlab-runner/runner-token/runner-token": is also the token of privileged runner ${M}/dind: one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token\n`
    + `  [${M}/dind] invalid token "gitlab-runner/runner-token/runner-token": is also the token of unprivileged runner ${R}: one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token`],
  ['one token Secret for runners of two managers in one namespace', (c) => {
    manager(c).addRunner('default', { token: { secretName: 'shared', key: 'token' } });
    manager(c, { name: 'privileged', createNamespaces: false }, 'privileged').addDindRunner('dind', { token: { secretName: 'shared', key: 'token' }, nodePool: pool(c) });
  }, `${VALIDATION}[${R}] invalid token "gitlab-runner/shared/token": is also the token of privileged runner stack/privileged/dind: one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token\n`
    + `  [stack/privileged/dind] invalid token "gitlab-runner/shared/token": is also the token of unprivileged runner ${R}: one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token`],

  // 9. Messages: the field the user wrote, never a TypeError.
  ['a 46-character manager name and a DinD runner (the namespace would be 64)', (c) => manager(c, { name: 'm'.repeat(46) }).addDindRunner('dind', { token: dindToken, nodePool: pool(c) }),
    `${M}: invalid name "${'m'.repeat(46)}": must be at most 45 characters for the default build namespace "<name>-privileged-builds" of addDindRunner() (a DNS-1123 label of at most 63 characters); or give that runner a buildNamespace`],
  ['a 52-character manager name and an image builder runner', (c) => manager(c, { name: 'm'.repeat(52) }).addImageBuilderRunner('builder', { token }),
    `${M}: invalid name "${'m'.repeat(52)}": must be at most 50 characters for the default build namespace "<name>-image-builds" of addImageBuilderRunner() (a DNS-1123 label of at most 63 characters); or give that runner a buildNamespace`],
  ['manager props missing', (c) => new GitLabRunnerManager(c, 'runner', undefined as any),
    `${M}: invalid props (missing): must be an object with at least gitlabUrl, e.g. { gitlabUrl: "https://gitlab.com" }`],
  ['runner options missing', (c) => manager(c).addRunner('default', undefined as any),
    `${M}: invalid addRunner("default") options (missing): must be an object with at least a token, e.g. { token: { secretName: "gitlab-runner-token" } }`],
  ['DinD options missing', (c) => manager(c).addDindRunner('dind', null as any), `${M}: invalid addDindRunner("dind") options null: must be an object with at least a token and a nodePool`],
  ['a null toleration', stack({}, { tolerations: [null as any] }), `${R}: invalid tolerations[0] null: must be { key, value?, effect? }`],
  ['a null volume', stack({}, { volumes: { emptyDir: [null as any] } }), `${R}: invalid volumes.emptyDir[0] null: must be an object with a name and a mountPath`],
  ['an undefined node pool', (c) => manager(c).addRunner('dind', { token, privileged: true, nodePools: [undefined as any] }),
    `${M}/dind: invalid nodePools[0] (missing): must be a tainted node pool: a KarpenterNodePool, GkeNodePool or ExistingNodePool`],
  ['environment null', stack({}, { environment: null as any }), `${R}: invalid environment null: must be a map of variable names to string values`],
  ['useCache() without a cache', (c) => manager(c).addRunner('default', { token }).useCache(undefined as any), `${R}: invalid useCache() (missing): must be a cache: a MinioCache, S3Cache or GcsCache`],
];

describe('the rules beyond the schema: bad input fails synth with a precise message, and nothing is written', () => {
  test.each(cases)('GIVEN %s', (_name, build, message) => {
    const { error, written } = attemptSynth(build);
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });
});

describe('the rules accept what the real components accept', () => {
  test.each<[string, (c: Chart) => void]>([
    ['a GitLab on port 8443', stack({ gitlabUrl: 'https://gitlab.example.com:8443/' })],
    ['a GitLab on an IPv6 address', stack({ gitlabUrl: 'https://[2001:db8::1]:8443' })],
    ['a GitLab with a punycode host', stack({ gitlabUrl: 'https://xn--gitlb-gra.example.com' })],
    ['the manager in "default" when namespaces are managed elsewhere', stack({ namespace: 'default', createNamespaces: false })],
    ['a registry with a port and a digest', stack({ image: `registry.example.com:5000/ci/gitlab-runner:alpine-v18.9.0@sha256:${HEX}` })],
    ['a registry host with upper-case letters', stack({ image: 'Registry.Example.com/gitlab-runner:alpine-v18.9.0' })],
    ['a job image with separators', stack({}, { image: 'registry.example.com/a__b/c-d.e:1.0_rc-1' })],
    ['a 128-character tag', stack({ image: `gitlab/gitlab-runner:${'v'.repeat(128)}` })],
    ['an IPv6 S3 endpoint', s3('ci-cache', '[2001:db8::5]:9000')],
    ['an IPv6 S3 endpoint without a port', s3('ci-cache', '[::1]')],
    ['a GCS bucket name of 222 characters with dots', gcs(`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(30)}`)],
    ['a GCS bucket name with "_"', gcs('ci_cache')],
    ['an S3 bucket name with "s3alias" inside', s3('s3alias-cache')],
    ['annotations of exactly 256 KiB', stack({}, { podAnnotations: { big: 'x'.repeat(256 * 1024 - 3) } })],
    ['a tab-free environment value with quotes and "="', stack({}, { environment: { A: 'x="1" y=2' } })],
    ['sibling mounts "/x" and "/xy"', stack({}, { volumes: { emptyDir: [{ name: 'a', mountPath: '/x' }, { name: 'b', mountPath: '/xy' }] } })],
    ['one token Secret for two unprivileged runners', (c) => {
      const m = manager(c);
      m.addRunner('a', { token });
      m.addRunner('b', { token, buildNamespace: 'team-builds' });
    }],
    ['one Secret name in two managers\' namespaces', (c) => {
      manager(c).addRunner('default', { token });
      manager(c, { name: 'privileged', namespace: 'privileged' }, 'privileged').addDindRunner('dind', { token, nodePool: pool(c) });
    }],
  ])('GIVEN %s THEN synth writes the manifests', (_name, build) => {
    const { error, written } = attemptSynth(build);
    expect(error).toBeUndefined();
    expect(written).toEqual(['stack.k8s.yaml']);
  });

  test('GIVEN a GitLab on 8443 THEN the manager\'s egress NetworkPolicy allows 8443 (and the API server ports)', () => {
    const objects = synth(stack({ gitlabUrl: 'https://gitlab.example.com:8443' }));
    const policy = find(objects, 'NetworkPolicy', 'gitlab-runner', 'gitlab-runner');
    expect(policy.spec.egress[1].ports.map((p: any) => p.port)).toEqual([443, 6443, 8443]);
  });

  /** The tolerations the runner gives build pods: the pod_spec patch's list when there is one, else node_tolerations. */
  const exactTolerations = (entry: any) => {
    const patch = entry.kubernetes.pod_spec?.find((p: any) => p.name === 'cdk8s-gitlab-runner-tolerations');
    return patch ? JSON.parse(patch.patch)[0].value : undefined;
  };

  test('GIVEN two tolerations of one taint with different effects THEN both survive into config.toml exactly, and no other effect', () => {
    const objects = synth(stack({}, { tolerations: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'gpu', value: 'yes', effect: 'NoExecute' }] }));
    const entry = runnerEntries(objects)[0].runner;
    // node_tolerations keeps one effect per key=value: the first, never "" (every effect).
    expect(entry.kubernetes.node_tolerations).toEqual({ 'gpu=yes': 'NoSchedule' });
    // The pod_spec JSON patch gives the build pod the exact list; the runner applies it only with the flag.
    expect(entry.kubernetes.pod_spec).toEqual([{
      name: 'cdk8s-gitlab-runner-tolerations', patch_type: 'json',
      patch: JSON.stringify([{ op: 'add', path: '/tolerations', value: [
        { key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoSchedule' },
        { key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoExecute' },
      ] }]),
    }]);
    expect(entry.feature_flags).toEqual({ FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: true });
  });

  test('GIVEN two effects of one taint AND a podSpecPatch of the user THEN both patches are written, the library\'s first, under one flag', () => {
    const objects = synth(stack({}, {
      tolerations: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'gpu', value: 'yes', effect: 'NoExecute' }],
      podSpecPatches: [{ name: 'hostname', patchType: 'merge', patch: { hostname: 'ci-build' } }],
    }));
    const entry = runnerEntries(objects)[0].runner;
    // The user's patch applies to the pod the library's patch made: its tolerations are still both effects.
    expect(entry.kubernetes.pod_spec.map((p: any) => p.name)).toEqual(['cdk8s-gitlab-runner-tolerations', 'hostname']);
    expect(exactTolerations(entry).map((t: any) => t.effect)).toEqual(['NoSchedule', 'NoExecute']);
    expect(entry.feature_flags).toEqual({ FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: true });
  });

  test('GIVEN one toleration listed twice with the same effect THEN it keeps that effect, and no patch', () => {
    const objects = synth(stack({}, { tolerations: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoSchedule' }] }));
    const entry = runnerEntries(objects)[0].runner;
    expect(entry.kubernetes.node_tolerations).toEqual({ gpu: 'NoSchedule' });
    expect(entry.kubernetes.pod_spec).toBeUndefined();
    expect(entry.feature_flags).toBeUndefined();
  });

  test('GIVEN a toleration of every effect and one of the same taint with one effect THEN the wider one alone is written', () => {
    const objects = synth(stack({}, { tolerations: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'gpu', value: 'yes' }] }));
    const entry = runnerEntries(objects)[0].runner;
    expect(entry.kubernetes.node_tolerations).toEqual({ 'gpu=yes': '' });
    expect(entry.kubernetes.pod_spec).toBeUndefined();
  });

  test('GIVEN a user toleration of the DinD pool\'s taint with another effect THEN both effects survive exactly', () => {
    const objects = synth((c) => manager(c).addDindRunner('dind', {
      token: dindToken, nodePool: pool(c), tolerations: [{ key: TAINT.key, value: TAINT.value, effect: 'NoExecute' }],
    }));
    const entry = runnerEntries(objects)[0].runner;
    expect(entry.kubernetes.node_tolerations).toEqual({ [`${TAINT.key}=${TAINT.value}`]: 'NoExecute' });
    expect(exactTolerations(entry)).toEqual([
      { key: TAINT.key, operator: 'Equal', value: TAINT.value, effect: 'NoExecute' },
      { key: TAINT.key, operator: 'Equal', value: TAINT.value, effect: 'NoSchedule' },
    ]);
  });

  test('GIVEN tolerations needing the pod_spec patch and the feature flag turned off THEN synth fails naming the flag', () => {
    expect(() => synth(stack({}, {
      tolerations: [{ key: 'gpu', effect: 'NoSchedule' }, { key: 'gpu', effect: 'NoExecute' }],
      featureFlags: { FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: false },
    }))).toThrow(new ConfigError('test/runner/default', 'featureFlags.FF_USE_ADVANCED_POD_SPEC_CONFIGURATION', false,
      'must not be false while tolerations hold one taint with several effects: config.toml\'s node_tolerations keeps one effect per key[=value], and the pod_spec patch that gives build pods the exact list needs this flag; tolerate each taint with one effect, or drop the flag'));
  });

  test('GIVEN an unprivileged runner tolerating a privileged pool\'s taint only through a second effect THEN the guard rail sees it', () => {
    // NoSchedule is the pool's effect: the pod_spec patch, not node_tolerations, carries it.
    const { error, written } = attemptSynth((c) => {
      pool(c);
      manager(c).addRunner('default', { token, tolerations: [{ key: TAINT.key, value: TAINT.value, effect: 'NoExecute' }, { key: TAINT.key, value: TAINT.value, effect: 'NoSchedule' }] });
    });
    expect(written).toEqual([]);
    expect(error?.message).toContain(`${R}: invalid tolerations {"key":"dedicated","operator":"Equal","value":"gitlab-privileged-builds","effect":"NoSchedule"}: only runners bound to this pool (nodePools) may tolerate dedicated=gitlab-privileged-builds:NoSchedule`);
  });
});

describe('never a raw TypeError', () => {
  // Every top-level prop of a manager and a runner, given values of the wrong type: synth either
  // accepts it or fails with a ConfigError naming the construct, never with a TypeError.
  const junk: unknown[] = [null, 0, -1, 'x', true, {}, [], [null], { a: null }];
  const managerProps = ['gitlabUrl', 'allowInsecureHttp', 'name', 'namespace', 'createNamespaces', 'defaultBuildNamespace', 'image', 'replicas',
    'concurrent', 'checkInterval', 'logLevel', 'logFormat', 'shutdownTimeout', 'drainTimeout', 'resources', 'metricsService', 'networkPolicies',
    'serviceAccountAnnotations', 'systemIdSeed', 'caBundle', 'proxy'];
  const runnerProps = ['token', 'buildNamespace', 'image', 'pullPolicy', 'allowedImages', 'allowedServices', 'imagePullSecrets', 'helperImage',
    'limit', 'requestConcurrency', 'buildResources', 'helperResources', 'serviceResources', 'nodeSelector', 'tolerations', 'podLabels',
    'podAnnotations', 'pollTimeout', 'pollInterval', 'environment', 'featureFlags', 'priorityClassName', 'nodePools', 'privileged',
    'volumes', 'buildContainerSecurityContext'];
  const typeErrors = (props: string[], build: (prop: string, value: unknown) => (c: Chart) => void) => props.flatMap((prop) => junk.flatMap((value) => {
    const { error } = attemptSynth(build(prop, value));
    return error === undefined || error instanceof ConfigError || /^Validation failed/.test(error.message)
      ? [] : [`${prop}=${JSON.stringify(value)}: ${error.constructor.name}: ${error.message}`];
  }));

  test('GIVEN junk in any manager prop THEN no TypeError', () => {
    expect(typeErrors(managerProps, (prop, value) => stack({ [prop]: value } as any))).toEqual([]);
  });

  test('GIVEN junk in any runner option THEN no TypeError', () => {
    expect(typeErrors(runnerProps, (prop, value) => stack({}, { [prop]: value } as any))).toEqual([]);
  });
});

describe('never a raw TypeError, in caches and node pools', () => {
  const junk: unknown[] = [null, 0, -1, 'x', true, {}, [], [null], { a: null }];
  const sweep = (props: string[], build: (prop: string, value: unknown) => (c: Chart) => void) => props.flatMap((prop) => junk.flatMap((value) => {
    const { error } = attemptSynth(build(prop, value));
    return error === undefined || error instanceof ConfigError || /^Validation failed/.test(error.message)
      ? [] : [`${prop}=${JSON.stringify(value)}: ${error.constructor.name}: ${error.message}`];
  }));
  const wired = (cache: (c: Chart) => any) => (c: Chart) => { manager(c).addRunner('default', { token }).useCache(cache(c)); };

  test('GIVEN junk in any MinioCache prop THEN no TypeError', () => {
    const props = ['rootCredentials', 'cacheCredentials', 'name', 'namespace', 'createNamespace', 'mode', 'replicas', 'image', 'storageSize',
      'storageClassName', 'bucketName', 'region', 'expiry', 'quota', 'console', 'resources', 'networkPolicies', 'clusterDomain', 'provisioning', 'path', 'shared'];
    expect(sweep(props, (prop, value) => wired((c) => new MinioCache(c, 'cache', { ...credentials, [prop]: value } as any)))).toEqual([]);
  });

  test('GIVEN junk in any S3Cache or GcsCache prop THEN no TypeError', () => {
    const s3Props = ['bucketName', 'region', 'serverAddress', 'credentials', 'insecure', 'pathStyle', 'name', 'path', 'shared'];
    expect(sweep(s3Props, (prop, value) => wired((c) => new S3Cache(c, 's3', { bucketName: 'ci-cache', region: 'eu-west-1', [prop]: value } as any)))).toEqual([]);
    expect(sweep(['bucketName', 'path', 'shared'], (prop, value) => wired((c) => new GcsCache(c, 'gcs', { bucketName: 'ci-cache', [prop]: value } as any)))).toEqual([]);
  });

  test('GIVEN junk in any DinD or image builder option THEN no TypeError', () => {
    const dind = ['nodePool', 'buildNamespace', 'pollTimeout', 'serviceResources', 'environment', 'volumes', 'tolerations'];
    expect(sweep(dind, (prop, value) => (c) => { manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(c), [prop]: value } as any); })).toEqual([]);
    const builder = ['registryCredentials', 'googleServiceAccountKey', 'buildNamespace', 'buildContainerSecurityContext', 'environment', 'volumes'];
    expect(sweep(builder, (prop, value) => (c) => { manager(c).addImageBuilderRunner('builder', { token, [prop]: value } as any); })).toEqual([]);
  });

  test('GIVEN junk in any GKE or existing-nodes pool prop, or admission guard option, THEN no TypeError', () => {
    const gkeProps = ['name', 'taint', 'nodeLabel', 'namespace', 'clusterName', 'clusterNamespace', 'location', 'machineType', 'autoscaling', 'spot'];
    expect(sweep(gkeProps, (prop, value) => (c) => {
      const p = new GkeNodePool(c, 'pool', { taint: TAINT, namespace: 'cnrm', clusterName: 'ci', location: 'europe-west1', [prop]: value } as any);
      manager(c).addDindRunner('dind', { token: dindToken, nodePool: p });
    })).toEqual([]);
    expect(sweep(['name', 'taint', 'nodeLabel', 'nodeNames'], (prop, value) => (c) => {
      const p = new ExistingNodePool(c, 'pool', { taint: TAINT, [prop]: value } as any);
      manager(c).addDindRunner('dind', { token: dindToken, nodePool: p });
    })).toEqual([]);
    expect(sweep(['exemptNamespaces', 'validationActions', 'name'], (prop, value) => (c) => {
      pool(c).addAdmissionGuard({ [prop]: value } as any);
    })).toEqual([]);
  });

  test('GIVEN junk in any Karpenter pool prop THEN no TypeError', () => {
    const props = ['name', 'taint', 'nodeLabel', 'nodeClassRef', 'requirements', 'limits', 'disruption', 'expireAfter', 'weight'];
    expect(sweep(props, (prop, value) => (c) => {
      const p = new KarpenterNodePool(c, 'pool', { taint: TAINT, nodeClassRef: NODE_CLASS, [prop]: value } as any);
      manager(c).addDindRunner('dind', { token: dindToken, nodePool: p });
    })).toEqual([]);
  });
});
