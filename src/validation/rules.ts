import { parse } from 'smol-toml';
import {
  ANNOTATIONS_MAX_BYTES, annotationBytes, CONTROL, isImageReference, isKubernetesNamespace, isNegativeQuantity, KUBERNETES_NAMESPACES, mountsOverlap, normalizeMountPath,
} from '../common/k8s-rules';
import { buildPodTolerations, EFFECTS, taintString, toleratedTaint } from '../common/tolerations';
import { Finding, ManifestObject, objectRef, podTemplates, privilegedNamespaces } from './finding';
import { runnerConfigKeys } from './runner-config-keys';

// The project's own rules, beyond what schema and Pod Security validators check. Each returns
// findings; an empty list is a pass. They read only the synthesized objects, so they work on
// dist/, on a Helm render, or on any other folder of manifests.

/** No `*` in any RBAC rule. */
export function rbacNoWildcard(objects: readonly ManifestObject[]): Finding[] {
  return objects.filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole').flatMap((o) =>
    (o.rules ?? []).flatMap((rule: any, i: number) =>
      ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs']
        .filter((field) => (rule[field] ?? []).includes('*'))
        .map((field) => ({
          rule: 'rbac-no-wildcard', object: objectRef(o), path: `rules.${i}.${field}`,
          message: `wildcard "*" in ${field}`, fix: 'list the exact API groups, resources and verbs needed',
        }))));
}

/** No Secret carries data: secrets are referenced, never emitted. */
export function noSecretData(objects: readonly ManifestObject[]): Finding[] {
  return objects.filter((o) => o.kind === 'Secret' && (Object.keys(o.data ?? {}).length || Object.keys(o.stringData ?? {}).length))
    .map((o) => ({
      rule: 'no-secret-data', object: objectRef(o), path: o.data ? 'data' : 'stringData',
      message: 'a Secret with data would put credentials in git',
      fix: 'reference an existing Secret, or emit an ExternalSecret',
    }));
}

const CREDENTIAL_PATTERNS: Array<[string, RegExp]> = [
  ['GitLab token', /\b(glrt|glpat|glptt|gldt|glcbt|glsoat)-[A-Za-z0-9_-]{8,}/],
  ['GitLab registration token', /\bGR1348941[A-Za-z0-9_-]{8,}/],
  ['AWS access key id', /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ['private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['service-account key', /"private_key"\s*:/],
];

/** No string anywhere looks like a credential. */
export function noCredentialStrings(objects: readonly ManifestObject[]): Finding[] {
  const findings: Finding[] = [];
  for (const o of objects) {
    walkStrings(o, '', (value, path) => {
      for (const [what, pattern] of CREDENTIAL_PATTERNS) {
        if (pattern.test(value)) {
          findings.push({
            rule: 'no-credential-strings', object: objectRef(o), path,
            message: `holds what looks like a ${what}`, fix: 'move it into a Secret and reference it',
          });
        }
      }
    });
  }
  return findings;
}

/** Every container has cpu and memory requests and limits. */
export function containerResources(objects: readonly ManifestObject[]): Finding[] {
  return objects.flatMap(podTemplates).flatMap((t) => containers(t.spec).flatMap(({ c, path }) =>
    ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']
      .filter((r) => getPath(c.resources, r) === undefined)
      .map((r) => ({
        rule: 'container-resources', object: objectRef(t.owner), path: `${t.path}.${path}.resources.${r}`,
        message: `container "${c.name}" has no ${r}`, fix: 'set requests and limits so the scheduler and the kubelet can protect the node',
      }))));
}

/** Long-running containers have readiness and liveness probes; Jobs and init containers need none. */
export function probes(objects: readonly ManifestObject[]): Finding[] {
  return objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind)).flatMap(podTemplates)
    .flatMap((t) => (t.spec.containers ?? []).flatMap((c: any, i: number) =>
      ['readinessProbe', 'livenessProbe'].filter((p) => !c[p]).map((p) => ({
        rule: 'probes', object: objectRef(t.owner), path: `${t.path}.containers.${i}.${p}`,
        message: `container "${c.name}" has no ${p}`, fix: 'probe an endpoint the process itself serves',
      }))));
}

