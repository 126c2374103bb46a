import { Chart } from 'cdk8s';
import * as k8s from '../imports/k8s';
import {
  ExistingNodePool, GitLabRunnerManager, GkeNodePool, KarpenterNodePool, KarpenterNodePoolProps, TaintedNodePool,
} from '../src';
import { attemptSynth } from './helpers';

const NODE_CLASS = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' };
const TAINT = { key: 'dedicated', value: 'gitlab-privileged-builds' };

/** Builds an app in `build`, then synthesizes it into a fresh folder. */
const attempt = attemptSynth;

/** A Karpenter pool with `props` over a valid default. */
const pool = (chart: Chart, props: Partial<KarpenterNodePoolProps> = {}) =>
  new KarpenterNodePool(chart, 'pool', { taint: TAINT, nodeClassRef: NODE_CLASS, ...props });
const manager = (chart: Chart) => new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com' });
const token = { secretName: 'runner-token' };
/** Privileged runners get their own token: one token for both kinds is refused. */
const dindToken = { secretName: 'dind-token' };

const P = 'stack/pool';
const R = 'stack/runner';
const QUALIFIED = 'must be a qualified name "[prefix/]name": name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; optional prefix a DNS-1123 subdomain';
const RESERVED = 'must not use a reserved prefix (kubernetes.io/ and *.kubernetes.io/, k8s.io/ and *.k8s.io/): those keys belong to Kubernetes or the provisioner; use your own, e.g. "example.com/pool" or "dedicated"';
const LEAK = `only runners bound to this pool (nodePools) may tolerate dedicated=gitlab-privileged-builds:NoSchedule of node pool ${P}, which runs privileged builds; remove the toleration (a DaemonSet node agent may be allowed with pool.allowDaemonSet())`;

