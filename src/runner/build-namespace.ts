import { ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { EXECUTOR_RULES } from './executor-rbac';

/** Pod Security Standards levels (`pod-security.kubernetes.io/*` namespace labels). */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Props of a {@link BuildNamespace}. */
export interface BuildNamespaceProps {
  /** The namespace name. */
  readonly namespace: string;
  /** Resource name of the owning manager; prefixes every object name. */
  readonly managerName: string;
  /** Namespace of the manager's ServiceAccount, which the Role is bound to. */
  readonly managerNamespace: string;
  /** The manager's ServiceAccount. */
  readonly managerServiceAccount: string;
  /** Labels for every object. */
  readonly labels: Record<string, string>;
  /**
   * Emit the Namespace object, with Pod Security labels.
   * @default true
   */
  readonly create?: boolean;
  /**
   * Pod Security level enforced on build pods. Build jobs run arbitrary images, many as root, so
   * `baseline` (no privilege, no host access) is the strictest level that does not break them.
   * @default 'baseline'
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Emit a NetworkPolicy that denies ingress to build pods (they need none: the executor
   * attaches through the API server).
   * @default true
   */
  readonly networkPolicy?: boolean;
}

/**
 * A namespace where build pods run, with what the executor needs there and nothing more: a
 * Role holding exactly the executor's rules, bound to the manager's ServiceAccount, and a
 * ServiceAccount for build pods with no rights and no mounted token.
 *
 * @example
 * // Created by the manager for each build namespace its runners use:
 * manager.addRunner('a', { token: { secretName: 'token-a' }, buildNamespace: 'team-a-builds' });
 * manager.buildNamespaces.map((b) => b.namespace); // ['team-a-builds']
 */
export class BuildNamespace extends Construct {
  /** The namespace name. */
  public readonly namespace: string;
  /** The ServiceAccount build pods run as. */
  public readonly buildServiceAccount: string;
  /** The executor Role. */
  public readonly role: k8s.KubeRole;

  constructor(scope: Construct, id: string, props: BuildNamespaceProps) {
    super(scope, id);
    this.namespace = props.namespace;
    this.buildServiceAccount = `${props.managerName}-build`;
    const meta = (name: string): ApiObjectMetadata => ({ name, namespace: props.namespace, labels: props.labels });

    if (props.create ?? true) {
      const level = props.podSecurity ?? 'baseline';
      // Report against the next stricter level, so the audit log shows what tightening would break.
      const pss = level === 'privileged'
        ? podSecurityLabels('privileged', 'baseline', 'baseline')
        : podSecurityLabels(level, 'restricted', level);
      new k8s.KubeNamespace(this, 'Namespace', {
        metadata: { name: props.namespace, labels: { ...props.labels, ...pss } },
      });
    }

    new k8s.KubeServiceAccount(this, 'BuildServiceAccount', {
      metadata: meta(this.buildServiceAccount),
      automountServiceAccountToken: false,
    });

    const executor = `${props.managerName}-executor`;
    this.role = new k8s.KubeRole(this, 'ExecutorRole', {
      metadata: meta(executor),
      rules: EXECUTOR_RULES.map((r) => ({ ...r })),
    });
    new k8s.KubeRoleBinding(this, 'ExecutorRoleBinding', {
      metadata: meta(executor),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: executor },
      subjects: [{ kind: 'ServiceAccount', name: props.managerServiceAccount, namespace: props.managerNamespace }],
    });

    if (props.networkPolicy ?? true) {
      new k8s.KubeNetworkPolicy(this, 'DenyIngress', {
        metadata: meta(`${props.managerName}-builds-deny-ingress`),
        spec: { podSelector: {}, policyTypes: ['Ingress'] },
      });
    }
  }
}

/** Pod Security admission labels: `enforce` rejects pods; `audit` and `warn` only report. */
export function podSecurityLabels(enforce: PodSecurityLevel, audit: PodSecurityLevel = enforce, warn: PodSecurityLevel = enforce): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': enforce,
    'pod-security.kubernetes.io/enforce-version': 'latest',
    'pod-security.kubernetes.io/audit': audit,
    'pod-security.kubernetes.io/warn': warn,
  };
}
