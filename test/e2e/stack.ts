/**
 * What the scenarios need to know about an emitted stack, read from the output itself (plain YAML
 * or a helm render) rather than from the TypeScript that made it: its objects, its runners'
 * config.toml, the node pools it expects, and build pods as the Kubernetes executor makes them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments, stringify } from 'yaml';
import { FakeNode, KubeObject, LocalCluster } from './cluster';

export const repoRoot = path.join(__dirname, '..', '..');

/** The built-in API groups the outputs use; anything else is a custom resource. */
const BUILT_IN_API = /^(v1|apps\/v1|batch\/v1|rbac\.authorization\.k8s\.io\/v1|networking\.k8s\.io\/v1|policy\/v1|admissionregistration\.k8s\.io\/v1|scheduling\.k8s\.io\/v1)$/;

/** Every object in a folder of YAML files, decoded as Kubernetes decodes them (YAML 1.1). */
export function readOutput(dir: string): { text: string; objects: KubeObject[] } {
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  const text = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n---\n');
  return { text, objects: decode(text) };
}

export function decode(text: string): KubeObject[] {
  return parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS()).filter((o) => o && o.kind);
}

/** A `[[runners]]` entry of a manager's config.toml. */
export interface RunnerEntry {
  readonly name: string;
  readonly kubernetes: Record<string, any>;
  readonly [key: string]: any;
}

/** The runners of every manager ConfigMap in the output (placeholders left as they are). */
export function runnerEntries(objects: KubeObject[]): RunnerEntry[] {
  return objects
    .filter((o) => o.kind === 'ConfigMap' && o.data?.['config.template.toml'])
    .flatMap((o) => (parseToml(o.data['config.template.toml']) as any).runners ?? []);
}

/** Tolerations as the Kubernetes executor builds them from `node_tolerations`. */
export function tolerations(runner: RunnerEntry): Array<Record<string, string>> {
  // With FF_USE_ADVANCED_POD_SPEC_CONFIGURATION, the executor then applies pod_spec patches: a
  // JSON patch op on /tolerations replaces the list (the library writes one for a taint
  // tolerated with several effects).
  const patched = (runner.feature_flags?.FF_USE_ADVANCED_POD_SPEC_CONFIGURATION === true ? runner.kubernetes.pod_spec ?? [] : [])
    .filter((p: any) => p.patch_type === 'json').flatMap((p: any) => JSON.parse(p.patch))
    .filter((op: any) => (op.op === 'add' || op.op === 'replace') && op.path === '/tolerations');
  if (patched.length) return patched[patched.length - 1].value;
  return Object.entries((runner.kubernetes.node_tolerations ?? {}) as Record<string, string>).map(([keyValue, effect]) => {
    // Split at the first "=" only, as the executor does (strings.SplitN(keyvalue, "=", 2)).
    const at = keyValue.indexOf('=');
    const [key, value] = at < 0 ? [keyValue, undefined] : [keyValue.slice(0, at), keyValue.slice(at + 1)];
    return value === undefined
      ? { key, operator: 'Exists', ...(effect ? { effect } : {}) }
      : { key, operator: 'Equal', value, ...(effect ? { effect } : {}) };
  });
}

/**
 * The nodes a stack expects: one ordinary node, and two nodes for each tainted pool, with the
 * pool's labels and taints. Pools are read from Karpenter NodePools, Config Connector node pools
 * and the runners that select and tolerate a pool (the only trace an existing pool leaves).
 * Workloads of the stack itself placed by a nodeSelector (the manager's or MinIO's, e.g. on a
 * system pool) get two `placed-` nodes with those labels, tainted as their tolerations allow.
 */
