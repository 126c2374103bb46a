import { Chart } from 'cdk8s';
import * as k8s from '../imports/k8s';
import {
  ExistingNodePool, GitLabRunnerManager, GkeNodePool, KarpenterNodePool, TaintedNodePool,
} from '../src';
import { allTolerations, find, K8sObject, runnerEntries, synth, Taint, tolerates } from './helpers';
import { policyViolations } from './policy';
import { validateContainerNodePool, validateNodePool, validateObject, validateSchema } from './schema';

const GITLAB = 'https://gitlab.example.com';
const TAINT: Taint = { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' };
const NODE_CLASS = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' };
const PRIVILEGED_NS = 'gitlab-runner-privileged-builds';

/** A manager with a default unprivileged runner and a DinD runner on `pool(chart)`. */
function dindStack(pool: (chart: Chart) => TaintedNodePool, guard = false): { objects: K8sObject[]; pool: TaintedNodePool } {
  let p!: TaintedNodePool;
  const objects = synth((chart) => {
    p = pool(chart);
    if (guard) p.addAdmissionGuard();
    const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: GITLAB });
    m.addRunner('default', { token: { secretName: 'default-token' } });
    m.addDindRunner('dind', {
      token: { secretName: 'dind-token' },
      nodePool: p,
      allowedImages: ['docker:28*'],
      allowedServices: ['docker:28*-dind'],
    });
  });
  return { objects, pool: p };
}

const karpenter = (chart: Chart) => new KarpenterNodePool(chart, 'pool', { taint: TAINT as any, nodeClassRef: NODE_CLASS });
const runner = (objects: K8sObject[], name: string) => runnerEntries(objects).find((e) => e.runner.name === name)!.runner;
const nsLabels = (objects: K8sObject[], name: string) => Object.fromEntries(Object.entries(find(objects, 'Namespace', name).metadata.labels!)
  .filter(([k]) => k.startsWith('pod-security.kubernetes.io/') && !k.endsWith('-version')));

