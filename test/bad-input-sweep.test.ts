import { Chart, Duration } from 'cdk8s';
import {
  CacheCredentials, ExistingNodePool, GcsCache, GitLabRunnerManager, GitLabRunnerManagerProps, KarpenterNodePool, MinioCache, MinioCacheProps,
  MinioTls, RunnerMonitoring, RunnerOptions, S3Cache,
} from '../src';
import { attemptSynth } from './helpers';

// An adversarial sweep of the public props: each row is one class of bad input a general rule
// now refuses (src/common/shape.ts and the validators using it), or a representative of one
// already refused, kept as a regression guard. GIVEN the bad prop WHEN synthesized THEN a
// ConfigError names the construct path, the field, the value and what is allowed, and nothing
// is written.

const token = { secretName: 'runner-token' };
const manager = (c: Chart, props: Partial<GitLabRunnerManagerProps> = {}) =>
  new GitLabRunnerManager(c, 'runner', { gitlabUrl: 'https://gitlab.example.com', ...props });
/** A manager with `props` and one runner `default` with `options`. */
const stack = (props: Partial<GitLabRunnerManagerProps>, options: Partial<RunnerOptions> = {}) => (c: Chart) => {
  manager(c, props).addRunner('default', { token, ...options });
};
const runner = (options: Partial<RunnerOptions>) => stack({}, options);
const credentials = { rootCredentials: CacheCredentials.fromSecret('minio-root'), cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache') };
const minio = (props: Partial<MinioCacheProps>) => (c: Chart) => {
  manager(c).addRunner('default', { token }).useCache(new MinioCache(c, 'cache', { ...credentials, ...props }));
};
const pool = (c: Chart) => new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'ci', effect: 'NoSchedule' } });
/** A list whose elements cannot be read: what a proxy or a lazy getter over a broken source gives. */
const unreadableList = () => new Proxy(['x'], {
  get(target, key) {
    if (key === 'length' || key === Symbol.iterator) throw new Error('source offline');
    return (target as any)[key];
  },
});
/** An object with a getter that throws. */
const throwingGetter = (key: string) => Object.defineProperty({}, key, { enumerable: true, get: () => { throw new Error('source offline'); } });

const M = 'stack/runner';
const R = 'stack/runner/default';
const C = 'stack/cache';
const BOOL = 'must be true or false';
const INT64 = 'must be at most 9223372036854775807 (2^63-1) in its unit, e.g. "7Ei" or "9E": Kubernetes reads quantities as 64-bit integers';
const DOTS = 'must not have "." or ".." path segments: the URL parser would remove them, and the runner would call another path';