/** Every image is pinned to a version tag or a digest. */
export function pinnedImages(objects: readonly ManifestObject[]): Finding[] {
  return objects.flatMap(podTemplates).flatMap((t) => containers(t.spec)
    .filter(({ c }) => !isPinned(c.image))
    .map(({ c, path }) => ({
      rule: 'pinned-image', object: objectRef(t.owner), path: `${t.path}.${path}.image`,
      message: `image "${c.image}" floats`, fix: 'pin a version tag (not "latest") or a digest',
    })));
}

/** Every pod is selected by at least one NetworkPolicy in its namespace. */
export function networkPolicyCoverage(objects: readonly ManifestObject[]): Finding[] {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  return objects.flatMap(podTemplates)
    .filter((t) => !policies.some((p) => p.metadata.namespace === t.owner.metadata.namespace && selects(p.spec?.podSelector ?? {}, t.labels)))
    .map((t) => ({
      rule: 'network-policy-coverage', object: objectRef(t.owner), path: `${t.path.replace(/\.spec$/, '')}.metadata.labels`,
      message: 'no NetworkPolicy in its namespace selects these pods', fix: 'add a NetworkPolicy that selects them (default deny plus what they need)',
    }));
}

/**
 * No pod outside a privileged namespace tolerates a privileged pool's taint. The taints come from
 * the pools in the output (Karpenter NodePool, GKE ContainerNodePool) and from the tolerations of
 * privileged runners in config.toml (which covers pools of existing nodes). Runners' build pods
 * (config.toml `node_tolerations`) are checked like pod templates.
 */
export function privilegedTaintIsolation(objects: readonly ManifestObject[]): Finding[] {
  const privileged = new Set(privilegedNamespaces(objects));
  const runners = runnerEntries(objects);
  const taints: Array<{ key: string; value?: string; effect: string }> = [
    ...objects.filter((o) => o.kind === 'NodePool' && o.apiVersion.startsWith('karpenter.sh/'))
      .flatMap((o) => o.spec?.template?.spec?.taints ?? []),
    ...objects.filter((o) => o.kind === 'ContainerNodePool')
      .flatMap((o) => (o.spec?.nodeConfig?.taint ?? []).map((t: any) => ({ ...t, effect: GKE_EFFECTS[t.effect] ?? t.effect }))),
    // Each toleration of a privileged runner stands for the taint of its pool; one without an
    // effect for the taint with each effect.
    ...runners.filter((r) => r.entry.kubernetes?.privileged).flatMap((r) => runnerTolerations(r.entry))
      .filter((t) => t.key).flatMap((t) => (t.effect ? [t.effect] : EFFECTS).map((effect) => ({ key: t.key!, value: t.value, effect }))),
  ];
  if (taints.length === 0) return [];
  const findings: Finding[] = [];
  for (const t of objects.flatMap(podTemplates)) {
    if (privileged.has(t.owner.metadata.namespace ?? '')) continue;
    (t.spec.tolerations ?? []).forEach((tol: any, i: number) => {
      const taint = toleratedTaint(tol, taints);
      if (taint) {
        findings.push({
          rule: 'privileged-taint-isolation', object: objectRef(t.owner), path: `${t.path}.tolerations.${i}`,
          message: `tolerates the privileged pool taint ${taintString(taint)} outside a privileged namespace`,
          fix: 'only privileged build pods, in their own namespace, may tolerate the pool\'s taint',
        });
      }
    });
  }
  for (const r of runners.filter((x) => !x.entry.kubernetes?.privileged && !privileged.has(x.entry.kubernetes?.namespace))) {
    for (const tol of runnerTolerations(r.entry)) {
      const taint = toleratedTaint(tol, taints);
      if (taint) {
        findings.push({
          rule: 'privileged-taint-isolation', object: objectRef(r.configMap), path: `runners.${r.entry.name}.kubernetes.node_tolerations`,
          message: `runner "${r.entry.name}" lets its build pods tolerate the privileged pool taint ${taint.key}`,
          fix: 'bind only the privileged runner to the pool',
        });
      }
    }
  }
  return findings;
}

/**
 * What the API server, the container runtime and GitLab Runner refuse beyond the OpenAPI schema,
 * with the same definitions the synth uses (src/common/k8s-rules.ts): image references by the
 * distribution grammar, no negative quantity, annotations of at most 256 KiB, env values without
 * control characters, no mount at "/" or two at one or nested paths, no Namespace object, Role or
 * build namespace for a namespace Kubernetes owns.
 */