// [case, app, exact message]
const cases: Array<[string, (chart: Chart) => void, string]> = [
  // The node pool contract.
  ['an unprivileged runner bound to the privileged pool', (c) => manager(c).addRunner('plain', { token, nodePools: [pool(c)] }),
    `${R}/plain: invalid nodePools ["${P}"]: a tainted node pool is for privileged build pods only: drop nodePools, or set privileged: true (manager.addDindRunner) for a runner that must run there`],
  ['an invalid taint effect', (c) => pool(c, { taint: { ...TAINT, effect: 'NoScheduled' as any } }),
    `${P}: invalid taint.effect "NoScheduled": must be one of "NoSchedule", "PreferNoSchedule", "NoExecute" (GKE's "NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE" are accepted too)`],
  ['an invalid taint effect in GKE-like spelling', (c) => pool(c, { taint: { ...TAINT, effect: 'NO_SCHEDULED' as any } }),
    `${P}: invalid taint.effect "NO_SCHEDULED": must be one of "NoSchedule", "PreferNoSchedule", "NoExecute" (GKE's "NO_SCHEDULE", "PREFER_NO_SCHEDULE", "NO_EXECUTE" are accepted too)`],
  ['a taint key that is not a qualified name', (c) => pool(c, { taint: { ...TAINT, key: 'dedicated pool' } }),
    `${P}: invalid taint.key "dedicated pool": ${QUALIFIED}`],
  ['a taint key with an invalid prefix', (c) => pool(c, { taint: { ...TAINT, key: 'Example.com/pool' } }),
    `${P}: invalid taint.key "Example.com/pool": ${QUALIFIED}`],
  ['a taint key name longer than 63 characters', (c) => pool(c, { taint: { ...TAINT, key: `example.com/${'x'.repeat(64)}` } }),
    `${P}: invalid taint.key "example.com/${'x'.repeat(64)}": ${QUALIFIED}`],
  ['a node label key that is not a qualified name', (c) => pool(c, { nodeLabel: { key: 'pool/', value: 'x' } }),
    `${P}: invalid nodeLabel.key "pool/": ${QUALIFIED}`],
  ['an empty taint value', (c) => pool(c, { taint: { ...TAINT, value: '' } }),
    `${P}: invalid taint.value "": must be a non-empty label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`],
  ['a taint under node.kubernetes.io/', (c) => pool(c, { taint: { ...TAINT, key: 'node.kubernetes.io/ci' } }),
    `${P}: invalid taint.key "node.kubernetes.io/ci": ${RESERVED.replace('kubernetes.io/ and *.kubernetes.io/, k8s.io/ and *.k8s.io/', 'kubernetes.io/ and *.kubernetes.io/, k8s.io/ and *.k8s.io/, karpenter.sh/ and *.karpenter.sh/')}`],
  ['a taint under node.cloudprovider.kubernetes.io/ (existing nodes)', (c) => new ExistingNodePool(c, 'pool', { taint: { ...TAINT, key: 'node.cloudprovider.kubernetes.io/ci' } }),
    `${P}: invalid taint.key "node.cloudprovider.kubernetes.io/ci": ${RESERVED}`],
  ['a node label under kubernetes.io/ (existing nodes)', (c) => new ExistingNodePool(c, 'pool', { taint: TAINT, nodeLabel: { key: 'kubernetes.io/role', value: 'ci' } }),
    `${P}: invalid nodeLabel.key "kubernetes.io/role": ${RESERVED}`],
  ['a node label under k8s.io/ (existing nodes)', (c) => new ExistingNodePool(c, 'pool', { taint: TAINT, nodeLabel: { key: 'node.k8s.io/role', value: 'ci' } }),
    `${P}: invalid nodeLabel.key "node.k8s.io/role": ${RESERVED}`],
  ['a Karpenter node label under karpenter.sh/', (c) => pool(c, { nodeLabel: { key: 'karpenter.sh/pool', value: 'ci' } }),
    `${P}: invalid nodeLabel.key "karpenter.sh/pool": must not use a reserved prefix (kubernetes.io/ and *.kubernetes.io/, k8s.io/ and *.k8s.io/, karpenter.sh/ and *.karpenter.sh/): those keys belong to Kubernetes or the provisioner; use your own, e.g. "example.com/pool" or "dedicated"`],
  ['a pool without a taint', (c) => pool(c, { taint: undefined }),
    `${P}: invalid taint (missing): a tainted node pool needs a taint { key, value, effect }: without one, any pod can land next to privileged builds`],
  ['an existing-nodes pool without a taint', (c) => new ExistingNodePool(c, 'pool', {} as any),
    `${P}: invalid taint (missing): a tainted node pool needs a taint { key, value, effect }: without one, any pod can land next to privileged builds`],
  ['a Karpenter pool without a node class reference', (c) => pool(c, { nodeClassRef: undefined }),
    `${P}: invalid nodeClassRef (missing): a Karpenter NodePool needs the node class its nodes launch from: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "…" } (or your cloud's equivalent)`],
  ['a node class reference without a name', (c) => pool(c, { nodeClassRef: { ...NODE_CLASS, name: '' } }),
    `${P}: invalid nodeClassRef.name "": must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`],
  ['a node class reference with an invalid kind', (c) => pool(c, { nodeClassRef: { ...NODE_CLASS, kind: 'ec2nodeclass' } }),
    `${P}: invalid nodeClassRef.kind "ec2nodeclass": must be a Kubernetes kind: letters and digits starting with an upper-case letter, e.g. "EC2NodeClass"`],
  ['a Karpenter requirement In without values', (c) => pool(c, { requirements: [{ key: 'kubernetes.io/arch', operator: 'In' }] }),
    `${P}: invalid requirements[0].values []: operator In needs at least one value`],
  ['a Karpenter limit that is not a quantity', (c) => pool(c, { limits: { memory: '1TB' } }),
    `${P}: invalid limits.memory "1TB": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)`],
  ['an invalid pool name', (c) => pool(c, { name: 'Privileged' }),
    `${P}: invalid name "Privileged": must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['a GKE pool in an invalid location', (c) => new GkeNodePool(c, 'pool', { taint: TAINT, namespace: 'cnrm', clusterName: 'ci', location: 'Europe West' }),
    `${P}: invalid location "Europe West": must be a Google Cloud region or zone, e.g. "europe-west1" or "europe-west1-b"`],
  ['a GKE pool whose minimum exceeds its maximum', (c) => new GkeNodePool(c, 'pool', { taint: TAINT, namespace: 'cnrm', clusterName: 'ci', location: 'europe-west1', autoscaling: { minNodeCount: 4, maxNodeCount: 2 } }),
    `${P}: invalid autoscaling.minNodeCount 4: must not exceed autoscaling.maxNodeCount (2)`],
  ['an admission guard that both denies and warns', (c) => pool(c).addAdmissionGuard({ validationActions: ['Deny', 'Warn'] }),
    `${P}/AdmissionGuard: invalid validationActions ["Deny","Warn"]: must not combine "Deny" and "Warn" (the API server rejects it): use ["Deny"], ["Deny", "Audit"] or ["Warn", "Audit"]`],

  // Binding runners to pools.
  ['two pools with the same taint key and different values bound to one runner', (c) => {
    const a = pool(c);
    const b = new KarpenterNodePool(c, 'pool-b', { name: 'other', taint: { key: 'dedicated', value: 'other' }, nodeClassRef: NODE_CLASS });
    manager(c).addRunner('dind', { token: dindToken, privileged: true, nodePools: [a, b] });
  }, `${R}/dind: invalid nodePools[1].taint "dedicated=other:NoSchedule": must equal nodePools[0].taint "dedicated=gitlab-privileged-builds:NoSchedule": pools bound to one runner must share one taint and node label (build pods select one value per label key)`],
  ['two pools with one taint and different labels bound to one runner', (c) => {
    const a = pool(c);
    const b = new KarpenterNodePool(c, 'pool-b', { name: 'other', taint: TAINT, nodeLabel: { key: 'pool', value: 'b' }, nodeClassRef: NODE_CLASS });
    manager(c).addRunner('dind', { token: dindToken, privileged: true, nodePools: [a, b] });
  }, `${R}/dind: invalid nodePools[1].nodeLabel "pool=b": must equal nodePools[0].nodeLabel "dedicated=gitlab-privileged-builds": pools bound to one runner must share one taint and node label (build pods select one value per label key)`],
  ['a node selector that contradicts the pool\'s label', (c) => manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(c), nodeSelector: { dedicated: 'other' } }),
    `${R}/dind: invalid nodeSelector["dedicated"] "other": conflicts with the label dedicated=gitlab-privileged-builds of node pool ${P}, which build pods must select`],
  ['a DinD volume path that is not absolute', (c) => manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(c), volumes: { emptyDir: [{ name: 'cache', mountPath: 'cache' }] } }),
    `${R}/dind: invalid volumes.emptyDir[0].mountPath "cache": must be an absolute path without ".." segments, ":" or whitespace, e.g. "/certs/client"`],
  ['a second volume at the DinD certificates path', (c) => manager(c).addDindRunner('dind', { token: dindToken, nodePool: pool(c), volumes: { emptyDir: [{ name: 'certs', mountPath: '/certs/client' }] } }),
    `${R}/dind: invalid volumes.emptyDir[0].mountPath "/certs/client": must be unique among the build pod's volumes; already used by the DinD certificates volume "docker-certs"`],
  ['registry credentials as a literal string', (c) => manager(c).addImageBuilderRunner('builder', { token, registryCredentials: '{"auths":{}}' as any }),
    `${R}/builder: invalid registryCredentials "{\\"aut****": a literal secret would be written to dist/ in clear text: store it in a Kubernetes Secret and pass { secretName, key } instead`],
  ['one Secret for registry credentials and the Google key', (c) => manager(c).addImageBuilderRunner('builder', {
    token, registryCredentials: { secretName: 'creds' }, googleServiceAccountKey: { secretName: 'creds' },
  }), `${R}/builder: invalid googleServiceAccountKey.secretName "creds": must differ from registryCredentials.secretName: each Secret is mounted as its own volume, named after it`],

  // Guard rails.
  ['a privileged runner without a tainted pool', (c) => manager(c).addRunner('dind', { token: dindToken, privileged: true }),
    `${R}/dind: invalid privileged true: privileged build pods can take over their node: bind the runner to a tainted node pool that nothing else tolerates (nodePools: [pool], or use manager.addDindRunner(name, { nodePool }))`],
  ['a DinD runner without a pool', (c) => manager(c).addDindRunner('dind', { token } as any),
    `${R}/dind: invalid privileged true: privileged build pods can take over their node: bind the runner to a tainted node pool that nothing else tolerates (nodePools: [pool], or use manager.addDindRunner(name, { nodePool }))`],
  ['a privileged runner in the build namespace of unprivileged runners', (c) => {
    const m = manager(c);
    m.addRunner('default', { token });
    m.addDindRunner('dind', { token: dindToken, nodePool: pool(c), buildNamespace: 'gitlab-runner-builds' });
  }, `${R}/dind: invalid buildNamespace "gitlab-runner-builds": a privileged runner needs a build namespace of its own (Pod Security "privileged"); unprivileged runners build there: default`],
  ['an unprivileged runner in the build namespace of a privileged runner', (c) => {
    const m = manager(c);
    m.addDindRunner('dind', { token: dindToken, nodePool: pool(c) });
    m.addRunner('late', { token, buildNamespace: 'gitlab-runner-privileged-builds' });
  }, `${R}/late: invalid buildNamespace "gitlab-runner-privileged-builds": privileged runners build there (Pod Security "privileged"): dind; unprivileged runners need another namespace`],
  ['another runner tolerating the pool\'s taint', (c) => {
    const p = pool(c);
    const m = manager(c);
    m.addDindRunner('dind', { token: dindToken, nodePool: p });
    m.addRunner('sneaky', { token, buildNamespace: 'team-builds', tolerations: [{ key: 'dedicated' }] });
  }, `Validation failed with the following errors:\n  [${P}] ${R}/sneaky: invalid tolerations {"key":"dedicated","operator":"Exists"}: ${LEAK}`],
  ['a workload tolerating every taint', (c) => {
    pool(c);
    new k8s.KubeDeployment(c, 'app', {
      metadata: { name: 'app' },
      spec: {
        selector: { matchLabels: { app: 'app' } },
        template: { metadata: { labels: { app: 'app' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'app', image: 'example/app:1.0' }] } },
      },
    });
  }, `Validation failed with the following errors:\n  [${P}] stack/app: invalid spec.template.spec.tolerations[0] {"operator":"Exists"}: ${LEAK}`],
  ['a CronJob tolerating the exact taint', (c) => {
    pool(c);
    new k8s.KubeCronJob(c, 'job', {
      metadata: { name: 'job' },
      spec: {
        schedule: '@daily',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', tolerations: [{ key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' }], containers: [{ name: 'job', image: 'example/job:1.0' }] } } } },
      },
    });
  }, `Validation failed with the following errors:\n  [${P}] stack/job: invalid spec.jobTemplate.spec.template.spec.tolerations[0] {"effect":"NoSchedule","key":"dedicated","value":"gitlab-privileged-builds"}: ${LEAK}`],
  ['a DaemonSet allowed on another pool only', (c) => {
    pool(c);
    const other = new ExistingNodePool(c, 'other', { name: 'other', taint: { key: 'gpu', value: 'yes' } });
    const ds = new k8s.KubeDaemonSet(c, 'agent', {
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'a', image: 'example/a:1.0' }] } } },
    });
    other.allowDaemonSet(ds);
  }, `Validation failed with the following errors:\n  [${P}] stack/agent: invalid spec.template.spec.tolerations[0] {"operator":"Exists"}: ${LEAK}`],
  ['allowing a Deployment as a node agent', (c) => {
    const p: TaintedNodePool = pool(c);
    p.allowDaemonSet(new k8s.KubeDeployment(c, 'app', {
      metadata: { name: 'app' },
      spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'example/a:1.0' }] } } },
    }));
  }, `${P}: invalid allowDaemonSet() "Deployment/app": only a DaemonSet (a node agent) may be allowed to tolerate the pool's taint`],
];