// [case, app, exact message]
const cases: Array<[string, (c: Chart) => void, string]> = [
  // Kubernetes pass-through types (PodOptions): read by their own serializer.
  ['an unknown key in the manager affinity', stack({ affinity: { nodeAfinity: {} } as any }), `${M}: invalid affinity key "nodeAfinity": must be a field of the Kubernetes Affinity type here (nodeAffinity, podAffinity, podAntiAffinity): an unknown key would vanish from the manifest`],
  ['a nested unknown key in the MinIO affinity', minio({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpresions: [] }] } } } as any }), `${C}: invalid affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0] key "matchExpresions": must be a field of the Kubernetes Affinity type here (matchExpressions, matchFields): an unknown key would vanish from the manifest`],
  ['a string where the affinity maps a list', stack({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: 'zone-a' } } } as any }), `${M}: invalid affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms "zone-a": must be a Kubernetes Affinity as in a pod spec (obj.nodeSelectorTerms?.map is not a function)`],
  ['a list where the affinity builds an object', stack({ affinity: { nodeAffinity: [] } as any }), `${M}: invalid affinity.nodeAffinity []: must be an object of the Kubernetes Affinity type, not a list`],
  ['a string where the affinity builds an object', minio({ affinity: { podAntiAffinity: 'hard' } as any }), `${C}: invalid affinity.podAntiAffinity "hard": must be an object in the Kubernetes Affinity type`],
  ['a typo in a manager toleration', stack({ tolerations: [{ key: 'dedicated', operater: 'Exists' }] as any }), `${M}: invalid tolerations[0] key "operater": must be a field of the Kubernetes Toleration type here (effect, key, operator, tolerationSeconds, value): an unknown key would vanish from the manifest`],
  ['a typo in an extraEnv entry', stack({ extraEnv: [{ name: 'TZ', valueFrm: { configMapKeyRef: { name: 'tz', key: 'tz' } } }] as any }), `${M}: invalid extraEnv[0] key "valueFrm": must be a field of the Kubernetes EnvVar type here (name, value, valueFrom): an unknown key would vanish from the manifest`],
  ['a typo in an extraVolumeMounts entry', stack({ extraVolumes: [{ name: 'ca', configMap: { name: 'ca' } }], extraVolumeMounts: [{ name: 'ca', mountPath: '/ca', readonly: true }] as any }), `${M}: invalid extraVolumeMounts[0] key "readonly": must be a field of the Kubernetes VolumeMount type here (mountPath, mountPropagation, name, readOnly, subPath, subPathExpr): an unknown key would vanish from the manifest`],
  ['a typo in a topology spread constraint', minio({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelselector: {} }] as any }), `${C}: invalid topologySpreadConstraints[0] key "labelselector": must be a field of the Kubernetes TopologySpreadConstraint type here (labelSelector, matchLabelKeys, maxSkew, minDomains, nodeAffinityPolicy, nodeTaintsPolicy, topologyKey, whenUnsatisfiable): an unknown key would vanish from the manifest`],
  // Known keys of the library's own types.
  ['a typo in a resource range', stack({ resources: { cpu: { requets: '100m' } as any } }), `${M}: invalid resources.cpu key "requets": must be one of "request", "limit": an unknown key would be ignored silently`],
  ['a typo in a resource name', runner({ buildResources: { mem: { limit: '1Gi' } } as any }), `${R}: invalid buildResources key "mem": must be one of "cpu", "memory", "ephemeralStorage": an unknown key would be ignored silently`],
  ['resources given as a string', runner({ helperResources: '100m' as any }), `${R}: invalid helperResources "100m": must be an object with keys one of "cpu", "memory", "ephemeralStorage"`],
  ['a typo in a DinD runner\'s service resources (merged over the profile\'s)', (c) => manager(c).addDindRunner('dind', { token, nodePool: pool(c), serviceResources: { memmory: { limit: '2Gi' } } as any }), 'stack/runner/dind: invalid serviceResources key "memmory": must be one of "cpu", "memory", "ephemeralStorage": an unknown key would be ignored silently'],
  ['a typo in a Secret reference', runner({ token: { secretName: 'runner-token', kee: 'token' } as any }), `${R}: invalid token key "kee": must be one of "secretName", "key": an unknown key would be ignored silently`],
  ['a typo in a runner toleration', runner({ tolerations: [{ key: 'ci', efect: 'NoSchedule' }] as any }), `${R}: invalid tolerations[0] key "efect": must be one of "key", "value", "effect": an unknown key would be ignored silently`],
  ['a typo in a build volume kind', runner({ volumes: { emptydir: [{ name: 'x', mountPath: '/x' }] } as any }), `${R}: invalid volumes key "emptydir": must be one of "emptyDir", "secret", "configMap", "pvc", "csi", "hostPath": an unknown key would be ignored silently`],
  ['a typo in a build volume entry', runner({ volumes: { pvc: [{ claimName: 'data', mountPath: '/data', readonly: true }] } as any }), `${R}: invalid volumes.pvc[0] key "readonly": must be one of "claimName", "mountPath", "subPath", "readOnly": an unknown key would be ignored silently`],
  ['Secret volume items given as a string', runner({ volumes: { secret: [{ secretName: 'certs', mountPath: '/certs', items: 'ca.crt' }] } as any }), `${R}: invalid volumes.secret[0].items "ca.crt": must be a map of strings, e.g. { "ca.crt": "ca.crt" }`],
  ['a typo in the pod security context', runner({ podSecurityContext: { fsgroup: 1000 } as any }), `${R}: invalid podSecurityContext key "fsgroup": must be one of "runAsUser", "runAsGroup", "runAsNonRoot", "fsGroup", "supplementalGroups": an unknown key would be ignored silently`],
  ['a typo in a host alias', runner({ hostAliases: [{ ip: '10.0.0.1', hostname: ['a.internal'] }] as any }), `${R}: invalid hostAliases[0] key "hostname": must be one of "ip", "hostnames": an unknown key would be ignored silently`],
  ['a typo in jobOverrides', runner({ jobOverrides: { maxBuildResource: { cpu: { limit: '2' } } } as any }), `${R}: invalid jobOverrides key "maxBuildResource": must be one of "serviceAccounts", "nodeSelector", "tolerations", "podLabels", "podAnnotations", "maxBuildResources", "maxHelperResources", "maxServiceResources": an unknown key would be ignored silently`],
  ['a typo in a pod spec patch', runner({ podSpecPatches: [{ name: 'x', patchType: 'merge', patch: {}, patchtype: 'json' }] as any }), `${R}: invalid podSpecPatches[0] key "patchtype": must be one of "name", "patchType", "patch": an unknown key would be ignored silently`],
  ['a typo in a node pool taint', (c) => new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'ci', efect: 'NoExecute' } as any }), 'stack/pool: invalid taint key "efect": must be one of "key", "value", "effect": an unknown key would be ignored silently'],
  ['a typo in a Karpenter node class reference', (c) => new KarpenterNodePool(c, 'pool', {
    taint: { key: 'dedicated', value: 'ci' }, nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default', namespace: 'x' } as any,
  }), 'stack/pool: invalid nodeClassRef key "namespace": must be one of "group", "kind", "name": an unknown key would be ignored silently'],
  ['a typo in MinIO provisioning options', minio({ provisioning: { backofflimit: 2 } as any }), `${C}: invalid provisioning key "backofflimit": must be one of "image", "backoffLimit", "timeout", "ttlAfterFinished", "hook", "resources", "imagePullSecrets": an unknown key would be ignored silently`],
  ['a typo in S3 server-side encryption', (c) => manager(c).addRunner('default', { token }).useCache(new S3Cache(c, 'cache', {
    bucketName: 'runner-cache', region: 'eu-west-1', serverSideEncryption: { type: 'S3', kmsKeyID: 'x' } as any,
  })), `${C}: invalid serverSideEncryption key "kmsKeyID": must be one of "type", "kmsKeyId": an unknown key would be ignored silently`],
  ['a typo in cache credential keys', minio({ rootCredentials: CacheCredentials.fromSecret('minio-root', { accesKey: 'user' } as any) }), `${C}: invalid rootCredentials.keys key "accesKey": must be one of "accessKey", "secretKey": an unknown key would be ignored silently`],
  ['a typo in cert-manager TLS options', minio({ tls: MinioTls.fromCertManager({ issuerRef: { name: 'ca' }, renewbefore: Duration.days(10) } as any) }), `${C}: invalid tls key "renewbefore": must be one of "issuerRef", "secretName", "duration", "renewBefore", "buildPodCaSecretName": an unknown key would be ignored silently`],
  ['a typo in the metrics scraper', (c) => {
    const m = manager(c);
    m.addRunner('default', { token });
    new RunnerMonitoring(c, 'monitoring', { manager: m, scraper: { namespaces: 'monitoring' } as any });
  }, 'stack/monitoring: invalid scraper key "namespaces": must be one of "namespace", "podLabels": an unknown key would be ignored silently'],
  // Maps given as something else.
  ['a node selector given as a string', runner({ nodeSelector: 'disk=ssd' as any }), `${R}: invalid nodeSelector "disk=ssd": must be a map of label keys to label values, e.g. { team: "ci" }`],
  ['pod labels given as a list', runner({ podLabels: ['team'] as any }), `${R}: invalid podLabels ["team"]: must be a map of label keys to label values, e.g. { team: "ci" }`],
  ['feature flags given as a list', runner({ featureFlags: ['FF_USE_FASTZIP'] as any }), `${R}: invalid featureFlags ["FF_USE_FASTZIP"]: must be a map of feature flag names to true or false, e.g. { FF_USE_FASTZIP: true }`],
  ['a node selector of null', runner({ nodeSelector: null as any }), `${R}: invalid nodeSelector null: must be a map of label keys to label values, e.g. { team: "ci" }`],
  // Lists given as something else.
  ['a pull policy given as a string', runner({ pullPolicy: 'always' as any }), `${R}: invalid pullPolicy "always": must be a list of strings, e.g. ["if-not-present"]`],
  ['image pull secrets given as a string', runner({ imagePullSecrets: 'registry' as any }), `${R}: invalid imagePullSecrets "registry": must be a list of strings, e.g. ["registry-credentials"]`],
  // Booleans.
  ['allowInsecureHttp as the string "true"', stack({ gitlabUrl: 'http://gitlab.lab', allowInsecureHttp: 'true' as any }), `${M}: invalid allowInsecureHttp "true": ${BOOL}`],
  ['createNamespaces as 1', stack({ createNamespaces: 1 as any }), `${M}: invalid createNamespaces 1: ${BOOL}`],
  ['networkPolicies as the string "false"', minio({ networkPolicies: 'false' as any }), `${C}: invalid networkPolicies "false": ${BOOL}`],
  ['MinIO console as the string "yes"', minio({ console: 'yes' as any }), `${C}: invalid console "yes": ${BOOL}`],
  ['a cache shared as the string "true"', (c) => manager(c).addRunner('default', { token }).useCache(new GcsCache(c, 'cache', { bucketName: 'runner-cache', shared: 'true' as any })), `${C}: invalid shared "true": ${BOOL}`],
  // Control characters in names and globs of external systems.
  ['an escape sequence in an allowed image glob', runner({ allowedImages: ['alpine\u001b[0m:*'] }),
    `${R}: invalid allowedImages[0] "alpine\\u001b[0m:*": must be a non-empty single-line string without control characters, e.g. "registry.example.com/ci/*"`],
  ['a NUL in a pod spec patch name', runner({ podSpecPatches: [{ name: 'host\u0000name', patchType: 'merge', patch: { hostname: 'ci' } }] }),
    `${R}: invalid podSpecPatches[0].name "host\\u0000name": must be a non-empty single-line string without control characters, e.g. "build-hostname"`],
  // Numbers.
  ['a memory limit of 1e999 (not a finite number)', runner({ buildResources: { memory: { limit: '1e999' } } }),
    `${R}: invalid buildResources.memory.limit "1e999": ${INT64}`],
  ['an emptyDir size beyond int64 bytes', runner({ volumes: { emptyDir: [{ name: 'x', mountPath: '/x', sizeLimit: '9223372036854775807Ki' }] } }),
    `${R}: invalid volumes.emptyDir[0].sizeLimit "9223372036854775807Ki": ${INT64}`],
  ['a Karpenter cpu limit beyond int64', (c) => new KarpenterNodePool(c, 'pool', {
    taint: { key: 'dedicated', value: 'ci' }, nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, limits: { cpu: '999999999999999999999' },
  }), `stack/pool: invalid limits.cpu "999999999999999999999": ${INT64}`],
  ['a runner name that is a number', (c) => manager(c).addRunner(42 as any, { token }),
    `${M}: invalid addRunner() name 42: must be a string: a DNS-1123 label unique among the manager's runners`],
  // URLs the parser would silently change.
  ['a GitLab URL with a ".." segment', stack({ gitlabUrl: 'https://gitlab.example.com/gitlab/../other' }),
    `${M}: invalid gitlabUrl "https://gitlab.example.com/gitlab/../other": ${DOTS}`],
  ['a clone URL with an encoded "." segment', runner({ cloneUrl: 'https://gitlab.internal/%2e/group' }),
    `${R}: invalid cloneUrl "https://gitlab.internal/%2e/group": ${DOTS}`],
  ['2^60 MinIO pods (a multiple of 4)', minio({ mode: 'distributed', replicas: 2 ** 60 }), `${C}: invalid replicas 1152921504606847000: must be an integer from 4 to 16, or a multiple of one of those (MinIO erasure sets of 4 to 16 pods): 2 or 3 pods lose write quorum when one fails`],
  // Unreadable props.
  ['a manager list that cannot be read', stack({ imagePullSecrets: unreadableList() as any }), `${M}: invalid imagePullSecrets "(unreadable)": must be readable: reading it threw "source offline"`],
  ['a runner option whose getter throws', runner({ volumes: throwingGetter('emptyDir') as any }), `${R}: invalid volumes.emptyDir "(unreadable)": must be readable: reading it threw "source offline"`],
  ['a MinIO toleration list that cannot be read', minio({ tolerations: unreadableList() as any }), `${C}: invalid tolerations "(unreadable)": must be readable: reading it threw "source offline"`],
  ['a node pool prop whose getter throws', (c) => new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'ci' }, nodeNames: unreadableList() as any }), 'stack/pool: invalid nodeNames "(unreadable)": must be readable: reading it threw "source offline"'],
  // Field names as the user wrote them.
  ['a monitoring bearer token given as a list', (c) => {
    const m = manager(c);
    const cache = new MinioCache(c, 'cache', credentials);
    m.addRunner('default', { token }).useCache(cache);
    new RunnerMonitoring(c, 'monitoring', { manager: m, cache, minioBearerToken: [] as any });
  }, 'stack/monitoring: invalid minioBearerToken []: must be an object with keys one of "secretName", "key"'],
  // Regression guards: classes refused before this sweep.
  ['a GitLab URL with a space', stack({ gitlabUrl: 'https://gitlab .example.com' }), `${M}: invalid gitlabUrl "https://gitlab .example.com": must not contain whitespace, control characters or backslashes`],
  ['an unpinned MinIO image', minio({ image: 'minio/minio:latest' }), `${C}: invalid image "minio/minio:latest": must be an image pinned to a version tag or a digest, e.g. "minio/minio:RELEASE.2025-09-07T16-13-09Z", so every pod runs the same build`],
  ['a negative build memory limit', runner({ buildResources: { memory: { limit: '-1Gi' } } }), `${R}: invalid buildResources.memory.limit "-1Gi": must not be negative: the API server refuses a negative quantity`],
  ['a poll timeout in fractional seconds', runner({ pollTimeout: Duration.millis(1500) }), `${R}: invalid pollTimeout "1 second 500 millis": must be a Duration of whole seconds, from 1s to 2147483647s, e.g. Duration.minutes(10) ('1500 millis' cannot be converted into a whole number of seconds.)`],
  ['a build namespace with capitals', runner({ buildNamespace: 'CI' }), `${R}: invalid buildNamespace "CI": must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['concurrent of NaN', stack({ concurrent: NaN }), `${M}: invalid concurrent NaN: must be an integer from 1 to 2147483647`],
];

describe('bad-input sweep: every class is refused at synth with a precise message, and nothing is written', () => {
  test.each(cases)('GIVEN %s', (_name, build, message) => {
    const { error, written } = attemptSynth(build);
    if (process.env.SWEEP_PRINT) console.log(JSON.stringify([_name, error?.constructor.name, error?.message]));
    expect(error?.message).toBe(message);
    expect(error?.name).toBe('ConfigError');
    expect(written).toEqual([]);
  });

  test('GIVEN every prop the sweep touches, with a valid value THEN the same harness writes the manifests (the harness can tell)', () => {
    const { error, written } = attemptSynth((c) => {
      const m = manager(c, { allowInsecureHttp: false, createNamespaces: true, resources: { cpu: { request: '100m' } }, imagePullSecrets: ['registry'] });
      const cache = new MinioCache(c, 'cache', { ...credentials, console: false, networkPolicies: true, provisioning: { backoffLimit: 2 } });
      m.addRunner('default', {
        token: { secretName: 'runner-token', key: 'token' }, nodeSelector: { disk: 'ssd' }, featureFlags: { FF_USE_FASTZIP: true }, pullPolicy: ['always'],
        tolerations: [{ key: 'ci', effect: 'NoSchedule' }], volumes: { secret: [{ secretName: 'certs', mountPath: '/certs', items: { 'ca.crt': 'ca.crt' } }] },
        podSecurityContext: { fsGroup: 1000 }, hostAliases: [{ ip: '10.0.0.1', hostnames: ['a.internal'] }],
      }).useCache(cache);
      new RunnerMonitoring(c, 'monitoring', { manager: m, cache, scraper: { namespace: 'monitoring' } });
    });
    expect(error).toBeUndefined();
    expect(written).toEqual(['stack.k8s.yaml']);
  });
});