describe('GIVEN a Karpenter pool, a default runner and a DinD runner bound to the pool', () => {
  const { objects } = dindStack(karpenter, true);

  test('THEN the manifests match the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('THEN the DinD runner\'s build pods (config.toml) are privileged and select and tolerate exactly the pool', () => {
    const dind = runner(objects, 'dind');
    expect(dind.kubernetes.privileged).toBe(true);
    expect(dind.kubernetes.node_selector).toEqual({ dedicated: 'gitlab-privileged-builds' });
    expect(dind.kubernetes.node_tolerations).toEqual({ 'dedicated=gitlab-privileged-builds': 'NoSchedule' });
    expect(dind.kubernetes.namespace).toBe(PRIVILEGED_NS);
  });

  test('THEN it has the DinD TLS volume, the allow-lists, a longer poll timeout and the TLS job defaults', () => {
    const k = runner(objects, 'dind').kubernetes;
    expect(k.volumes).toEqual({ empty_dir: [{ name: 'docker-certs', mount_path: '/certs/client', medium: 'Memory' }] });
    expect(k.allowed_images).toEqual(['docker:28*']);
    expect(k.allowed_services).toEqual(['docker:28*-dind']);
    expect(k.poll_timeout).toBe(600);
    expect(runner(objects, 'default').kubernetes.poll_timeout).toBe(180);
    expect(runner(objects, 'dind').environment).toEqual([
      'DOCKER_HOST=tcp://docker:2376', 'DOCKER_TLS_CERTDIR=/certs', 'DOCKER_TLS_VERIFY=1', 'DOCKER_CERT_PATH=/certs/client',
    ]);
  });

  test('THEN nothing else in the output tolerates the taint: no pod template, no other runner', () => {
    const tolerating = allTolerations(objects).filter(({ toleration }) => tolerates(toleration, TAINT));
    expect(tolerating.map((t) => t.owner)).toEqual(['ConfigMap/gitlab-runner runner dind']);
  });

  test('THEN the default runner and the manager are unprivileged and stay off the pool', () => {
    const d = runner(objects, 'default').kubernetes;
    expect(d).toEqual(expect.objectContaining({ privileged: false, allow_privilege_escalation: false, namespace: 'gitlab-runner-builds' }));
    expect(d.node_selector).toBeUndefined();
    expect(d.node_tolerations).toBeUndefined();
    const pod = find(objects, 'StatefulSet', 'gitlab-runner').spec.template.spec;
    expect(pod.tolerations).toBeUndefined();
    expect(pod.nodeSelector).toBeUndefined();
    expect(pod.affinity).toBeUndefined();
    for (const c of [...pod.containers, ...pod.initContainers]) expect(c.securityContext.privileged).toBe(false);
  });

  test('THEN the namespaces carry the right Pod Security labels', () => {
    expect(nsLabels(objects, 'gitlab-runner')).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
    expect(nsLabels(objects, 'gitlab-runner-builds')).toEqual({
      'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline',
    });
    expect(nsLabels(objects, PRIVILEGED_NS)).toEqual({
      'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/audit': 'baseline', 'pod-security.kubernetes.io/warn': 'baseline',
    });
  });

  test('THEN the privileged build namespace has its own executor Role, build ServiceAccount and deny-ingress policy', () => {
    expect(objects.filter((o) => o.metadata.namespace === PRIVILEGED_NS).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/gitlab-runner-build', 'Role/gitlab-runner-executor', 'RoleBinding/gitlab-runner-executor',
      'NetworkPolicy/gitlab-runner-builds-deny-ingress',
    ]);
  });

  test('THEN the NodePool carries the taint and label and validates against Karpenter\'s CRD schema', () => {
    const np = find(objects, 'NodePool', 'gitlab-privileged-builds');
    expect(np.spec.template.spec.taints).toEqual([TAINT]);
    expect(np.spec.template.metadata.labels).toEqual({ dedicated: 'gitlab-privileged-builds' });
    expect(np.spec.template.spec.nodeClassRef).toEqual(NODE_CLASS);
    expect(() => validateNodePool(np)).not.toThrow();
  });

  test('GIVEN a NodePool the CRD rejects THEN the CRD validator rejects it (the check can fail)', () => {
    const np = structuredClone(find(objects, 'NodePool', 'gitlab-privileged-builds'));
    np.spec.template.spec.taints[0].effect = 'NO_SCHEDULE';
    expect(() => validateNodePool(np)).toThrow(/must be equal to one of the allowed values/);
    const noClass = structuredClone(find(objects, 'NodePool', 'gitlab-privileged-builds'));
    delete noClass.spec.template.spec.nodeClassRef;
    expect(() => validateNodePool(noClass)).toThrow(/nodeClassRef/);
  });

  test('THEN the admission policy and binding validate (kubernetes-models) and spare only the privileged build namespace and kube-system', () => {
    const policy = find(objects, 'ValidatingAdmissionPolicy', 'gitlab-privileged-builds-guard');
    const binding = find(objects, 'ValidatingAdmissionPolicyBinding', 'gitlab-privileged-builds-guard');
    expect(() => validateSchema(policy)).not.toThrow();
    expect(() => validateSchema(binding)).not.toThrow();
    expect(policy.apiVersion).toBe('admissionregistration.k8s.io/v1');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE', 'UPDATE'] },
    ]);
    expect(policy.spec.variables[0].expression).toContain('t.key == \'dedicated\'');
    expect(policy.spec.variables[0].expression).toContain('== \'gitlab-privileged-builds\'');
    expect(policy.spec.validations).toEqual([expect.objectContaining({ expression: '!variables.toleratesPool' })]);
    expect(binding.spec).toEqual({
      policyName: 'gitlab-privileged-builds-guard',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [PRIVILEGED_NS, 'kube-system'] }] } },
    });
  });

  test('THEN every object validates against its schema', () => {
    for (const o of objects) expect(() => validateObject(o)).not.toThrow();
  });

  test('THEN every workload outside the privileged build namespace passes Pod Security "restricted" (@monokle/validation)', () => {
    expect(policyViolations(objects, [PRIVILEGED_NS])).toEqual([]);
  });
});

