import { Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'smol-toml';
import { ExistingNodePool, fromToml, GitLabRunnerManager, RunnerOptions, toToml } from '../src';
import { modelBuildPodSpec } from '../src/runner/build-pod-model';
import { podSecurityViolations } from '../src/runner/pod-security';
import { find, K8sObject } from './helpers';

const TAINT = { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' as const };

/** The options of an unprivileged runner that sets every advanced option. */
const POWER: Partial<RunnerOptions> = {
  preGetSourcesScript: 'git config --global http.postBuffer 524288000',
  preBuildScript: 'echo "job $CI_JOB_ID starts"\ndate',
  postBuildScript: 'echo done',
  outputLimit: 16384,
  podTerminationGracePeriod: Duration.seconds(45),
  cloneUrl: 'https://gitlab-internal.example.com',
  affinity: {
    nodeAffinity: {
      required: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
      preferred: [{ weight: 50, preference: { matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m7i.2xlarge'] }] } }],
    },
    podAntiAffinity: {
      preferred: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { team: 'a' } } } }],
    },
  },
  dnsPolicy: 'ClusterFirst',
  dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
  hostAliases: [{ ip: '10.1.2.3', hostnames: ['registry.internal'] }],
  podSecurityContext: { fsGroup: 1000, supplementalGroups: [2000] },
  buildContainerSecurityContext: { runAsUser: 1000, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
  helperContainerSecurityContext: { readOnlyRootFilesystem: false, capabilities: { drop: ['ALL'] } },
  serviceContainerSecurityContext: { runAsUser: 999, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } },
  capAdd: ['CHOWN'],
  capDrop: ['NET_RAW', 'SYS_ADMIN'],
  volumes: {
    configMap: [{ configMapName: 'ci-scripts', mountPath: '/opt/ci', items: { 'setup.sh': 'setup.sh' } }],
    pvc: [{ claimName: 'datasets', mountPath: '/data', readOnly: true, subPath: 'v1' }],
    csi: [{ name: 'secrets-store', mountPath: '/mnt/secrets', driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'ci' } }],
  },
  podSpecPatches: [
    { name: 'hostname', patchType: 'merge', patch: { hostname: 'ci-build' } },
    { name: 'share-pid', patchType: 'strategic', patch: { shareProcessNamespace: true } },
    { name: 'toleration', patchType: 'json', patch: [{ op: 'add', path: '/tolerations', value: [{ key: 'team', operator: 'Equal', value: 'a', effect: 'NoSchedule' }] }] },
  ],
  jobOverrides: {
    serviceAccounts: [{ name: 'deployer', annotations: { 'iam.gke.io/gcp-service-account': 'deployer@p.iam.gserviceaccount.com' } }],
    nodeSelector: '^team=[a-z]+$',
    tolerations: '^team=[a-z]+:NoSchedule$',
    podLabels: '^team=[a-z]+$',
    podAnnotations: '^example\\.com/[a-z]+=.*$',
    maxBuildResources: { cpu: { request: '4', limit: '8' }, memory: { request: '8Gi', limit: '16Gi' }, ephemeralStorage: { request: '10Gi', limit: '20Gi' } },
    maxHelperResources: { memory: { request: '512Mi', limit: '1Gi' } },
    maxServiceResources: { cpu: { limit: '4' } },
  },
};

function stack(runner: Partial<RunnerOptions>, pool = false): { objects: K8sObject[]; manager: GitLabRunnerManager } {
  const chart = Testing.chart();
  const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
  if (pool) new ExistingNodePool(chart, 'pool', { taint: TAINT });
  manager.addRunner('default', { token: { secretName: 'runner-token' }, ...runner });
  return { objects: Testing.synth(chart) as K8sObject[], manager };
}

