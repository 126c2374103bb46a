import { Chart } from 'cdk8s';
import { CacheCredentials, GitLabRunnerManager, GitLabRunnerManagerProps, KarpenterNodePool, MinioCache, MinioCacheProps, PodOptions } from '../src';
import { attemptSynth, find, K8sObject, synth } from './helpers';
import { policyViolations } from './policy';

const minioProps: MinioCacheProps = {
  rootCredentials: CacheCredentials.fromSecret('minio-root'),
  cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
};

/** Every option of PodOptions, set. */
const ALL: PodOptions = {
  nodeSelector: { 'kubernetes.io/os': 'linux', 'example.com/pool': 'system' },
  tolerations: [{ key: 'example.com/system', operator: 'Exists', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] }] }],
      },
    },
  },
  priorityClassName: 'ci-critical',
  podLabels: { 'team': 'platform', 'example.com/cost-center': 'ci' },
  podAnnotations: { 'example.com/owner': 'platform-team' },
  extraEnv: [{ name: 'TZ', value: 'UTC' }, { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'extra', key: 'api-key' } } }],
  extraEnvFrom: [{ configMapRef: { name: 'proxy-settings' } }],
  extraVolumes: [{ name: 'corporate-ca', configMap: { name: 'corporate-ca' } }],
  extraVolumeMounts: [{ name: 'corporate-ca', mountPath: '/etc/ssl/corporate', readOnly: true }],
  imagePullSecrets: ['registry-credentials'],
};

const managerObjects = (props: Partial<GitLabRunnerManagerProps> = {}) => synth((chart) => {
  new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', ...props })
    .addRunner('default', { token: { secretName: 'runner-token' } });
});
const minioObjects = (props: Partial<MinioCacheProps> = {}) => synth((chart) => { new MinioCache(chart, 'cache', { ...minioProps, ...props }); });
const podOf = (o: K8sObject) => o.spec.template;
const container = (o: K8sObject, name: string) => podOf(o).spec.containers.find((c: any) => c.name === name);
const SPREAD = (selector: Record<string, string>) => ({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } });
const MANAGER_SELECTOR = { 'app.kubernetes.io/name': 'gitlab-runner', 'app.kubernetes.io/instance': 'gitlab-runner', 'app.kubernetes.io/component': 'manager' };
const MINIO_SELECTOR = { 'app.kubernetes.io/name': 'minio', 'app.kubernetes.io/instance': 'minio', 'app.kubernetes.io/component': 'cache' };

describe('GIVEN a runner manager with every pod option', () => {
  const objects = managerObjects(ALL);
  const sts = find(objects, 'StatefulSet', 'gitlab-runner');

  test('WHEN synthesized THEN the StatefulSet matches the snapshot', () => {
    expect(sts).toMatchSnapshot();
  });

  test('THEN the pod is placed as asked, with the pull secrets', () => {
    const spec = podOf(sts).spec;
    expect(spec.nodeSelector).toEqual(ALL.nodeSelector);
    expect(spec.tolerations).toEqual(ALL.tolerations);
    expect(spec.affinity).toEqual(ALL.affinity);
    expect(spec.priorityClassName).toBe('ci-critical');
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
  });

  test('THEN the extra labels and annotations join the library\'s, which stay as they were', () => {
    const meta = podOf(sts).metadata;
    expect(meta.labels).toMatchObject({ ...MANAGER_SELECTOR, 'team': 'platform', 'example.com/cost-center': 'ci' });
    expect(sts.spec.selector.matchLabels).toEqual(MANAGER_SELECTOR);
    expect(Object.keys(meta.annotations).sort()).toEqual(['checksum/config', 'example.com/owner']);
  });

  test('THEN the extra env, envFrom and mounts go to the gitlab-runner container only, after the library\'s', () => {
    const main = container(sts, 'gitlab-runner');
    expect(main.env.map((e: any) => e.name)).toEqual(['HOME', 'TZ', 'API_KEY']);
    expect(main.envFrom).toEqual([{ configMapRef: { name: 'proxy-settings' } }]);
    expect(main.volumeMounts.at(-1)).toEqual({ name: 'corporate-ca', mountPath: '/etc/ssl/corporate', readOnly: true });
    expect(podOf(sts).spec.volumes.at(-1)).toEqual({ name: 'corporate-ca', configMap: { name: 'corporate-ca' } });
    const init = podOf(sts).spec.initContainers[0];
    expect(init.env.map((e: any) => e.name)).not.toContain('TZ');
    expect(init.volumeMounts.map((m: any) => m.name)).not.toContain('corporate-ca');
  });

  test('THEN Pod Security "restricted" still holds (policy validator)', () => {
    expect(policyViolations(objects)).toEqual([]);
  });
});

