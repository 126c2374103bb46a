import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as karpenter from '../../imports/karpenter.sh';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { knownKeys, objectShape } from '../common/shape';
import { TaintedNodePool, TaintedNodePoolProps } from './node-pool';

/** The node class a Karpenter NodePool launches nodes from (e.g. an AWS `EC2NodeClass`). */
export interface KarpenterNodeClassRef {
  /** API group of the node class, e.g. `karpenter.k8s.aws`. */
  readonly group: string;
  /** Kind of the node class, e.g. `EC2NodeClass`. */
  readonly kind: string;
  /** Name of the node class. */
  readonly name: string;
}

/** A scheduling requirement of the nodes Karpenter launches. */
export interface KarpenterRequirement {
  /** A well-known or custom node label, e.g. `karpenter.sh/capacity-type`. */
  readonly key: string;
  /** How `values` match. */
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  /**
   * Values for `In`/`NotIn` (at least one for `In`), one integer for `Gt`/`Lt`.
   * @default - none (for `Exists`/`DoesNotExist`)
   */
  readonly values?: string[];
}

/** Ceiling of a Karpenter NodePool's total resources (Kubernetes quantities). */
export interface KarpenterLimits {
  /** @default '64' */
  readonly cpu?: string;
  /** @default '256Gi' */
  readonly memory?: string;
}

/** Consolidation policies of a Karpenter NodePool. */
export type KarpenterConsolidationPolicy = 'WhenEmpty' | 'WhenEmptyOrUnderutilized';

/** Props of a {@link KarpenterNodePool}. */
export interface KarpenterNodePoolProps extends TaintedNodePoolProps {
  /** The node class (cloud-specific launch settings) the pool's nodes come from. Required. */
  readonly nodeClassRef: KarpenterNodeClassRef;
  /**
   * What nodes Karpenter may launch.
   * @default - Linux, on-demand capacity (`kubernetes.io/os In [linux]`, `karpenter.sh/capacity-type In [on-demand]`)
   */
  readonly requirements?: KarpenterRequirement[];
  /**
   * Ceiling of the pool's total resources: privileged capacity should be bounded.
   * @default - cpu 64, memory 256Gi
   */
  readonly limits?: KarpenterLimits;
  /**
   * When Karpenter may remove nodes. `WhenEmpty` never evicts a running build to repack nodes.
   * @default 'WhenEmpty'
   */
  readonly consolidationPolicy?: KarpenterConsolidationPolicy;
  /**
   * How long a node must be empty (or underutilized) before Karpenter removes it.
   * @default Duration.minutes(5)
   */
  readonly consolidateAfter?: Duration;
  /**
   * Node lifetime. Privileged builds can tamper with their node; replacing nodes daily bounds how
   * long a compromise can persist. A build still running on an expiring node is evicted: raise it
   * (or `'Never'`) if builds are long.
   * @default Duration.hours(24)
   */
  readonly expireAfter?: Duration | 'Never';
}

