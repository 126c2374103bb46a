import { Testing } from 'cdk8s';
import { EXECUTOR_RULES, fromToml, GitLabRunnerManager } from '../src';
import { ReferenceStack } from '../src/main';
import { find, K8sObject, managerStack, podSpecs, synth } from './helpers';

const referenceObjects = (): K8sObject[] => Testing.synth(new ReferenceStack(Testing.app(), 'gitlab-runner')) as K8sObject[];
const configOf = (objects: K8sObject[], name = 'gitlab-runner', ns = 'gitlab-runner') =>
  fromToml(find(objects, 'ConfigMap', name, ns).data['config.template.toml']);

describe('reference stack', () => {
  test('GIVEN the reference stack WHEN synthesized THEN the manifests match the snapshot', () => {
    expect(referenceObjects()).toMatchSnapshot();
  });

  test('THEN it holds exactly the expected objects, in a stable order', () => {
    expect(referenceObjects().map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      'Namespace -/gitlab-runner',
      'ServiceAccount gitlab-runner/gitlab-runner',
      'ConfigMap gitlab-runner/gitlab-runner',
      'StatefulSet gitlab-runner/gitlab-runner',
      // Replicas are a Helm value here: the budget is always there (it holds no single replica back).
      'PodDisruptionBudget gitlab-runner/gitlab-runner',
      'Service gitlab-runner/gitlab-runner',
      'NetworkPolicy gitlab-runner/gitlab-runner',
      'Namespace -/gitlab-runner-builds',
      'ServiceAccount gitlab-runner-builds/gitlab-runner-build',
      'Role gitlab-runner-builds/gitlab-runner-executor',
      'RoleBinding gitlab-runner-builds/gitlab-runner-executor',
      'NetworkPolicy gitlab-runner-builds/gitlab-runner-builds-deny-ingress',
      'Namespace -/gitlab-runner-privileged-builds',
      'ServiceAccount gitlab-runner-privileged-builds/gitlab-runner-build',
      'Role gitlab-runner-privileged-builds/gitlab-runner-executor',
      'RoleBinding gitlab-runner-privileged-builds/gitlab-runner-executor',
      'NetworkPolicy gitlab-runner-privileged-builds/gitlab-runner-builds-deny-ingress',
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
      'NodePool -/gitlab-privileged-builds',
      'ValidatingAdmissionPolicy -/gitlab-privileged-builds-guard',
      'ValidatingAdmissionPolicyBinding -/gitlab-privileged-builds-guard',
    ]);
  });

  test('THEN the DinD runner is privileged on the tainted Karpenter pool, and the default runner is neither', () => {
    const [def, dind] = configOf(referenceObjects()).runners;
    expect([def.name, def.kubernetes.privileged, def.kubernetes.node_tolerations]).toEqual(['default', false, undefined]);
    expect([dind.name, dind.kubernetes.privileged, dind.kubernetes.namespace]).toEqual(['dind', true, 'gitlab-runner-privileged-builds']);
    expect(dind.kubernetes.node_selector).toEqual({ dedicated: 'gitlab-privileged-builds' });
    expect(dind.kubernetes.node_tolerations).toEqual({ 'dedicated=gitlab-privileged-builds': 'NoSchedule' });
  });
});