describe('GIVEN manager replicas', () => {
  test('WHEN there is one THEN no PodDisruptionBudget and no topology spread', () => {
    const objects = managerObjects();
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget')).toEqual([]);
    expect(podOf(find(objects, 'StatefulSet', 'gitlab-runner')).spec.topologySpreadConstraints).toBeUndefined();
  });

  test('WHEN there are two THEN a budget evicts one at a time, and the replicas spread over nodes where possible', () => {
    const objects = managerObjects({ replicas: 2 });
    const pdb = find(objects, 'PodDisruptionBudget', 'gitlab-runner', 'gitlab-runner');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: MANAGER_SELECTOR } });
    expect(pdb).toMatchSnapshot();
    expect(podOf(find(objects, 'StatefulSet', 'gitlab-runner')).spec.topologySpreadConstraints).toEqual([SPREAD(MANAGER_SELECTOR)]);
    // The budget selects exactly the manager's pods.
    expect(podOf(find(objects, 'StatefulSet', 'gitlab-runner')).metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
  });

  test('WHEN spread constraints are given THEN they replace the default, each counting the manager\'s pods unless it says otherwise', () => {
    const zone = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' };
    const objects = managerObjects({ replicas: 3, topologySpreadConstraints: [zone] });
    expect(podOf(find(objects, 'StatefulSet', 'gitlab-runner')).spec.topologySpreadConstraints).toEqual([{ ...zone, labelSelector: { matchLabels: MANAGER_SELECTOR } }]);
  });

  test('WHEN spread constraints are an empty list THEN the default is off', () => {
    const objects = managerObjects({ replicas: 2, topologySpreadConstraints: [] });
    expect(podOf(find(objects, 'StatefulSet', 'gitlab-runner')).spec.topologySpreadConstraints).toBeUndefined();
  });
});

