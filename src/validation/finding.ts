/** A manifest object as synthesized (plain JSON). */
export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [key: string]: any;
}

/** One problem a validator found in one object. */
export interface Finding {
  /** Rule id, e.g. `rbac-no-wildcard` (project rules), `schema`, or a Monokle id such as `PSS202`. */
  readonly rule: string;
  /** `Kind namespace/name` of the object. */
  readonly object: string;
  /** Dotted path inside the object, where known. */
  readonly path?: string;
  /** What is wrong. */
  readonly message: string;
  /** How to fix it. */
  readonly fix?: string;
  /** Why the finding is tolerated; absent for a violation. */
  readonly accepted?: string;
}

export function objectRef(o: ManifestObject): string {
  return `${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`;
}

/** A pod spec inside an object (Pod, workloads, Job, CronJob), with its path. */
export interface PodTemplate {
  readonly owner: ManifestObject;
  readonly path: string;
  readonly labels: Record<string, string>;
  readonly spec: any;
}

export function podTemplates(o: ManifestObject): PodTemplate[] {
  if (o.kind === 'Pod') return [{ owner: o, path: 'spec', labels: o.metadata.labels ?? {}, spec: o.spec }];
  if (o.kind === 'CronJob') {
    const t = o.spec?.jobTemplate?.spec?.template;
    return t ? [{ owner: o, path: 'spec.jobTemplate.spec.template.spec', labels: t.metadata?.labels ?? {}, spec: t.spec }] : [];
  }
  const t = o.spec?.template;
  return t?.spec?.containers ? [{ owner: o, path: 'spec.template.spec', labels: t.metadata?.labels ?? {}, spec: t.spec }] : [];
}

/** Namespaces whose Pod Security level is `privileged`: only privileged build pods run there. */
export function privilegedNamespaces(objects: readonly ManifestObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'privileged')
    .map((o) => o.metadata.name)
    .sort();
}