describe('RBAC', () => {
  const objects = referenceObjects();

  test('THEN the executor Role in the build namespace holds exactly the executor rules', () => {
    const role = find(objects, 'Role', 'gitlab-runner-executor', 'gitlab-runner-builds');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'delete', 'get', 'update'] },
      { apiGroups: [''], resources: ['events'], verbs: ['list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/attach'], verbs: ['create', 'delete', 'get', 'patch'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'delete', 'get', 'patch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get', 'list'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'delete', 'get', 'update'] },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get'] },
      { apiGroups: [''], resources: ['services'], verbs: ['create', 'get'] },
    ]);
    expect(role.rules).toEqual(EXECUTOR_RULES);
  });

  test('THEN no rule anywhere holds a wildcard, and nothing is cluster-scoped', () => {
    const rules = objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) => o.rules);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
    }
    expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
  });

  test('THEN the Role is bound to the manager ServiceAccount only', () => {
    const binding = find(objects, 'RoleBinding', 'gitlab-runner-executor', 'gitlab-runner-builds');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gitlab-runner-executor' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'gitlab-runner', namespace: 'gitlab-runner' }]);
  });

  test('THEN build pods run as a ServiceAccount with no binding and no mounted token', () => {
    const sa = find(objects, 'ServiceAccount', 'gitlab-runner-build', 'gitlab-runner-builds');
    expect(sa.automountServiceAccountToken).toBe(false);
    const bound = objects.filter((o) => o.kind.endsWith('RoleBinding')).flatMap((o) => o.subjects.map((s: any) => s.name));
    expect(bound).not.toContain('gitlab-runner-build');
    const runner = configOf(objects).runners[0].kubernetes;
    expect(runner.service_account).toBe('gitlab-runner-build');
    expect(runner.automount_service_account_token).toBe(false);
  });

  test('GIVEN runners in two build namespaces THEN each namespace gets its own Role and binding', () => {
    const objs = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://gitlab.example.com' });
      m.addRunner('a', { token: { secretName: 't-a' } });
      m.addRunner('b', { token: { secretName: 't-b' }, buildNamespace: 'team-b-builds' });
      m.addRunner('c', { token: { secretName: 't-c' }, buildNamespace: 'team-b-builds' });
    });
    expect(objs.filter((o) => o.kind === 'Role').map((o) => o.metadata.namespace)).toEqual(['gitlab-runner-builds', 'team-b-builds']);
    expect(objs.filter((o) => o.kind === 'RoleBinding').map((o) => o.metadata.namespace)).toEqual(['gitlab-runner-builds', 'team-b-builds']);
  });
});

describe('secrets', () => {
  test('THEN the token appears only as a Secret reference: never in a ConfigMap, env literal or Secret object', () => {
    const objects = referenceObjects();
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const config = configOf(objects);
    expect(config.runners[0].token).toBe('@@secret:gitlab-runner-token/runner-token@@');
    for (const { spec } of podSpecs(objects)) {
      for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
        for (const e of c.env ?? []) expect(e.value ?? '').not.toMatch(/glrt-|token/i);
      }
    }
    expect(JSON.stringify(objects)).not.toMatch(/glrt-/);
  });

  test('THEN the token Secret key is mounted read-only into the init container, and only there', () => {
    const sts = find(referenceObjects(), 'StatefulSet', 'gitlab-runner');
    const spec = sts.spec.template.spec;
    // The reference stack's runner also uses the MinIO cache, whose keys are mounted the same way.
    expect(spec.volumes.find((v: any) => v.name === 'runner-secrets').projected.sources).toEqual([
      { secret: { name: 'gitlab-runner-cache', optional: true, items: [{ key: 'accesskey', path: 'gitlab-runner-cache/accesskey' }, { key: 'secretkey', path: 'gitlab-runner-cache/secretkey' }] } },
      { secret: { name: 'gitlab-runner-dind-token', optional: true, items: [{ key: 'runner-token', path: 'gitlab-runner-dind-token/runner-token' }] } },
      { secret: { name: 'gitlab-runner-token', optional: true, items: [{ key: 'runner-token', path: 'gitlab-runner-token/runner-token' }] } },
    ]);
    const mounts = (c: any) => c.volumeMounts.map((m: any) => m.name);
    expect(mounts(spec.initContainers[0])).toContain('runner-secrets');
    expect(spec.initContainers[0].volumeMounts.find((m: any) => m.name === 'runner-secrets').readOnly).toBe(true);
    expect(mounts(spec.containers[0])).not.toContain('runner-secrets');
    // The rendered config lives in memory only.
    expect(spec.volumes.find((v: any) => v.name === 'config').emptyDir.medium).toBe('Memory');
  });

  test('GIVEN a custom key THEN the reference uses it', () => {
    const { objects } = managerStack({}, { token: { secretName: 'tok', key: 'glrt' } });
    expect(configOf(objects).runners[0].token).toBe('@@secret:tok/glrt@@');
  });
});