describe('GIVEN a MinIO cache with every pod option', () => {
  const objects = minioObjects(ALL);
  const deployment = find(objects, 'Deployment', 'minio');
  const job = objects.find((o) => o.kind === 'Job')!;

  test('WHEN synthesized THEN the Deployment and the Job match the snapshot', () => {
    expect([deployment, job]).toMatchSnapshot();
  });

  test('THEN MinIO\'s pod is placed and customized as the manager\'s would be', () => {
    const spec = podOf(deployment).spec;
    expect([spec.nodeSelector, spec.tolerations, spec.affinity, spec.priorityClassName]).toEqual([ALL.nodeSelector, ALL.tolerations, ALL.affinity, 'ci-critical']);
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(podOf(deployment).metadata.labels).toMatchObject({ ...MINIO_SELECTOR, team: 'platform' });
    expect(podOf(deployment).metadata.annotations).toEqual({ 'example.com/owner': 'platform-team' });
    expect(container(deployment, 'minio').env.map((e: any) => e.name).slice(-2)).toEqual(['TZ', 'API_KEY']);
    expect(container(deployment, 'minio').volumeMounts.at(-1).name).toBe('corporate-ca');
    // One replica: nothing to spread.
    expect(spec.topologySpreadConstraints).toBeUndefined();
  });

  test('THEN the provisioning Job pulls with the same Secrets, and takes none of the other options', () => {
    expect(job.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(job.spec.template.spec.nodeSelector).toBeUndefined();
    expect(job.spec.template.metadata.labels.team).toBeUndefined();
  });

  test('THEN Pod Security "restricted" still holds (policy validator)', () => {
    expect(policyViolations(objects)).toEqual([]);
  });
});

describe('GIVEN MinIO pull secrets', () => {
  test('WHEN the provisioning Job names its own THEN it uses those', () => {
    const objects = minioObjects({ imagePullSecrets: ['minio-mirror'], provisioning: { imagePullSecrets: ['mc-mirror'] } });
    expect(podOf(find(objects, 'Deployment', 'minio')).spec.imagePullSecrets).toEqual([{ name: 'minio-mirror' }]);
    expect(objects.find((o) => o.kind === 'Job')!.spec.template.spec.imagePullSecrets).toEqual([{ name: 'mc-mirror' }]);
  });

  test('WHEN none are given THEN no pod has any, and the Job keeps its name', () => {
    const objects = minioObjects();
    expect(objects.filter((o) => o.spec?.template?.spec?.imagePullSecrets)).toEqual([]);
    const withSecrets = minioObjects({ imagePullSecrets: ['minio-mirror'] });
    // The Job's name hashes its spec: a new pull secret is a new Job, none is the old one.
    expect(objects.find((o) => o.kind === 'Job')!.metadata.name).not.toBe(withSecrets.find((o) => o.kind === 'Job')!.metadata.name);
  });
});

describe('GIVEN a distributed MinIO', () => {
  test('WHEN synthesized THEN its pods spread over nodes and a budget evicts one at a time', () => {
    const objects = minioObjects({ mode: 'distributed' });
    expect(podOf(find(objects, 'StatefulSet', 'minio')).spec.topologySpreadConstraints).toEqual([SPREAD(MINIO_SELECTOR)]);
    expect(find(objects, 'PodDisruptionBudget', 'minio').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: MINIO_SELECTOR } });
  });

  test('WHEN an extra volume is named like its volume claim THEN it is refused', () => {
    const { error } = attemptSynth((chart) => new MinioCache(chart, 'cache', { ...minioProps, mode: 'distributed', extraVolumes: [{ name: 'data', emptyDir: {} }] }));
    expect(error?.message).toBe('stack/cache: invalid extraVolumes[0].name "data": must differ from the pod\'s other volumes (root-credentials, certs, tmp, data)');
  });
});

const M = 'stack/runner';
/** An object with its keys sorted, as cdk8s writes it. */
const sorted = (o: object) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
const attemptManager = (props: Partial<GitLabRunnerManagerProps>) => attemptSynth((chart) => {
  new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', ...props }).addRunner('default', { token: { secretName: 'runner-token' } });
});
const SUBDOMAIN = 'must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
const OWN_LABELS = 'must not be a label the library sets (app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/version, app.kubernetes.io/part-of, app.kubernetes.io/managed-by, or any app.kubernetes.io/ label): the selectors of the workload, its Services, NetworkPolicies and PodDisruptionBudget rely on them';