export function beyondSchema(objects: readonly ManifestObject[]): Finding[] {
  const findings: Finding[] = [];
  const add = (o: ManifestObject, path: string, message: string, fix: string) => findings.push({ rule: 'beyond-schema', object: objectRef(o), path, message, fix });
  for (const o of objects) {
    if (annotationBytes(o.metadata?.annotations) > ANNOTATIONS_MAX_BYTES) {
      add(o, 'metadata.annotations', `annotations total ${annotationBytes(o.metadata.annotations)} bytes`, `keep keys and values under ${ANNOTATIONS_MAX_BYTES} bytes in all`);
    }
    if (o.kind === 'Namespace' && isKubernetesNamespace(o.metadata?.name)) {
      add(o, 'metadata.name', `a Namespace object for "${o.metadata.name}", which Kubernetes owns`, `do not emit it (${KUBERNETES_NAMESPACES.join(', ')} belong to Kubernetes)`);
    }
    if ((o.kind === 'Role' || o.kind === 'RoleBinding') && isKubernetesNamespace(o.metadata?.namespace) && /-executor$/.test(o.metadata?.name ?? '')) {
      add(o, 'metadata.namespace', `an executor ${o.kind} in "${o.metadata.namespace}", which Kubernetes owns`, 'give build pods a namespace of their own');
    }
  }
  for (const t of objects.flatMap(podTemplates)) {
    const annotations = t.owner.kind === 'Pod' ? undefined : (t.path === 'spec.jobTemplate.spec.template.spec' ? t.owner.spec.jobTemplate.spec.template : t.owner.spec.template)?.metadata?.annotations;
    if (annotationBytes(annotations) > ANNOTATIONS_MAX_BYTES) {
      add(t.owner, `${t.path.replace(/\.spec$/, '')}.metadata.annotations`, `pod annotations total ${annotationBytes(annotations)} bytes`, `keep keys and values under ${ANNOTATIONS_MAX_BYTES} bytes in all`);
    }
    for (const { c, path } of containers(t.spec)) {
      const at = `${t.path}.${path}`;
      if (!isImageReference(c.image)) add(t.owner, `${at}.image`, `image "${c.image}" is no valid image reference`, 'use [registry[:port]/]path[:tag][@sha256:digest] with a lowercase path');
      for (const side of ['requests', 'limits']) {
        for (const [name, q] of Object.entries(c.resources?.[side] ?? {})) {
          if (isNegativeQuantity(q)) add(t.owner, `${at}.resources.${side}.${name}`, `negative quantity ${JSON.stringify(q)}`, 'quantities must be >= 0');
        }
      }
      (c.env ?? []).forEach((e: any, i: number) => {
        if (typeof e?.value === 'string' && CONTROL.test(e.value)) add(t.owner, `${at}.env.${i}.value`, `env ${e.name} holds a control character`, 'remove NUL, line breaks and other control characters');
      });
      const mounts: string[] = [];
      (c.volumeMounts ?? []).forEach((m: any, i: number) => {
        if (typeof m?.mountPath !== 'string') return;
        if (normalizeMountPath(m.mountPath) === '') add(t.owner, `${at}.volumeMounts.${i}.mountPath`, 'a volume mounted over "/"', 'mount it at a path of its own');
        const clash = mounts.find((p) => mountsOverlap(p, m.mountPath));
        if (clash !== undefined) add(t.owner, `${at}.volumeMounts.${i}.mountPath`, `mount "${m.mountPath}" overlaps "${clash}"`, 'give each volume its own, separate path');
        mounts.push(m.mountPath);
      });
    }
    (t.spec.volumes ?? []).forEach((vol: any, i: number) => {
      if (isNegativeQuantity(vol?.emptyDir?.sizeLimit)) add(t.owner, `${t.path}.volumes.${i}.emptyDir.sizeLimit`, `negative quantity ${JSON.stringify(vol.emptyDir.sizeLimit)}`, 'quantities must be >= 0');
    });
  }
  for (const { configMap, entry } of runnerEntries(objects)) {
    const at = `runners.${entry.name}`;
    const k = entry.kubernetes ?? {};
    if (isKubernetesNamespace(k.namespace)) add(configMap, `${at}.kubernetes.namespace`, `runner "${entry.name}" runs build pods in "${k.namespace}", which Kubernetes owns`, 'give build pods a namespace of their own');
    if (k.image !== undefined && !isImageReference(k.image)) add(configMap, `${at}.kubernetes.image`, `image "${k.image}" is no valid image reference`, 'use [registry[:port]/]path[:tag][@sha256:digest] with a lowercase path');
    (entry.environment ?? []).forEach((e: string, i: number) => {
      if (CONTROL.test(e)) add(configMap, `${at}.environment.${i}`, `runner "${entry.name}" has an environment entry with a control character`, 'remove NUL, line breaks and other control characters');
    });
    const mounts = ['/builds'];
    for (const kind of ['empty_dir', 'secret', 'config_map', 'host_path', 'pvc']) {
      (k.volumes?.[kind] ?? []).forEach((vol: any, i: number) => {
        const path = `${at}.kubernetes.volumes.${kind}.${i}.mount_path`;
        if (typeof vol?.mount_path !== 'string') return;
        if (normalizeMountPath(vol.mount_path) === '') add(configMap, path, 'a build pod volume mounted over "/"', 'mount it at a path of its own');
        const clash = mounts.find((p) => mountsOverlap(p, vol.mount_path));
        if (clash !== undefined) add(configMap, path, `build pod mount "${vol.mount_path}" overlaps "${clash}"`, 'give each volume its own, separate path');
        mounts.push(vol.mount_path);
      });
    }
  }
  return findings;
}

