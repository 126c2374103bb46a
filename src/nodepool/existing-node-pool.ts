import { Construct } from 'constructs';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { taintString, TaintedNodePool, TaintedNodePoolProps } from './node-pool';

/** Props of an {@link ExistingNodePool}. */
export interface ExistingNodePoolProps extends TaintedNodePoolProps {
  /**
   * Names of the nodes to reserve, used to spell out the `kubectl` commands of {@link ExistingNodePool.nextSteps}.
   * @default - a `<node>` placeholder
   */
  readonly nodeNames?: string[];
}

/**
 * A tainted node pool made of nodes that already exist (no provisioner). It emits no object:
 * Node objects belong to the kubelet and the cloud controller, not to manifests. Taint and label
 * the nodes by hand with the commands of {@link nextSteps}; runners bound to the pool select and
 * tolerate exactly that taint and label.
 *
 * @example
 * const pool = new ExistingNodePool(chart, 'privileged', {
 *   taint: { key: 'dedicated', value: 'ci-privileged', effect: 'NoSchedule' },
 *   nodeNames: ['node-a', 'node-b'],
 * });
 * console.log(pool.nextSteps().join('\n')); // kubectl taint / label commands
 */
export class ExistingNodePool extends TaintedNodePool {
  /** The node names, or `['<node>']`. */
  public readonly nodeNames: string[];

  constructor(scope: Construct, id: string, props: ExistingNodePoolProps) {
    super(scope, id, props);
    if (props.nodeNames !== undefined && !Array.isArray(props.nodeNames)) {
      invalid(this, 'nodeNames', props.nodeNames, 'must be a list of node names, e.g. ["node-a", "node-b"]');
    }
    this.nodeNames = props.nodeNames?.length
      ? props.nodeNames.map((n, i) => v.dnsSubdomain(this, `nodeNames[${i}]`, n))
      : ['<node>'];
  }

  /**
   * `kubectl` commands that turn the nodes into the pool: taint first (nothing new lands there),
   * drain (what already runs there moves off), label (build pods can select them), uncordon.
   */
  protected steps(): string[] {
    const nodes = this.nodeNames.join(' ');
    const label = `${this.nodeLabel.key}=${this.nodeLabel.value}`;
    return [
      `kubectl taint nodes ${nodes} ${taintString(this.taint)}`,
      `kubectl drain ${nodes} --ignore-daemonsets --delete-emptydir-data`,
      `kubectl label nodes ${nodes} ${label}`,
      `kubectl uncordon ${nodes}`,
      `kubectl get nodes -l ${label} -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints`,
    ];
  }
}