describe('GIVEN a GKE pool whose taint effect is written in GKE\'s spelling', () => {
  const gke = (chart: Chart) => new GkeNodePool(chart, 'pool', {
    taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NO_SCHEDULE' },
    namespace: 'config-connector', clusterName: 'ci', location: 'europe-west1',
  });
  const { objects, pool } = dindStack(gke);

  test('THEN the manifests match the snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  test('THEN the ContainerNodePool carries the taint (singular list, GKE spelling) and label, and validates with @kubernetes-models/gke', () => {
    const cnp = find(objects, 'ContainerNodePool', 'gitlab-privileged-builds', 'config-connector');
    expect(cnp.spec.nodeConfig.taint).toEqual([{ key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NO_SCHEDULE' }]);
    expect(cnp.spec.nodeConfig.labels).toEqual({ dedicated: 'gitlab-privileged-builds' });
    expect(cnp.spec.clusterRef).toEqual({ name: 'ci' });
    expect(cnp.spec.location).toBe('europe-west1');
    expect(() => validateContainerNodePool(cnp)).not.toThrow();
    const broken = structuredClone(cnp);
    delete broken.spec.location;
    expect(() => validateContainerNodePool(broken)).toThrow(/location/);
  });

  test('THEN GKE\'s spelling goes nowhere else: tolerations and the pool\'s taint use the Kubernetes one', () => {
    expect(pool.taint.effect).toBe('NoSchedule');
    expect(runner(objects, 'dind').kubernetes.node_tolerations).toEqual({ 'dedicated=gitlab-privileged-builds': 'NoSchedule' });
    const elsewhere = objects.filter((o) => o.kind !== 'ContainerNodePool');
    expect(JSON.stringify(elsewhere)).not.toMatch(/NO_SCHEDULE/);
  });

  test('THEN nothing but the DinD runner tolerates the taint, and every object validates', () => {
    expect(allTolerations(objects).filter(({ toleration }) => tolerates(toleration, TAINT)).map((t) => t.owner))
      .toEqual(['ConfigMap/gitlab-runner runner dind']);
    for (const o of objects) expect(() => validateObject(o)).not.toThrow();
  });

  test('THEN the next steps warn that Autopilot and GKE Sandbox reject privileged pods', () => {
    expect(pool.nextSteps().join('\n')).toMatch(/Autopilot and GKE Sandbox reject privileged pods/);
  });
});

describe('GIVEN existing nodes as the pool', () => {
  const existing = (chart: Chart) => new ExistingNodePool(chart, 'pool', { taint: TAINT as any, nodeNames: ['node-a', 'node-b'] });
  const { objects, pool } = dindStack(existing);

  test('THEN the manifests match the snapshot, and no node pool object is emitted', () => {
    expect(objects).toMatchSnapshot();
    expect(objects.filter((o) => !['v1', 'apps/v1', 'rbac.authorization.k8s.io/v1', 'networking.k8s.io/v1'].includes(o.apiVersion))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'Node')).toEqual([]);
  });

  test('THEN the next steps are the kubectl commands that taint, drain and label the nodes', () => {
    expect(pool.nextSteps()).toEqual([
      'kubectl taint nodes node-a node-b dedicated=gitlab-privileged-builds:NoSchedule',
      'kubectl drain node-a node-b --ignore-daemonsets --delete-emptydir-data',
      'kubectl label nodes node-a node-b dedicated=gitlab-privileged-builds',
      'kubectl uncordon node-a node-b',
      'kubectl get nodes -l dedicated=gitlab-privileged-builds -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints',
    ]);
    let steps: string[] = [];
    synth((chart) => {
      steps = new ExistingNodePool(chart, 'pool', {
        taint: { key: 'example.com/pool', value: 'dind', effect: 'NoExecute' }, nodeLabel: { key: 'example.com/role', value: 'dind' },
      }).nextSteps();
    });
    expect(steps.slice(0, 3)).toEqual([
      'kubectl taint nodes <node> example.com/pool=dind:NoExecute',
      'kubectl drain <node> --ignore-daemonsets --delete-emptydir-data',
      'kubectl label nodes <node> example.com/role=dind',
    ]);
  });

  test('THEN the DinD runner selects and tolerates exactly the pool, and nothing else tolerates it', () => {
    expect(runner(objects, 'dind').kubernetes.node_selector).toEqual({ dedicated: 'gitlab-privileged-builds' });
    expect(runner(objects, 'dind').kubernetes.node_tolerations).toEqual({ 'dedicated=gitlab-privileged-builds': 'NoSchedule' });
    expect(allTolerations(objects).filter(({ toleration }) => tolerates(toleration, TAINT)).map((t) => t.owner))
      .toEqual(['ConfigMap/gitlab-runner runner dind']);
  });
});

describe('GIVEN a rootless image-builder runner', () => {
  const builderStack = (credentials: 'docker' | 'gar') => synth((chart) => {
    const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: GITLAB });
    m.addRunner('default', { token: { secretName: 'default-token' } });
    m.addImageBuilderRunner('builder', {
      token: { secretName: 'builder-token' },
      ...(credentials === 'docker'
        ? { registryCredentials: { secretName: 'registry-credentials' } }
        : { googleServiceAccountKey: { secretName: 'artifact-registry-key' } }),
    });
  });

  describe.each(['docker', 'gar'] as const)('with %s credentials', (credentials) => {
    const objects = builderStack(credentials);

    test('THEN the manifests match the snapshot', () => {
      expect(objects).toMatchSnapshot();
    });

    test('THEN its build pods are unprivileged, in a baseline namespace of their own, off any tainted pool', () => {
      const k = runner(objects, 'builder').kubernetes;
      expect(k).toEqual(expect.objectContaining({ privileged: false, allow_privilege_escalation: false, namespace: 'gitlab-runner-image-builds' }));
      expect(k.build_container_security_context).toEqual({ run_as_user: 1000, run_as_group: 1000, run_as_non_root: true, allow_privilege_escalation: true });
      expect(k.node_tolerations).toBeUndefined();
      expect(nsLabels(objects, 'gitlab-runner-image-builds')).toEqual({
        'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'baseline',
      });
    });

    test('THEN the credentials are mounted from a Secret of the build namespace, never emitted', () => {
      const entry = runner(objects, 'builder');
      if (credentials === 'docker') {
        expect(entry.kubernetes.volumes).toEqual({ secret: [{ name: 'registry-credentials', mount_path: '/var/run/secrets/registry', read_only: true, items: { '.dockerconfigjson': 'config.json' } }] });
        expect(entry.environment).toEqual(['DOCKER_CONFIG=/var/run/secrets/registry', 'REGISTRY_AUTH_FILE=/var/run/secrets/registry/config.json']);
      } else {
        expect(entry.kubernetes.volumes).toEqual({ secret: [{ name: 'artifact-registry-key', mount_path: '/var/run/secrets/google', read_only: true, items: { 'key.json': 'key.json' } }] });
        expect(entry.environment).toEqual(['GOOGLE_APPLICATION_CREDENTIALS=/var/run/secrets/google/key.json']);
      }
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    });

    test('THEN every object validates and every workload passes Pod Security "restricted"', () => {
      for (const o of objects) expect(() => validateObject(o)).not.toThrow();
      expect(policyViolations(objects)).toEqual([]);
    });
  });
});

describe('GIVEN a node agent DaemonSet allowed on the pool', () => {
  test('THEN it may tolerate the taint, and synth succeeds', () => {
    const objects = synth((chart) => {
      const pool = karpenter(chart);
      const agent = new k8s.KubeDaemonSet(chart, 'agent', {
        metadata: { name: 'log-agent', namespace: 'logging' },
        spec: {
          selector: { matchLabels: { app: 'log-agent' } },
          template: {
            metadata: { labels: { app: 'log-agent' } },
            spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'agent', image: 'example/agent:1.0' }] },
          },
        },
      });
      pool.allowDaemonSet(agent);
    });
    expect(find(objects, 'DaemonSet', 'log-agent').spec.template.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});