function errorOf(build: (chart: Chart) => void): string {
  const chart = Testing.chart();
  try {
    build(chart);
    Testing.synth(chart);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

function runnerError(runner: Partial<RunnerOptions>, pool = false): string {
  return errorOf((chart) => {
    const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    if (pool) new ExistingNodePool(chart, 'pool', { taint: TAINT });
    manager.addRunner('default', { token: { secretName: 'runner-token' }, ...runner });
  });
}

describe('advanced runner options', () => {
  const { objects, manager } = stack(POWER, true);
  const template = find(objects, 'ConfigMap', 'gitlab-runner').data['config.template.toml'];
  const runner = (parse(template) as any).runners[0];

  test('GIVEN every advanced option WHEN synthesized THEN config.toml matches the snapshot', () => {
    expect(template).toMatchSnapshot();
  });

  test('THEN config.toml round-trips through a TOML parser to the typed model', () => {
    expect(parse(template)).toEqual(manager.toConfigModel());
    expect(fromToml(toToml(manager.toConfigModel()))).toEqual(manager.toConfigModel());
  });

  test('THEN the runner keys use the runner\'s exact spellings', () => {
    expect(runner).toMatchObject({
      output_limit: 16384,
      pre_get_sources_script: POWER.preGetSourcesScript,
      pre_build_script: POWER.preBuildScript,
      post_build_script: 'echo done',
      clone_url: 'https://gitlab-internal.example.com',
      feature_flags: { FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: true },
    });
    const k = runner.kubernetes;
    expect(k.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms[0].match_expressions[0])
      .toEqual({ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] });
    expect(k.affinity.pod_anti_affinity.preferred_during_scheduling_ignored_during_execution[0].pod_affinity_term.label_selector.match_labels).toEqual({ team: 'a' });
    expect(k.dns_policy).toBe('cluster-first');
    expect(k.pod_termination_grace_period_seconds).toBe(45);
    expect(k.dns_config).toEqual({ nameservers: ['10.0.0.10'], searches: ['svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] });
    expect(k.host_aliases).toEqual([{ ip: '10.1.2.3', hostnames: ['registry.internal'] }]);
    expect(k.pod_security_context).toEqual({ fs_group: 1000, supplemental_groups: [2000] });
    expect(k.service_container_security_context).toEqual({ run_as_user: 999, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } });
    expect([k.cap_add, k.cap_drop]).toEqual([['CHOWN'], ['NET_RAW', 'SYS_ADMIN']]);
    expect(k.volumes.pvc).toEqual([{ name: 'datasets', mount_path: '/data', sub_path: 'v1', read_only: true }]);
    expect(k.volumes.csi[0]).toMatchObject({ driver: 'secrets-store.csi.k8s.io', volume_attributes: { secretProviderClass: 'ci' } });
    expect(k.volumes.config_map).toEqual([{ name: 'ci-scripts', mount_path: '/opt/ci', read_only: true, items: { 'setup.sh': 'setup.sh' } }]);
    expect(k.pod_spec.map((p: any) => [p.name, p.patch_type])).toEqual([['hostname', 'merge'], ['share-pid', 'strategic'], ['toleration', 'json']]);
    expect(JSON.parse(k.pod_spec[0].patch)).toEqual({ hostname: 'ci-build' });
  });

  test('THEN the overwrite keys hold the patterns and maxima', () => {
    const k = runner.kubernetes;
    expect(k).toMatchObject({
      service_account_overwrite_allowed: '^(deployer)$',
      node_selector_overwrite_allowed: '^team=[a-z]+$',
      node_tolerations_overwrite_allowed: '^team=[a-z]+:NoSchedule$',
      pod_labels_overwrite_allowed: '^team=[a-z]+$',
      pod_annotations_overwrite_allowed: '^example\\.com/[a-z]+=.*$',
      cpu_request_overwrite_max_allowed: '4',
      cpu_limit_overwrite_max_allowed: '8',
      memory_limit_overwrite_max_allowed: '16Gi',
      ephemeral_storage_limit_overwrite_max_allowed: '20Gi',
      helper_memory_limit_overwrite_max_allowed: '1Gi',
      service_cpu_limit_overwrite_max_allowed: '4',
    });
    expect(k).not.toHaveProperty('service_cpu_request_overwrite_max_allowed');
  });

  test('THEN the job service account exists in the build namespace, with no token and no rights', () => {
    const sa = find(objects, 'ServiceAccount', 'deployer', 'gitlab-runner-builds');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata.annotations).toEqual({ 'iam.gke.io/gcp-service-account': 'deployer@p.iam.gserviceaccount.com' });
    expect(objects.filter((o) => (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') && JSON.stringify(o.subjects).includes('deployer'))).toEqual([]);
  });

  test('GIVEN two runners of one build namespace allowing one job service account THEN it is emitted once', () => {
    const chart = Testing.chart();
    const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    for (const name of ['a', 'b']) m.addRunner(name, { token: { secretName: `token-${name}` }, jobOverrides: { serviceAccounts: [{ name: 'deployer' }] } });
    expect((Testing.synth(chart) as K8sObject[]).filter((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'deployer')).toHaveLength(1);
  });

  test('GIVEN two runners describing one job service account differently THEN synth fails', () => {
    const msg = errorOf((chart) => {
      const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      m.addRunner('a', { token: { secretName: 'token-a' }, jobOverrides: { serviceAccounts: [{ name: 'deployer' }] } });
      m.addRunner('b', { token: { secretName: 'token-b' }, jobOverrides: { serviceAccounts: [{ name: 'deployer', annotations: { 'a.example.com/x': 'y' } }] } });
    });
    expect(msg).toContain('manager/b: invalid jobOverrides.serviceAccounts "deployer": is also a job service account of test/manager/a');
  });

  test('THEN an unset option is absent from config.toml', () => {
    const { objects: plain } = stack({});
    const entry = (parse(find(plain, 'ConfigMap', 'gitlab-runner').data['config.template.toml']) as any).runners[0];
    for (const key of ['output_limit', 'clone_url', 'pre_build_script', 'feature_flags']) expect(entry).not.toHaveProperty(key);
    for (const key of ['affinity', 'pod_spec', 'dns_policy', 'cap_add', 'node_tolerations_overwrite_allowed', 'cpu_limit_overwrite_max_allowed']) {
      expect(entry.kubernetes).not.toHaveProperty(key);
    }
  });
});

describe('the build pod model', () => {
  test('GIVEN the power-user runner WHEN modelled THEN the containers carry the executor\'s capabilities and security contexts', () => {
    const { manager } = stack(POWER);
    const spec = modelBuildPodSpec(manager.toConfigModel().runners[0].kubernetes);
    expect(spec.containers.map((c: any) => [c.name, c.securityContext.capabilities])).toEqual([
      ['build', { add: ['CHOWN'], drop: ['ALL'] }],
      ['helper', { add: ['CHOWN'], drop: ['ALL'] }],
      ['svc-0', { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }],
    ]);
    expect(spec.volumes.map((v: any) => v.name)).toEqual(['repo', 'datasets', 'ci-scripts', 'secrets-store']);
    // The executor's order, which JSON patch paths index into.
    expect([spec.initContainers.map((c: any) => c.name), spec.containers.map((c: any) => c.name)]).toEqual([['init-permissions'], ['build', 'helper', 'svc-0']]);
    expect(podSecurityViolations(spec, 'baseline')).toEqual([]);
  });

  test('GIVEN a hostPath volume and a privileged container THEN baseline names both', () => {
    const spec = { volumes: [{ name: 'h', hostPath: { path: '/' } }], containers: [{ name: 'build', securityContext: { privileged: true } }] };
    expect(podSecurityViolations(spec, 'baseline').map((x) => x.path)).toEqual(['volumes[0].hostPath', 'containers[0].securityContext.privileged']);
    expect(podSecurityViolations(spec, 'privileged')).toEqual([]);
  });
});

describe('pod_spec patches are re-checked', () => {
  test('GIVEN a patch that makes the build container privileged on an unprivileged runner THEN synth fails naming the path', () => {
    const msg = runnerError({ podSpecPatches: [{ name: 'p', patchType: 'json', patch: [{ op: 'add', path: '/containers/0/securityContext/privileged', value: true }] }] });
    expect(msg).toContain('manager/default: invalid podSpecPatches "spec.containers[0].securityContext.privileged"');
    expect(msg).toContain('Pod Security "baseline"');
  });

  test('GIVEN a merge patch adding hostNetwork THEN synth fails', () => {
    expect(runnerError({ podSpecPatches: [{ name: 'p', patchType: 'merge', patch: { hostNetwork: true } }] })).toContain('"spec.hostNetwork"');
  });

  test('GIVEN a json patch that does not apply THEN the error names the field and the operation', () => {
    const msg = runnerError({ podSpecPatches: [{ name: 'p', patchType: 'json', patch: [{ op: 'replace', path: '/nodeName', value: 'x' }] }] });
    expect(msg).toContain('invalid podSpecPatches[0].patch');
    expect(msg).toContain('is not a JSON patch that applies to the build pod spec: OPERATION_PATH_UNRESOLVABLE at operation 0');
  });

  test('GIVEN a strategic patch touching a list THEN it is refused with the json alternative', () => {
    const msg = runnerError({ podSpecPatches: [{ name: 'p', patchType: 'strategic', patch: { containers: [{ name: 'build', tty: true }] } }] });
    expect(msg).toContain('invalid podSpecPatches[0].patch.containers');
    expect(msg).toContain('use patchType "json"');
  });

  test('GIVEN a patch tolerating a privileged pool\'s taint on an unbound runner THEN synth fails', () => {
    const msg = runnerError({
      podSpecPatches: [{ name: 'p', patchType: 'json', patch: [{ op: 'add', path: '/tolerations', value: [{ key: 'dedicated', operator: 'Exists' }] }] }],
    }, true);
    expect(msg).toContain('tolerates the taint dedicated=gitlab-privileged-builds:NoSchedule of node pool');
  });

  test('GIVEN a patch that moves a privileged runner\'s pods off its pool THEN synth fails', () => {
    const msg = errorOf((chart) => {
      const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      const nodePool = new ExistingNodePool(chart, 'pool', { taint: TAINT });
      manager.addDindRunner('dind', { token: { secretName: 'dind-token' }, nodePool, podSpecPatches: [{ name: 'p', patchType: 'merge', patch: { nodeSelector: null } }] });
    });
    expect(msg).toContain('must keep dedicated=gitlab-privileged-builds');
  });

  test('GIVEN featureFlags turning the pod spec flag off THEN synth fails', () => {
    expect(runnerError({ featureFlags: { FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: false }, podSpecPatches: [{ name: 'p', patchType: 'merge', patch: { hostname: 'x' } }] }))
      .toContain('invalid featureFlags.FF_USE_ADVANCED_POD_SPEC_CONFIGURATION false');
  });
});

describe('job override guard rails', () => {
  test.each([
    ['.*', 'dedicated=gitlab-privileged-builds:NoSchedule'],
    ['^$', ''],
    ['^dedicated', 'dedicated=gitlab-privileged-builds:NoSchedule'],
    ['NoSchedule$', 'dedicated=gitlab-privileged-builds:NoSchedule'],
    ['^[a-z]+$', 'dedicated'],
    ['^:NoSchedule$', ':NoSchedule'],
  ])('GIVEN an unprivileged runner allowing tolerations %p THEN synth fails with an example it lets through', (pattern, example) => {
    const msg = runnerError({ jobOverrides: { tolerations: pattern } }, true);
    expect(msg).toContain(`invalid jobOverrides.tolerations ${JSON.stringify(pattern)}: would let a job tolerate the taint dedicated=gitlab-privileged-builds:NoSchedule`);
    expect(msg).toContain(`KUBERNETES_NODE_TOLERATIONS_1=${JSON.stringify(example)}`);
  });

  test('GIVEN a pattern anchored to other taints THEN it is accepted', () => {
    expect(stack({ jobOverrides: { tolerations: '^team=[a-z]+:NoSchedule$' } }, true).manager.toConfigModel().runners[0].kubernetes.node_tolerations_overwrite_allowed)
      .toBe('^team=[a-z]+:NoSchedule$');
  });

  test('GIVEN a node selector pattern matching the pool label THEN synth fails with the label', () => {
    const msg = runnerError({ jobOverrides: { nodeSelector: '=' } }, true);
    expect(msg).toContain('would let a job select the nodes of node pool');
    expect(msg).toContain('KUBERNETES_NODE_SELECTOR_1="dedicated=gitlab-privileged-builds"');
  });

  test('GIVEN a privileged runner allowing its pool label key to change THEN synth fails', () => {
    const msg = errorOf((chart) => {
      const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
      const nodePool = new ExistingNodePool(chart, 'pool', { taint: TAINT });
      manager.addDindRunner('dind', { token: { secretName: 'dind-token' }, nodePool, jobOverrides: { nodeSelector: '^dedicated=.*' } });
    });
    expect(msg).toContain('would let a job move this runner\'s privileged build pods off node pool');
  });

  test('GIVEN a pod label pattern matching the library\'s cache label THEN synth fails with the label', () => {
    const msg = runnerError({ jobOverrides: { podLabels: '^[a-z0-9./-]+=[a-z0-9-]+$' } });
    expect(msg).toContain('invalid jobOverrides.podLabels "^[a-z0-9./-]+=[a-z0-9-]+$": would let a job set the library\'s label job.runner.gitlab.com/pod');
  });

  test.each([
    ['(?=x)', 'uses "(?="'],
    ['(?i)team', 'uses "(?i)"'],
    ['\\1', 'uses "\\1"'],
    ['[', 'is not a regular expression'],
    ['', 'must be a non-empty regular expression'],
  ])('GIVEN the pattern %p THEN it is refused', (pattern, why) => {
    expect(runnerError({ jobOverrides: { podLabels: pattern } })).toContain(why);
  });
});

describe('bad input', () => {
  test.each<[string, Partial<RunnerOptions>, string]>([
    ['a hostPath volume on an unprivileged runner', { volumes: { hostPath: [{ name: 'h', mountPath: '/h', hostPath: '/var/run' }] } }, 'invalid volumes.hostPath[0] "/var/run": hostPath volumes give jobs the node\'s files'],
    ['a capability baseline forbids', { capAdd: ['SYS_ADMIN'] }, 'invalid capAdd[0] "SYS_ADMIN": may not be added by an unprivileged runner'],
    ['a CAP_ prefix', { capDrop: ['CAP_NET_RAW'] }, 'invalid capDrop[0] "CAP_NET_RAW": must be a Linux capability name'],
    ['a privileged helper', { helperContainerSecurityContext: { privileged: true } }, 'invalid helperContainerSecurityContext.privileged true: only a privileged runner'],
    ['a grace period below a second', { podTerminationGracePeriod: Duration.millis(500) }, 'invalid podTerminationGracePeriod'],
    ['a non-integer output limit', { outputLimit: 1.5 }, 'invalid outputLimit 1.5'],
    ['an http clone URL', { cloneUrl: 'http://gitlab.internal' }, 'invalid cloneUrl "http://gitlab.internal"'],
    ['a token in a script', { preBuildScript: 'export T=glpat-abcdefghijklmnop' }, 'looks like a GitLab token'],
    ['an empty script', { postBuildScript: ' ' }, 'invalid postBuildScript " "'],
    ['In without values', { affinity: { nodeAffinity: { required: [{ matchExpressions: [{ key: 'a', operator: 'In' }] }] } } }, 'invalid affinity.nodeAffinity.required[0].matchExpressions[0].values (missing)'],
    ['matchLabels not a map', { affinity: { podAffinity: { required: [{ topologyKey: 'zone', labelSelector: { matchLabels: 'team=a' as any } }] } } }, 'invalid affinity.podAffinity.required[0].labelSelector.matchLabels "team=a": must be an object of label keys to values'],
    ['a weight above 100', { affinity: { podAffinity: { preferred: [{ weight: 101, podAffinityTerm: { topologyKey: 'zone' } }] } } }, 'invalid affinity.podAffinity.preferred[0].weight 101'],
    ['an empty node term', { affinity: { nodeAffinity: { required: [{}] } } }, 'invalid affinity.nodeAffinity.required[0] {}'],
    ['dnsPolicy None without servers', { dnsPolicy: 'None' }, 'invalid dnsPolicy "None"'],
    ['a bad dns policy', { dnsPolicy: 'cluster-first' as any }, 'invalid dnsPolicy "cluster-first": must be one of "None", "Default", "ClusterFirst", "ClusterFirstWithHostNet"'],
    ['a bad nameserver', { dnsConfig: { nameservers: ['dns.example.com'] } }, 'invalid dnsConfig.nameservers[0] "dns.example.com"'],
    ['a bad host alias ip', { hostAliases: [{ ip: '10.0.0', hostnames: ['a'] }] }, 'invalid hostAliases[0].ip "10.0.0"'],
    ['a host alias without names', { hostAliases: [{ ip: '10.0.0.1', hostnames: [] }] }, 'invalid hostAliases[0].hostnames []'],
    ['a bad pvc name', { volumes: { pvc: [{ claimName: 'Data', mountPath: '/data' }] } }, 'invalid volumes.pvc[0].claimName "Data"'],
    ['a csi volume on /builds', { volumes: { csi: [{ name: 'c', mountPath: '/builds', driver: 'd.example.com' }] } }, 'volumes.csi[0].mountPath'],
    ['csi attributes not a map', { volumes: { csi: [{ name: 'c', mountPath: '/c', driver: 'd.example.com', volumeAttributes: 'x' as any }] } }, 'invalid volumes.csi[0].volumeAttributes "x": must be a map of strings'],
    ['configMap items not a map', { volumes: { configMap: [{ configMapName: 'c', mountPath: '/c', items: ['a'] as any }] } }, 'invalid volumes.configMap[0].items ["a"]: must be a map of strings'],
    ['volumes not lists', { volumes: { pvc: {} as any } }, 'invalid volumes.pvc {}: must be a list of volumes'],
    ['a max below the runner\'s own value', { jobOverrides: { maxBuildResources: { memory: { limit: '1Gi' } } } }, 'invalid jobOverrides.maxBuildResources.memory.limit "1Gi": must be at least the runner\'s own memory limit "2Gi"'],
    ['a bad max quantity', { jobOverrides: { maxHelperResources: { cpu: { limit: '1 core' } } } }, 'invalid jobOverrides.maxHelperResources.cpu.limit "1 core"'],
    ['the build service account as a job one', { jobOverrides: { serviceAccounts: [{ name: 'gitlab-runner-build' }] } }, 'is the build pods\' default service account already'],
    ['a bad job service account', { jobOverrides: { serviceAccounts: [{ name: 'Deployer' }] } }, 'invalid jobOverrides.serviceAccounts[0].name "Deployer"'],
    ['a patch type', { podSpecPatches: [{ name: 'p', patchType: 'yaml' as any, patch: {} }] }, 'invalid podSpecPatches[0].patchType "yaml"'],
    ['patches not a list', { podSpecPatches: {} as any }, 'invalid podSpecPatches {}'],
    ['a null security context', { podSecurityContext: null as any }, 'invalid podSecurityContext null'],
    ['null job overrides', { jobOverrides: null as any }, 'invalid jobOverrides null'],
  ])('GIVEN %s THEN synth fails with a clear message', (_what, runner, message) => {
    const msg = runnerError(runner);
    expect(msg).toContain('manager/default: ');
    expect(msg).toContain(message);
    expect(msg).not.toMatch(/TypeError|Cannot read/);
  });

  test('GIVEN a script holding the library\'s secret marker THEN synth fails (it could hand a token to every job)', () => {
    const msg = runnerError({ preBuildScript: 'echo @@secret:runner-token/runner-token@@' });
    expect(msg).toContain('must not hold the library\'s marker syntax');
  });

  test('GIVEN a hostPath volume on a privileged runner THEN it is accepted, read-only by default', () => {
    const chart = Testing.chart();
    const manager = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    const nodePool = new ExistingNodePool(chart, 'pool', { taint: TAINT });
    manager.addDindRunner('dind', { token: { secretName: 'dind-token' }, nodePool, volumes: { hostPath: [{ name: 'cache', mountPath: '/cache', hostPath: '/var/cache/ci' }] } });
    Testing.synth(chart);
    expect(manager.toConfigModel().runners[0].kubernetes.volumes?.host_path).toEqual([{ name: 'cache', mount_path: '/cache', host_path: '/var/cache/ci', read_only: true }]);
  });
});