describe('privileged builds: bad input and guard rails fail synth with a precise message, and nothing is written', () => {
  test.each(cases)('GIVEN %s', (_name, build, message) => {
    const { error, written } = attempt(build);
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });

  test('GIVEN valid pools, runners and a guard THEN the same harness writes the manifests (the harness can tell)', () => {
    const { error, written } = attempt((c) => {
      const p = pool(c);
      p.addAdmissionGuard({ validationActions: ['Warn', 'Audit'] });
      const m = manager(c);
      m.addRunner('default', { token });
      m.addDindRunner('dind', { token: dindToken, nodePool: p });
      m.addImageBuilderRunner('builder', { token, registryCredentials: { secretName: 'a' }, googleServiceAccountKey: { secretName: 'b' } });
    });
    expect(error).toBeUndefined();
    expect(written).toEqual(['stack.k8s.yaml']);
  });

  test('GIVEN GKE\'s effect spelling on any pool THEN it is accepted and mapped to the Kubernetes one', () => {
    let effect: string | undefined;
    expect(attempt((c) => { effect = pool(c, { taint: { ...TAINT, effect: 'PREFER_NO_SCHEDULE' } }).taint.effect; }).error).toBeUndefined();
    expect(effect).toBe('PreferNoSchedule');
  });

  test('GIVEN two pools sharing one taint and label (e.g. spot and on-demand) bound to one runner THEN it is accepted', () => {
    expect(attempt((c) => {
      const a = pool(c);
      const b = new KarpenterNodePool(c, 'pool-b', {
        name: 'spot', taint: TAINT, nodeClassRef: NODE_CLASS,
        requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }],
      });
      manager(c).addRunner('dind', { token: dindToken, privileged: true, nodePools: [a, b] });
    }).error).toBeUndefined();
  });
});
