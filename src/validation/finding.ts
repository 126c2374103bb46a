/** A manifest object as synthesized (plain JSON). */
export interface ManifestObject {
  /** `group/version`, or `v1` for the core group. */
  readonly apiVersion: string;
  /** The object's kind. */
  readonly kind: string;
  /** Name, namespace, labels and annotations. */
  readonly metadata: {
    /** The object's name. */
    readonly name: string;
    /** The object's namespace; absent for cluster-scoped objects. */
    readonly namespace?: string;
    /** Labels. */
    readonly labels?: Record<string, string>;
    /** Annotations. */
    readonly annotations?: Record<string, string>;
  };
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

/** `Kind namespace/name` (`-` for a cluster-scoped object), as findings name objects. */
export function objectRef(o: ManifestObject): string {
  return `${o.kind} ${o.metadata?.namespace ?? '-'}/${o.metadata?.name}`;
}

/** A pod spec inside an object (Pod, workloads, Job, CronJob), with its path. */
export interface PodTemplate {
  /** The object holding the pod spec. */
  readonly owner: ManifestObject;
  /** Dotted path of the pod spec inside `owner`. */
  readonly path: string;
  /** The pods' labels. */
  readonly labels: Record<string, string>;
  /** The pod spec. */
  readonly spec: any;
}

/** The pod specs an object holds: none for objects that run no pods. */
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