export function expectedNodes(objects: KubeObject[]): FakeNode[] {
  const pools = new Map<string, { labels: Record<string, string>; taints: FakeNode['taints'] }>();
  const add = (labels: Record<string, string>, taints: NonNullable<FakeNode['taints']>) => {
    if (!taints.length) return;
    pools.set(JSON.stringify([labels, taints]), { labels, taints });
  };
  for (const o of objects) {
    if (o.kind === 'NodePool' && o.apiVersion.startsWith('karpenter.sh/')) {
      add(o.spec.template.metadata?.labels ?? {}, o.spec.template.spec.taints ?? []);
    }
    if (o.kind === 'ContainerNodePool') {
      const gkeEffect: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', PREFER_NO_SCHEDULE: 'PreferNoSchedule', NO_EXECUTE: 'NoExecute' };
      add(o.spec.nodeConfig?.labels ?? {}, (o.spec.nodeConfig?.taint ?? []).map((t: any) => ({ key: t.key, value: t.value, effect: gkeEffect[t.effect] })));
    }
  }
  for (const runner of runnerEntries(objects)) {
    const taints = tolerations(runner).filter((t) => t.operator === 'Equal' && t.effect).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    add(runner.kubernetes.node_selector ?? {}, taints);
  }
  const placements = new Map<string, { labels: Record<string, string>; taints: NonNullable<FakeNode['taints']> }>();
  for (const o of objects) {
    if (!['StatefulSet', 'Deployment', 'Job'].includes(o.kind)) continue;
    const spec = o.spec.template.spec;
    const labels: Record<string, string> = spec.nodeSelector ?? {};
    if (!Object.keys(labels).length) continue;
    const taints = ((spec.tolerations ?? []) as Array<Record<string, string>>)
      .filter((t) => t.operator === 'Equal' && t.effect).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    placements.set(JSON.stringify([labels, taints]), { labels, taints });
  }
  const nodes: FakeNode[] = [{ name: 'ordinary-0' }];
  [...pools.values()].forEach((pool, i) => {
    for (const n of [0, 1]) nodes.push({ name: `pool-${i}-${n}`, labels: pool.labels, taints: pool.taints });
  });
  [...placements.values()].forEach((placement, i) => {
    for (const n of [0, 1]) nodes.push({ name: `placed-${i}-${n}`, labels: placement.labels, taints: placement.taints });
  });
  return nodes;
}

/**
 * A build pod as gitlab-runner's Kubernetes executor creates it for `runner`: build and helper
 * containers with the runner's images, resources and privilege, its namespace, service account,
 * node selector, tolerations, pod labels and empty_dir volumes.
 */
export function buildPod(runner: RunnerEntry, name: string): KubeObject {
  const k = runner.kubernetes;
  const securityContext = { privileged: k.privileged ?? false, allowPrivilegeEscalation: k.allow_privilege_escalation ?? false };
  const resources = (prefix: string) => ({
    requests: { cpu: k[`${prefix}cpu_request`], memory: k[`${prefix}memory_request`] },
    limits: { cpu: k[`${prefix}cpu_limit`], memory: k[`${prefix}memory_limit`] },
  });
  const emptyDirs = (k.volumes?.empty_dir ?? []) as Array<{ name: string; mount_path: string; medium?: string }>;
  const mounts = emptyDirs.map((v) => ({ name: v.name, mountPath: v.mount_path }));
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: {
      name, namespace: k.namespace,
      labels: { ...(k.pod_labels ?? {}), 'job.runner.gitlab.com/pod': name, 'pod': name },
      annotations: { ...(k.pod_annotations ?? {}) },
    },
    spec: {
      serviceAccountName: k.service_account,
      automountServiceAccountToken: k.automount_service_account_token ?? false,
      restartPolicy: 'Never',
      nodeSelector: k.node_selector ?? {},
      tolerations: tolerations(runner),
      volumes: [{ name: 'repo', emptyDir: {} }, ...emptyDirs.map((v) => ({ name: v.name, emptyDir: v.medium ? { medium: v.medium } : {} }))],
      containers: [
        { name: 'build', image: k.image, command: ['sh', '-c', 'sleep 1'], securityContext, resources: resources(''), volumeMounts: [{ name: 'repo', mountPath: '/builds' }, ...mounts] },
        { name: 'helper', image: 'registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-latest', command: ['sh', '-c', 'sleep 1'], securityContext, resources: resources('helper_'), volumeMounts: [{ name: 'repo', mountPath: '/builds' }, ...mounts] },
      ],
    },
  };
}

/** CRDs this repo vendors (crds/), installed as they are. */
export function vendoredCrds(): string {
  const dir = path.join(repoRoot, 'crds');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n---\n');
}

/**
 * For custom kinds in the output that no vendored CRD defines (Config Connector's node pool), a CRD
 * that accepts any spec, so the API server stores them: their schemas are checked by
 * `npm run validate` with the model packages, not here.
 */