// [case, manager props, exact message]
const badManager: Array<[string, Partial<GitLabRunnerManagerProps>, string]> = [
  ['a node selector value that is no label value', { nodeSelector: { pool: 'ci pool' } },
    `${M}: invalid nodeSelector["pool"] "ci pool": must be a label value: empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`],
  ['tolerations that are not a list', { tolerations: { key: 'x' } as any },
    `${M}: invalid tolerations {"key":"x"}: must be a list, e.g. [{ key: "dedicated", operator: "Equal", value: "ci", effect: "NoSchedule" }]`],
  ['a toleration with an unknown operator', { tolerations: [{ key: 'x', operator: 'In' }] },
    `${M}: invalid tolerations[0].operator "In": must be one of "Equal", "Exists"`],
  ['a toleration with an unknown effect', { tolerations: [{ key: 'x', value: 'y', effect: 'NoScheduled' }] },
    `${M}: invalid tolerations[0].effect "NoScheduled": must be one of "NoSchedule", "PreferNoSchedule", "NoExecute"`],
  ['an Equal toleration without a key', { tolerations: [{ value: 'y' }] },
    `${M}: invalid tolerations[0].key (missing): must be set with operator "Equal" (an empty key needs operator "Exists", which tolerates every taint)`],
  ['an Exists toleration with a value', { tolerations: [{ key: 'x', operator: 'Exists', value: 'y' }] },
    `${M}: invalid tolerations[0].value "y": must be empty with operator "Exists"`],
  ['tolerationSeconds without NoExecute', { tolerations: [{ key: 'x', operator: 'Exists', tolerationSeconds: 30 }] },
    `${M}: invalid tolerations[0].tolerationSeconds 30: must be set only with effect "NoExecute"`],
  ['an affinity that is a list', { affinity: [] as any },
    `${M}: invalid affinity []: must be an affinity object as in a pod spec, e.g. { nodeAffinity: { … } }`],
  ['a spread constraint with maxSkew 0', { topologySpreadConstraints: [{ maxSkew: 0, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' }] },
    `${M}: invalid topologySpreadConstraints[0].maxSkew 0: must be an integer from 1 to 2147483647`],
  ['a spread constraint with an unknown whenUnsatisfiable', { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'Never' }] },
    `${M}: invalid topologySpreadConstraints[0].whenUnsatisfiable "Never": must be one of "DoNotSchedule", "ScheduleAnyway"`],
  ['a priority class that is no name', { priorityClassName: 'CI Critical' }, `${M}: invalid priorityClassName "CI Critical": ${SUBDOMAIN}`],
  ['a pod label the library sets', { podLabels: { 'app.kubernetes.io/component': 'x' } }, `${M}: invalid podLabels key "app.kubernetes.io/component": ${OWN_LABELS}`],
  ['any app.kubernetes.io pod label', { podLabels: { 'app.kubernetes.io/team': 'x' } }, `${M}: invalid podLabels key "app.kubernetes.io/team": ${OWN_LABELS}`],
  ['a pod label key that is no qualified name', { podLabels: { 'my team': 'x' } },
    `${M}: invalid podLabels key "my team": must be a qualified name "[prefix/]name": name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; optional prefix a DNS-1123 subdomain`],
  ['the checksum annotation', { podAnnotations: { 'checksum/config': 'x' } },
    `${M}: invalid podAnnotations key "checksum/config": must not be an annotation the library sets (checksum/config)`],
  ['an env name the library sets', { extraEnv: [{ name: 'HOME', value: '/tmp' }] },
    `${M}: invalid extraEnv[0].name "HOME": must not be a variable the library sets (HOME)`],
  ['an env name that is no name', { extraEnv: [{ name: '1X', value: 'y' }] },
    `${M}: invalid extraEnv[0].name "1X": must be an environment variable name: letters, digits, "_", "-" and ".", not starting with a digit`],
  ['the same env name twice', { extraEnv: [{ name: 'TZ', value: 'UTC' }, { name: 'TZ', value: 'CET' }] },
    `${M}: invalid extraEnv[1].name "TZ": must be unique within extraEnv`],
  ['an env value that is a number', { extraEnv: [{ name: 'N', value: 1 as any }] },
    `${M}: invalid extraEnv[0].value 1: must be a string (quote numbers and booleans)`],
  ['an env value with a line break', { extraEnv: [{ name: 'N', value: 'a\nb' }] },
    `${M}: invalid extraEnv[0].value "a\\nb": must be a string without NUL, line breaks or other control characters`],
  ['a GitLab token as a literal env value', { extraEnv: [{ name: 'TOKEN', value: 'glpat-abcdefghijklmnop' }] },
    `${M}: invalid extraEnv[0].value "glpat****": looks like a credential: take it from a Secret with valueFrom.secretKeyRef, never as a literal in the manifests`],
  ['an env entry with value and valueFrom', { extraEnv: [{ name: 'X', value: 'a', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
    `${M}: invalid extraEnv[0] {"name":"X","value":"a","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}: must have a value or a valueFrom, not both`],
  ['an envFrom with both refs', { extraEnvFrom: [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }] },
    `${M}: invalid extraEnvFrom[0] {"configMapRef":{"name":"a"},"secretRef":{"name":"b"}}: must have exactly one of configMapRef and secretRef`],
  ['an envFrom naming no valid Secret', { extraEnvFrom: [{ secretRef: { name: 'Bad_Name' } }] }, `${M}: invalid extraEnvFrom[0].secretRef.name "Bad_Name": ${SUBDOMAIN}`],
  ['a hostPath volume', { extraVolumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] },
    `${M}: invalid extraVolumes[0] {"name":"docker","hostPath":{"path":"/var/run/docker.sock"}}: must have exactly one volume source of a kind Pod Security "restricted" admits: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret`],
  ['a volume named like the library\'s', { extraVolumes: [{ name: 'config', emptyDir: {} }] },
    `${M}: invalid extraVolumes[0].name "config": must differ from the pod's other volumes (config-template, runner-secrets, config, home, tmp)`],
  ['a mount of an unknown volume', { extraVolumes: [{ name: 'ca', configMap: { name: 'ca' } }], extraVolumeMounts: [{ name: 'tmp', mountPath: '/etc/ca' }] },
    `${M}: invalid extraVolumeMounts[0].name "tmp": must name one of extraVolumes: ca`],
  ['a mount inside the config directory', { extraVolumes: [{ name: 'ca', configMap: { name: 'ca' } }], extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/gitlab-runner/certs' }] },
    `${M}: invalid extraVolumeMounts[0].mountPath "/etc/gitlab-runner/certs": must not be inside or around the mount of the "config" volume ("/etc/gitlab-runner"): overlapping mounts hide each other's files`],
  ['a mount at /tmp', { extraVolumes: [{ name: 'scratch', emptyDir: {} }], extraVolumeMounts: [{ name: 'scratch', mountPath: '/tmp/' }] },
    `${M}: invalid extraVolumeMounts[0].mountPath "/tmp/": must be unique among the build pod's volumes; already used by the "tmp" volume`],
  ['a relative mount path', { extraVolumes: [{ name: 'ca', configMap: { name: 'ca' } }], extraVolumeMounts: [{ name: 'ca', mountPath: 'etc/ca' }] },
    `${M}: invalid extraVolumeMounts[0].mountPath "etc/ca": must be an absolute path without ".." segments, ":" or whitespace, e.g. "/certs/client"`],
  ['a pull secret that is no name', { imagePullSecrets: ['Registry Credentials'] }, `${M}: invalid imagePullSecrets[0] "Registry Credentials": ${SUBDOMAIN}`],
  ['pull secrets that are not a list', { imagePullSecrets: 'registry' as any },
    `${M}: invalid imagePullSecrets "registry": must be a list of strings, e.g. ["registry-credentials"]`],
  ['the same pull secret twice', { imagePullSecrets: ['registry', 'registry'] }, `${M}: invalid imagePullSecrets[1] "registry": must be unique within imagePullSecrets`],
];

describe('GIVEN bad pod options of a manager', () => {
  test.each(badManager)('WHEN %s THEN synth fails with a clear error and writes nothing', (_case, props, message) => {
    const { error, written } = attemptManager(props);
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });
});

describe('GIVEN bad pod options of a MinIO cache', () => {
  const C = 'stack/cache';
  const cases: Array<[string, Partial<MinioCacheProps>, string]> = [
    ['an env name the library sets', { extraEnv: [{ name: 'MINIO_ROOT_USER_FILE', value: '/x' }] },
      `${C}: invalid extraEnv[0].name "MINIO_ROOT_USER_FILE": must not be a variable the library sets (MINIO_ROOT_USER_FILE, MINIO_ROOT_PASSWORD_FILE, MINIO_BROWSER, MINIO_SITE_REGION, HOME)`],
    ['a mount over the data directory', { extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/data/x' }] },
      `${C}: invalid extraVolumeMounts[0].mountPath "/data/x": must not be inside or around the mount of the "data" volume ("/data"): overlapping mounts hide each other's files`],
    ['a pod label the library sets', { podLabels: { 'app.kubernetes.io/name': 'x' } }, `stack/cache: invalid podLabels key "app.kubernetes.io/name": must not be a label the library sets (app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by, or any app.kubernetes.io/ label): the selectors of the workload, its Services, NetworkPolicies and PodDisruptionBudget rely on them`],
    ['a provisioning pull secret that is no name', { provisioning: { imagePullSecrets: ['Bad'] } }, `${C}: invalid provisioning.imagePullSecrets[0] "Bad": ${SUBDOMAIN}`],
  ];
  test.each(cases)('WHEN %s THEN synth fails with a clear error and writes nothing', (_case, props, message) => {
    const { error, written } = attemptSynth((chart: Chart) => new MinioCache(chart, 'cache', { ...minioProps, ...props }));
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });
});

describe('GIVEN a privileged node pool in the same App', () => {
  const LEAK = 'only runners bound to this pool (nodePools) may tolerate dedicated=gitlab-privileged-builds:NoSchedule of node pool stack/pool, which runs privileged builds; remove the toleration (a DaemonSet node agent may be allowed with pool.allowDaemonSet())';
  const withPool = (build: (chart: Chart) => void) => attemptSynth((chart) => {
    new KarpenterNodePool(chart, 'pool', { taint: { key: 'dedicated', value: 'gitlab-privileged-builds' }, nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } });
    build(chart);
  });

  test.each([
    ['the exact taint', { key: 'dedicated', operator: 'Equal', value: 'gitlab-privileged-builds', effect: 'NoSchedule' }],
    ['its key with Exists', { key: 'dedicated', operator: 'Exists' }],
    ['every taint', { operator: 'Exists' }],
  ])('WHEN the manager tolerates %s THEN synth fails naming the toleration, and writes nothing', (_case, toleration) => {
    const { error, written } = withPool((chart) => new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', tolerations: [toleration] })
      .addRunner('default', { token: { secretName: 'runner-token' } }));
    // The pool's own check of every pod template in the App (one rule, src/nodepool/node-pool.ts).
    expect(error?.message).toBe(`Validation failed with the following errors:\n  [stack/pool] stack/runner/StatefulSet: invalid spec.template.spec.tolerations[0] ${JSON.stringify(sorted(toleration))}: ${LEAK}`);
    expect(written).toEqual([]);
  });

  test('WHEN MinIO tolerates the taint THEN synth fails too', () => {
    const { error } = withPool((chart) => new MinioCache(chart, 'cache', { ...minioProps, tolerations: [{ key: 'dedicated', operator: 'Exists' }] }));
    expect(error?.message).toContain('[stack/pool] stack/cache/Deployment: invalid spec.template.spec.tolerations[0] {"key":"dedicated","operator":"Exists"}: only runners bound to this pool');
  });

  test('WHEN the manager tolerates another taint THEN it synthesizes', () => {
    const { error } = withPool((chart) => new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', tolerations: [{ key: 'example.com/system', operator: 'Exists' }] })
      .addRunner('default', { token: { secretName: 'runner-token' } }));
    expect(error).toBeUndefined();
  });
});