/** No two objects share kind, namespace and name: one would silently replace the other. */
export function uniqueObjects(objects: readonly ManifestObject[]): Finding[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const id = objectRef(o);
    if (seen.has(id)) return true;
    seen.add(id);
    return false;
  }).map((o) => ({
    rule: 'unique-objects', object: objectRef(o),
    message: 'emitted more than once', fix: 'give the constructs distinct name or namespace props',
  }));
}

/** Every project rule, in a stable order. */
export const PROJECT_RULES = [
  uniqueObjects, rbacNoWildcard, noSecretData, noCredentialStrings, containerResources, probes, pinnedImages,
  networkPolicyCoverage, privilegedTaintIsolation, beyondSchema, runnerConfigKeys,
] as const;

/** Findings of every rule of {@link PROJECT_RULES} over all objects. */
export function projectFindings(objects: readonly ManifestObject[]): Finding[] {
  return PROJECT_RULES.flatMap((rule) => rule(objects));
}

// --- helpers

const GKE_EFFECTS: Record<string, string> = { NO_SCHEDULE: 'NoSchedule', PREFER_NO_SCHEDULE: 'PreferNoSchedule', NO_EXECUTE: 'NoExecute' };

/** The tolerations a `[[runners]]` entry gives its build pods (node_tolerations and pod_spec patches). */
function runnerTolerations(entry: any) {
  return buildPodTolerations(entry.kubernetes, entry.feature_flags);
}

/** Every `[[runners]]` entry of every config.toml in a ConfigMap. */
function runnerEntries(objects: readonly ManifestObject[]): Array<{ configMap: ManifestObject; entry: any }> {
  return objects.filter((o) => o.kind === 'ConfigMap').flatMap((o) =>
    Object.entries(o.data ?? {}).filter(([k]) => k.endsWith('.toml')).flatMap(([, text]) => {
      try {
        return ((parse(text as string) as any).runners ?? []).map((entry: any) => ({ configMap: o, entry }));
      } catch {
        return [];
      }
    }));
}

function containers(spec: any): Array<{ c: any; path: string }> {
  return [
    ...(spec.initContainers ?? []).map((c: any, i: number) => ({ c, path: `initContainers.${i}` })),
    ...(spec.containers ?? []).map((c: any, i: number) => ({ c, path: `containers.${i}` })),
  ];
}

function isPinned(image: string | undefined): boolean {
  if (!image) return false;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const last = image.split('/').pop() ?? '';
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : undefined;
  return tag !== undefined && tag !== '' && tag !== 'latest';
}

function selects(selector: any, labels: Record<string, string>): boolean {
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const matchExpressions = (selector.matchExpressions ?? []).every((e: any) => {
    const has = e.key in labels;
    switch (e.operator) {
      case 'In': return has && e.values.includes(labels[e.key]);
      case 'NotIn': return !has || !e.values.includes(labels[e.key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: return false;
    }
  });
  return matchLabels && matchExpressions;
}

function getPath(o: any, path: string): unknown {
  return path.split('.').reduce((x, k) => (x === undefined || x === null ? undefined : x[k]), o);
}

function walkStrings(value: unknown, path: string, visit: (s: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, path ? `${path}.${i}` : `${i}`, visit));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) walkStrings(v, path ? `${path}.${k}` : k, visit);
  }
}