export function stubCrdsFor(objects: KubeObject[]): string {
  const vendored = decode(vendoredCrds()).map((c) => `${c.spec.group}/${c.spec.names.kind}`);
  const kinds = new Map<string, KubeObject>();
  for (const o of objects) {
    if (BUILT_IN_API.test(o.apiVersion)) continue;
    const [group] = o.apiVersion.split('/');
    if (!vendored.includes(`${group}/${o.kind}`)) kinds.set(`${o.apiVersion}/${o.kind}`, o);
  }
  return [...kinds.values()].map((o) => {
    const [group, version] = o.apiVersion.split('/');
    const plural = `${o.kind.toLowerCase()}s`;
    return stringify({
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${group}` },
      spec: {
        group, scope: o.metadata.namespace ? 'Namespaced' : 'Cluster',
        names: { kind: o.kind, plural, singular: o.kind.toLowerCase(), listKind: `${o.kind}List` },
        versions: [{ name: version, served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
  }).join('---\n');
}

/**
 * Static provisioning for claims that wait for a volume (there is no storage provisioner here):
 * a PersistentVolume pre-bound to each pending claim, so the scheduler can place its pod.
 */
export function provisionVolumes(cluster: LocalCluster): void {
  for (const pvc of cluster.list('pvc', '-A')) {
    if (pvc.spec.volumeName) continue;
    const name = `pv-${pvc.metadata.namespace}-${pvc.metadata.name}`.slice(0, 250);
    const pv = {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
      spec: {
        capacity: { storage: pvc.spec.resources.requests.storage },
        accessModes: pvc.spec.accessModes,
        storageClassName: pvc.spec.storageClassName ?? '',
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: pvc.metadata.namespace, name: pvc.metadata.name },
        hostPath: { path: `/tmp/e2e-volumes/${name}` },
      },
    };
    cluster.exec(path.join(process.env.E2E_BIN!, 'kubectl'), ['--kubeconfig', cluster.kubeconfig, 'apply', '-f', '-'], stringify(pv));
  }
}

/** How many pods the workload controllers should make for the output (Jobs: one). */
export function expectedPodCount(objects: KubeObject[]): number {
  return objects.reduce((n, o) => {
    if (o.kind === 'StatefulSet' || o.kind === 'Deployment') return n + (o.spec.replicas ?? 1);
    if (o.kind === 'Job') return n + (o.spec.parallelism ?? 1);
    return n;
  }, 0);
}

/**
 * Namespaces the output puts only custom resources in (Config Connector's, for a ContainerNodePool)
 * and does not create: they belong to another system and exist before the stack is applied. A
 * namespace holding a workload, Role or the like that the output does not create stays missing, so
 * the apply fails as it would in a real cluster.
 */
export function externalNamespaces(objects: KubeObject[]): string[] {
  const own = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const used = new Map<string, boolean>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (!ns || own.has(ns)) continue;
    used.set(ns, (used.get(ns) ?? true) && !BUILT_IN_API.test(o.apiVersion));
  }
  return [...used].filter(([, customOnly]) => customOnly).map(([ns]) => ns).sort();
}

/** Starts a cluster with the vendored CRDs and the nodes `objects` expect. */
export async function clusterFor(name: string, objects: KubeObject[]): Promise<LocalCluster> {
  const cluster = await LocalCluster.start(name);
  try {
    for (const ns of externalNamespaces(objects)) cluster.kubectlOk('create', 'namespace', ns);
    cluster.apply(`${vendoredCrds()}\n---\n${stubCrdsFor(objects)}`);
    await cluster.addNodes(expectedNodes(objects));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}

/**
 * Waits until the workload controllers made every expected pod in `namespaces` and the scheduler
 * placed each; provisions volumes meanwhile. Fails with the cluster's events.
 */
export async function waitForScheduledPods(cluster: LocalCluster, expected: number, namespaces: string[]): Promise<KubeObject[]> {
  let pods: KubeObject[] = [];
  try {
    await cluster.waitFor(`${expected} scheduled pods in ${namespaces.join(', ')}`, () => {
      provisionVolumes(cluster);
      pods = cluster.list('pods', '-A').filter((p) => namespaces.includes(p.metadata.namespace!));
      return pods.length >= expected && pods.every((p) => p.spec.nodeName);
    }, 120_000);
  } catch (e) {
    const events = cluster.kubectl('get', 'events', '-A', '--sort-by=.lastTimestamp').stdout;
    const podLines = pods.map((p) => `${p.metadata.namespace}/${p.metadata.name} node=${p.spec.nodeName ?? '-'} ${JSON.stringify(p.status?.conditions ?? [])}`);
    throw new Error(`${(e as Error).message}\npods:\n${podLines.join('\n')}\nevents:\n${events}`);
  }
  return pods;
}

/** The namespaces an output puts objects in. */
export function namespacesOf(objects: KubeObject[]): string[] {
  return [...new Set(objects.map((o) => o.metadata.namespace).filter((n): n is string => !!n))];
}

/**
 * GIVEN a fresh cluster with the output of `dir` (relative to the repo) applied: runs `scenario`,
 * adds the components' log tails to a failure, and stops the cluster whatever happens.
 */
export async function withAppliedOutput(name: string, dir: string, scenario: (cluster: LocalCluster, objects: KubeObject[], warnings: string) => Promise<void>): Promise<void> {
  const { text, objects } = readOutput(path.join(repoRoot, dir));
  const cluster = await clusterFor(name, objects);
  try {
    await scenario(cluster, objects, cluster.apply(text));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${cluster.logTail(5)}`);
  } finally {
    await cluster.stop();
  }
}