/** Defaults of {@link KarpenterNodePoolProps}, in one place. */
export const KARPENTER_NODE_POOL_DEFAULTS = {
  /** Default `requirements`. */
  requirements: [
    { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
  ] as KarpenterRequirement[],
  /** Default `limits`. */
  limits: { cpu: '64', memory: '256Gi' } as KarpenterLimits,
  /** Default `consolidationPolicy`. */
  consolidationPolicy: 'WhenEmpty' as KarpenterConsolidationPolicy,
  /** Default `consolidateAfter`. */
  consolidateAfter: Duration.minutes(5),
  /** Default `expireAfter`. */
  expireAfter: Duration.hours(24),
};

/** Label domains Karpenter keeps for itself (its CRD rejects them in `template.metadata.labels`). */
const KARPENTER_RESERVED_DOMAINS = ['karpenter.sh'];

/**
 * A tainted node pool provisioned by Karpenter: one `karpenter.sh/v1` NodePool whose nodes carry
 * the pool's taint and label. The typed NodePool comes from `cdk8s import` of Karpenter's CRD
 * (imports/karpenter.sh.ts).
 *
 * @example
 * const pool = new KarpenterNodePool(chart, 'pool', {
 *   taint: { key: 'dedicated', value: 'gitlab-privileged-builds' },
 *   nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
 * });
 */
export class KarpenterNodePool extends TaintedNodePool {
  /** The Karpenter NodePool. */
  public readonly nodePool: ApiObject;
  /** The node class the pool launches from. */
  public readonly nodeClassRef: KarpenterNodeClassRef;

  constructor(scope: Construct, id: string, props: KarpenterNodePoolProps) {
    super(scope, id, props, KARPENTER_RESERVED_DOMAINS);
    const ref = props.nodeClassRef;
    if (ref === undefined || ref === null || typeof ref !== 'object') {
      invalid(this, 'nodeClassRef', ref, 'a Karpenter NodePool needs the node class its nodes launch from: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "…" } (or your cloud\'s equivalent)');
    }
    knownKeys(this, 'nodeClassRef', ref, ['group', 'kind', 'name']);
    this.nodeClassRef = {
      group: v.dnsSubdomain(this, 'nodeClassRef.group', ref.group),
      kind: v.kindName(this, 'nodeClassRef.kind', ref.kind),
      name: v.dnsSubdomain(this, 'nodeClassRef.name', ref.name),
    };
    const given = props.requirements ?? KARPENTER_NODE_POOL_DEFAULTS.requirements;
    if (!Array.isArray(given)) invalid(this, 'requirements', given, 'must be a list of { key, operator, values? }');
    const requirements = given.map((r, i) => this.requirement(r, i));
    knownKeys(this, 'limits', props.limits, ['cpu', 'memory']);
    const limits = { ...KARPENTER_NODE_POOL_DEFAULTS.limits, ...props.limits };
    const expireAfter = props.expireAfter ?? KARPENTER_NODE_POOL_DEFAULTS.expireAfter;

    this.nodePool = new karpenter.NodePool(this, 'NodePool', {
      metadata: { name: this.name, labels: this.labels },
      spec: {
        template: {
          metadata: { labels: { [this.nodeLabel.key]: this.nodeLabel.value } },
          spec: {
            nodeClassRef: this.nodeClassRef,
            requirements,
            taints: [{
              key: this.taint.key,
              value: this.taint.value,
              effect: this.taint.effect as karpenter.NodePoolSpecTemplateSpecTaintsEffect,
            }],
            expireAfter: expireAfter === 'Never' ? 'Never' : v.goDuration(this, 'expireAfter', expireAfter, 60),
          },
        },
        disruption: {
          consolidationPolicy: v.oneOf(this, 'consolidationPolicy', props.consolidationPolicy ?? KARPENTER_NODE_POOL_DEFAULTS.consolidationPolicy,
            ['WhenEmpty', 'WhenEmptyOrUnderutilized']) as karpenter.NodePoolSpecDisruptionConsolidationPolicy,
          consolidateAfter: v.goDuration(this, 'consolidateAfter', props.consolidateAfter ?? KARPENTER_NODE_POOL_DEFAULTS.consolidateAfter, 1),
        },
        limits: Object.fromEntries(Object.entries(limits)
          .filter(([, q]) => q !== undefined)
          .map(([k, q]) => [k, karpenter.NodePoolSpecLimits.fromString(v.quantity(this, `limits.${k}`, q as string))])),
      },
    });
  }

  protected steps(): string[] {
    return [
      `Make sure the ${this.nodeClassRef.kind} "${this.nodeClassRef.name}" (${this.nodeClassRef.group}) exists: NodePool "${this.name}" launches its nodes from it.`,
      `Nodes of NodePool "${this.name}" get the taint ${this.taint.key}=${this.taint.value}:${this.taint.effect} and the label ${this.nodeLabel.key}=${this.nodeLabel.value}; watch them come up with: kubectl get nodes -l ${this.nodeLabel.key}=${this.nodeLabel.value}`,
    ];
  }

  private requirement(r: KarpenterRequirement, i: number): karpenter.NodePoolSpecTemplateSpecRequirements {
    const field = `requirements[${i}]`;
    if (r === null || typeof r !== 'object') invalid(this, field, r, 'must be { key, operator, values? }');
    objectShape(this, field, r, '{ key, operator, values? }');
    if (r.values !== undefined && !Array.isArray(r.values)) invalid(this, `${field}.values`, r.values, 'must be a list of label values');
    v.qualifiedName(this, `${field}.key`, r.key);
    const operator = v.oneOf(this, `${field}.operator`, r.operator, ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const);
    const values = (r.values ?? []).map((x, j) => v.labelValue(this, `${field}.values[${j}]`, x));
    if (operator === 'In' && values.length === 0) invalid(this, `${field}.values`, values, 'operator In needs at least one value');
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      invalid(this, `${field}.values`, values, `operator ${operator} takes no values`);
    }
    if (operator === 'Gt' || operator === 'Lt') {
      if (values.length !== 1) invalid(this, `${field}.values`, values, `operator ${operator} takes exactly one value`);
      v.integerString(this, `${field}.values[0]`, values[0]);
    }
    return {
      key: r.key,
      operator: operator as karpenter.NodePoolSpecTemplateSpecRequirementsOperator,
      ...(values.length ? { values } : {}),
    };
  }
}