describe('manager workload', () => {
  const objects = referenceObjects();
  const sts = find(objects, 'StatefulSet', 'gitlab-runner', 'gitlab-runner');
  const pod = sts.spec.template.spec;

  test('THEN every container meets Pod Security "restricted"', () => {
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 100, runAsGroup: 65533, fsGroup: 65533, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false,
        readOnlyRootFilesystem: true, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.resources.requests).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.resources.limits).toEqual(expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }));
      expect(c.image).toBe('gitlab/gitlab-runner:alpine-v18.9.0');
    }
  });

  test('THEN the probes hit the runner process\'s own metrics listener, which config.toml opens', () => {
    const c = pod.containers[0];
    expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9252, protocol: 'TCP' }]);
    expect(configOf(objects).listen_address).toBe(':9252');
  });

  test('THEN the grace period is the drain timeout, whose last shutdown_timeout plus a margin the preStop hook leaves for aborting jobs', () => {
    const shutdown = configOf(objects).shutdown_timeout;
    expect(pod.terminationGracePeriodSeconds).toBe(3600);
    expect(pod.containers[0].lifecycle.preStop.exec.command.slice(-2)).toEqual(['3600', `${shutdown + 15}`]);
    const { objects: custom } = managerStack({ shutdownTimeout: require('cdk8s').Duration.minutes(5), drainTimeout: require('cdk8s').Duration.seconds(315) });
    expect(find(custom, 'StatefulSet', 'gitlab-runner').spec.template.spec.terminationGracePeriodSeconds).toBe(315);
  });

  test('THEN the config checksum annotation changes when, and only when, the config changes', () => {
    const checksum = (objs: K8sObject[]) => find(objs, 'StatefulSet', 'gitlab-runner').spec.template.metadata.annotations['checksum/config'];
    const base = checksum(managerStack().objects);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(managerStack().objects)).toBe(base);
    expect(checksum(managerStack({ concurrent: 11 }).objects)).not.toBe(base);
    expect(checksum(managerStack({}, { image: 'alpine:3.21' }).objects)).not.toBe(base);
  });

  test('THEN the selector is stable labels only, independent of the construct id and version', () => {
    const expected = { 'app.kubernetes.io/name': 'gitlab-runner', 'app.kubernetes.io/instance': 'gitlab-runner', 'app.kubernetes.io/component': 'manager' };
    expect(sts.spec.selector.matchLabels).toEqual(expected);
    const renamed = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'SomeOtherId', { gitlabUrl: 'https://gitlab.com', image: 'gitlab/gitlab-runner:alpine-v18.10.0' });
      m.addRunner('default', { token: { secretName: 'gitlab-runner-token' } });
    });
    const renamedSts = find(renamed, 'StatefulSet', 'gitlab-runner');
    expect(renamedSts.spec.selector.matchLabels).toEqual(expected);
    expect(find(renamed, 'Service', 'gitlab-runner').spec.selector).toEqual(expected);
    expect(renamedSts.metadata.labels?.['app.kubernetes.io/version']).toBe('18.10.0');
  });

  test('THEN every object carries the app.kubernetes.io labels and no name has a hash suffix', () => {
    for (const o of objects) {
      const cache = (o.metadata.namespace ?? o.metadata.name) === 'gitlab-runner-cache';
      expect(o.metadata.labels).toEqual(expect.objectContaining(cache ? {
        'app.kubernetes.io/name': 'minio',
        'app.kubernetes.io/instance': 'minio',
        'app.kubernetes.io/managed-by': 'cdk8s-gitlab-runner',
        'app.kubernetes.io/part-of': 'gitlab-runner-stack',
      } : {
        'app.kubernetes.io/name': 'gitlab-runner',
        'app.kubernetes.io/managed-by': 'cdk8s-gitlab-runner',
        'app.kubernetes.io/part-of': 'gitlab-runner-stack',
      }));
      expect(o.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$/);
    }
    // The manager's objects carry its name and the runner version; the node pool's, the pool's name.
    const byComponent = (c: string[]) => objects.filter((o) => c.includes(o.metadata.labels!['app.kubernetes.io/component']));
    for (const o of byComponent(['manager', 'build'])) {
      expect(o.metadata.labels).toEqual(expect.objectContaining({ 'app.kubernetes.io/instance': 'gitlab-runner', 'app.kubernetes.io/version': '18.9.0' }));
    }
    for (const o of byComponent(['node-pool', 'admission-guard'])) {
      expect(o.metadata.labels!['app.kubernetes.io/instance']).toBe('gitlab-privileged-builds');
    }
    expect(byComponent(['manager', 'build', 'node-pool', 'admission-guard', 'cache', 'cache-provisioner'])).toHaveLength(objects.length);
  });

  test('THEN the namespaces carry Pod Security labels: restricted for the manager, baseline for builds', () => {
    const ns = (name: string) => find(objects, 'Namespace', name).metadata.labels;
    expect(ns('gitlab-runner')).toEqual(expect.objectContaining({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    }));
    expect(ns('gitlab-runner-builds')).toEqual(expect.objectContaining({
      'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline',
    }));
  });

  test('THEN the manager may only be scraped on 9252 and reach DNS, GitLab and the API server', () => {
    const np = find(objects, 'NetworkPolicy', 'gitlab-runner', 'gitlab-runner');
    expect(np.spec.podSelector.matchLabels).toEqual(sts.spec.selector.matchLabels);
    expect(np.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 9252 }] }]);
    expect(np.spec.egress).toEqual([
      { ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] },
      { ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] },
    ]);
    const { objects: custom } = managerStack({ gitlabUrl: 'https://gitlab.internal:8443' });
    expect(find(custom, 'NetworkPolicy', 'gitlab-runner').spec.egress[1].ports.map((p: any) => p.port)).toEqual([443, 6443, 8443]);
  });

  test('GIVEN serviceAccountAnnotations (IRSA, Workload Identity) THEN the manager ServiceAccount carries them', () => {
    const { objects: objs } = managerStack({ serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/runner-cache' } });
    expect(find(objs, 'ServiceAccount', 'gitlab-runner').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/runner-cache' });
    expect(find(objs, 'ServiceAccount', 'gitlab-runner-build').metadata.annotations).toBeUndefined();
  });

  test('GIVEN metricsService, networkPolicies and createNamespaces off THEN those objects are absent', () => {
    const { objects: objs } = managerStack({ metricsService: false, networkPolicies: false, createNamespaces: false });
    expect(objs.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Role', 'RoleBinding', 'ServiceAccount', 'ServiceAccount', 'StatefulSet']);
  });
});

describe('runner options reach config.toml', () => {
  test('GIVEN scheduling, metadata, resources and timing options THEN [runners.kubernetes] holds them under the runner\'s keys', () => {
    const { objects } = managerStack({}, {
      nodeSelector: { 'kubernetes.io/arch': 'amd64' },
      tolerations: [{ key: 'ci', value: 'builds', effect: 'NoSchedule' }, { key: 'spot' }],
      podLabels: { team: 'platform' },
      podAnnotations: { 'example.com/owner': 'platform team' },
      pollTimeout: require('cdk8s').Duration.minutes(10),
      buildResources: { memory: { limit: '4Gi' }, ephemeralStorage: { request: '1Gi', limit: '10Gi' } },
      environment: { FF_TIMESTAMPS: 'true', GIT_DEPTH: '10' },
      featureFlags: { FF_USE_FASTZIP: true },
      limit: 4,
      allowedImages: ['alpine:*'],
    });
    const runner = configOf(objects).runners[0];
    expect(runner.limit).toBe(4);
    expect(runner.environment).toEqual(['FF_TIMESTAMPS=true', 'GIT_DEPTH=10']);
    expect(runner.feature_flags).toEqual({ FF_USE_FASTZIP: true });
    expect(runner.kubernetes).toEqual(expect.objectContaining({
      node_selector: { 'kubernetes.io/arch': 'amd64' },
      node_tolerations: { 'ci=builds': 'NoSchedule', spot: '' },
      pod_labels: { team: 'platform' },
      pod_annotations: { 'example.com/owner': 'platform team' },
      poll_timeout: 600,
      memory_request: '1Gi',
      memory_limit: '4Gi',
      ephemeral_storage_request: '1Gi',
      ephemeral_storage_limit: '10Gi',
      allowed_images: ['alpine:*'],
      privileged: false,
      allow_privilege_escalation: false,
    }));
  });

  test('GIVEN several runners THEN each is its own [[runners]] entry with its own token', () => {
    const objects = synth((chart) => {
      const m = new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://gitlab.example.com', concurrent: 20 });
      m.addRunner('small', { token: { secretName: 'small-token' } });
      m.addRunner('large', { token: { secretName: 'large-token' }, buildResources: { cpu: { request: '4', limit: '4' } } });
    });
    const config = configOf(objects);
    expect(config.concurrent).toBe(20);
    expect(config.runners.map((r) => [r.name, r.token, r.kubernetes.cpu_request])).toEqual([
      ['small', '@@secret:small-token/runner-token@@', '500m'],
      ['large', '@@secret:large-token/runner-token@@', '4'],
    ]);
    const initArgs = find(objects, 'StatefulSet', 'gitlab-runner').spec.template.spec.initContainers[0].args;
    expect(initArgs.slice(3)).toEqual(['runners.token=large-token/runner-token', 'runners.token=small-token/runner-token']);
  });
});
