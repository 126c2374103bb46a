import { ApiObject, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
// Type-only: the shapes come from kubernetes-models (generated from the upstream OpenAPI spec)
// and are erased at build time, so there is no runtime dependency. The 1.27 bindings in
// imports/k8s only know admissionregistration.k8s.io/v1alpha1 policies; v1 is GA since 1.30.
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { invalid } from '../common/errors';
import { readable } from '../common/shape';
import { standardLabels } from '../common/labels';
import { ResolvedTaint } from '../common/placement';
import { policyExpression, taintString } from '../common/tolerations';
import * as v from '../common/validate';

/** What the API server does when a pod breaks the policy. */
export type ValidationAction = 'Deny' | 'Warn' | 'Audit';

/** Options of {@link TaintedNodePool.addAdmissionGuard}. */
export interface PrivilegedPodGuardOptions {
  /**
   * Namespaces the policy leaves alone, besides the bound runners' build namespaces. System
   * DaemonSets (CNI, kube-proxy, CSI node plugins) tolerate every taint and must keep running
   * on the pool's nodes: list the namespaces of your node agents here.
   * @default ['kube-system']
   */
  readonly exemptNamespaces?: string[];
  /**
   * What a violation does. Start with `['Warn', 'Audit']` on a live cluster to find node agents
   * you have not exempted, then switch to `Deny`.
   * @default ['Deny']
   */
  readonly validationActions?: ValidationAction[];
  /**
   * Name of the policy and its binding.
   * @default - `<pool name>-guard`
   */
  readonly name?: string;
}

/** What the guard needs of the pool it guards (a {@link TaintedNodePool}). */
export interface IGuardedNodePool {
  /** Resource name of the pool's objects. */
  readonly name: string;
  /** The pool's taint. */
  readonly taint: ResolvedTaint;
  /** Build namespaces of the runners bound to the pool, sorted; read at synth. */
  readonly buildNamespaces: string[];
}

/** Props of a {@link PrivilegedPodGuard}. */
export interface PrivilegedPodGuardProps extends PrivilegedPodGuardOptions {
  /** The pool to guard. */
  readonly pool: IGuardedNodePool;
}

/** Defaults of {@link PrivilegedPodGuardOptions}, in one place. */
export const PRIVILEGED_POD_GUARD_DEFAULTS = {
  /** Default `exemptNamespaces`. */
  exemptNamespaces: ['kube-system'],
  /** Default `validationActions`. */
  validationActions: ['Deny'] as ValidationAction[],
};

/**
 * The in-cluster half of the guard rails: a ValidatingAdmissionPolicy
 * (`admissionregistration.k8s.io/v1`, Kubernetes >= 1.30) and its binding that reject pods
 * tolerating the pool's taint anywhere but in the build namespaces of the runners bound to the
 * pool (and the exempt namespaces). The synth-time check covers this app's manifests; this
 * covers everything else applied to the cluster (Helm charts, `kubectl run`, other teams).
 *
 * Add it with {@link TaintedNodePool.addAdmissionGuard}.
 *
 * @example
 * // Reject pods tolerating the pool's taint outside its privileged build namespaces.
 * pool.addAdmissionGuard({ validationActions: ['Warn', 'Audit'] });
 */
export class PrivilegedPodGuard extends Construct {
  /** Name of the policy and its binding. */
  public readonly name: string;
  /** The ValidatingAdmissionPolicy. */
  public readonly policy: ApiObject;
  /** The ValidatingAdmissionPolicyBinding. */
  public readonly binding: ApiObject;
  /** The CEL expression that is true for a pod that does not tolerate the pool's taint. */
  public readonly expression: string;

  constructor(scope: Construct, id: string, props: PrivilegedPodGuardProps) {
    super(scope, id);
    readable(this, props);
    const pool = props.pool;
    this.name = v.dnsSubdomain(this, 'name', props.name ?? `${pool.name}-guard`);
    for (const field of ['exemptNamespaces', 'validationActions'] as const) {
      if (props[field] !== undefined && !Array.isArray(props[field])) invalid(this, field, props[field], 'must be a list');
    }
    const exempt = (props.exemptNamespaces ?? PRIVILEGED_POD_GUARD_DEFAULTS.exemptNamespaces)
      .map((ns, i) => v.dnsLabel(this, `exemptNamespaces[${i}]`, ns));
    const actions = [...new Set((props.validationActions ?? PRIVILEGED_POD_GUARD_DEFAULTS.validationActions)
      .map((a, i) => v.oneOf(this, `validationActions[${i}]`, a, ['Deny', 'Warn', 'Audit'] as const)))];
    if (actions.length === 0) invalid(this, 'validationActions', actions, 'must hold at least one of "Deny", "Warn", "Audit"');
    if (actions.includes('Deny') && actions.includes('Warn')) {
      invalid(this, 'validationActions', actions, 'must not combine "Deny" and "Warn" (the API server rejects it): use ["Deny"], ["Deny", "Audit"] or ["Warn", "Audit"]');
    }

    const { key, value, effect } = pool.taint;
    this.expression = policyExpression(key, value, effect);
    const labels = standardLabels({ name: 'gitlab-runner', instance: pool.name, component: 'admission-guard' });

    const policy: Omit<IValidatingAdmissionPolicy, 'apiVersion' | 'kind'> = {
      metadata: { name: this.name, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [{
            apiGroups: [''], apiVersions: ['v1'], resources: ['pods'],
            // Tolerations can be added to a running pod, so updates are checked too.
            operations: ['CREATE', 'UPDATE'],
          }],
        },
        variables: [{ name: 'toleratesPool', expression: this.expression }],
        validations: [{
          expression: '!variables.toleratesPool',
          message: `pods may not tolerate the taint ${taintString(pool.taint)}: its node pool runs privileged GitLab builds, and only the runners bound to it may schedule there`,
          reason: 'Forbidden',
        }],
      },
    };
    this.policy = new ApiObject(this, 'Policy', {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', ...policy,
    });

    // Which namespaces are allowed is known only once every runner is bound: resolved at synth.
    const binding: Omit<IValidatingAdmissionPolicyBinding, 'apiVersion' | 'kind'> = {
      metadata: { name: this.name, labels },
      spec: {
        policyName: this.name,
        validationActions: actions,
        matchResources: {
          namespaceSelector: {
            matchExpressions: [{
              key: 'kubernetes.io/metadata.name',
              operator: 'NotIn',
              values: Lazy.any({ produce: () => [...new Set([...pool.buildNamespaces, ...exempt])].sort() }) as unknown as string[],
            }],
          },
        },
      },
    };
    this.binding = new ApiObject(this, 'Binding', {
      apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', ...binding,
    });
  }
}
