import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
// Type-only: the ContainerNodePool shape comes from @kubernetes-models/gke (generated from
// Config Connector's CRDs) and is erased at build time, so consumers get no runtime dependency
// on a package that models every Google Cloud resource. The object is emitted as a plain cdk8s
// ApiObject; tests validate it with the same package's schema validator.
import type { IContainerNodePool } from '@kubernetes-models/gke/container.cnrm.cloud.google.com/v1beta1/ContainerNodePool';
import { invalid } from '../common/errors';
import * as v from '../common/validate';
import { knownKeys } from '../common/shape';
import { TaintedNodePool, TaintedNodePoolProps } from './node-pool';

/** Autoscaling bounds of a GKE node pool, per zone. */
export interface GkeAutoscaling {
  /** @default 0 */
  readonly minNodeCount?: number;
  /** @default 3 */
  readonly maxNodeCount?: number;
}

/** Props of a {@link GkeNodePool}. */
export interface GkeNodePoolProps extends TaintedNodePoolProps {
  /**
   * Namespace of the Config Connector resources (the one bound to your Google Cloud project).
   */
  readonly namespace: string;
  /** Name of the `ContainerCluster` resource (Config Connector) the pool belongs to. */
  readonly clusterName: string;
  /**
   * Namespace of that `ContainerCluster`.
   * @default - `namespace`
   */
  readonly clusterNamespace?: string;
  /** Region or zone of the cluster, e.g. `europe-west1`. */
  readonly location: string;
  /**
   * Compute Engine machine type of the nodes.
   * @default 'e2-standard-4'
   */
  readonly machineType?: string;
  /**
   * Autoscaling bounds, per zone. A minimum of 0 leaves no privileged node idle.
   * @default - min 0, max 3
   */
  readonly autoscaling?: GkeAutoscaling;
  /**
   * Use Spot VMs (cheaper; builds on a reclaimed node fail).
   * @default false
   */
  readonly spot?: boolean;
}

/** Defaults of {@link GkeNodePoolProps}, in one place. */
export const GKE_NODE_POOL_DEFAULTS = {
  /** Default `machineType`. */
  machineType: 'e2-standard-4',
  /** Default `autoscaling`. */
  autoscaling: { minNodeCount: 0, maxNodeCount: 3 } as Required<GkeAutoscaling>,
  /** Default `spot`. */
  spot: false,
};

/**
 * A tainted node pool on GKE (Standard clusters), managed through Config Connector: one
 * `ContainerNodePool` whose nodes carry the pool's taint and label. GKE spells taint effects
 * `NO_SCHEDULE`, … and its `nodeConfig.taint` list is singular: this construct maps the
 * Kubernetes spelling there and only there.
 *
 * GKE Autopilot and GKE Sandbox (gVisor) reject privileged pods: DinD needs a Standard cluster
 * node pool without sandbox.
 *
 * @example
 * const pool = new GkeNodePool(chart, 'privileged', {
 *   taint: { key: 'dedicated', value: 'ci-privileged', effect: 'NO_SCHEDULE' },
 *   namespace: 'config-connector', clusterName: 'ci', location: 'europe-west1',
 * });
 */
export class GkeNodePool extends TaintedNodePool {
  /** The Config Connector ContainerNodePool. */
  public readonly containerNodePool: ApiObject;
  /** Namespace of the ContainerNodePool. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: GkeNodePoolProps) {
    super(scope, id, props);
    this.namespace = v.dnsLabel(this, 'namespace', props.namespace);
    const clusterName = v.dnsSubdomain(this, 'clusterName', props.clusterName);
    const clusterNamespace = v.dnsLabel(this, 'clusterNamespace', props.clusterNamespace ?? this.namespace);
    knownKeys(this, 'autoscaling', props.autoscaling, ['minNodeCount', 'maxNodeCount']);
    const autoscaling = { ...GKE_NODE_POOL_DEFAULTS.autoscaling, ...props.autoscaling };
    const min = v.integer(this, 'autoscaling.minNodeCount', autoscaling.minNodeCount, 0, 1000);
    const max = v.integer(this, 'autoscaling.maxNodeCount', autoscaling.maxNodeCount, 1, 1000);
    if (min > max) invalid(this, 'autoscaling.minNodeCount', min, `must not exceed autoscaling.maxNodeCount (${max})`);
    const spot = props.spot ?? GKE_NODE_POOL_DEFAULTS.spot;
    if (typeof spot !== 'boolean') invalid(this, 'spot', spot, 'must be true or false');

    const object: IContainerNodePool = {
      apiVersion: 'container.cnrm.cloud.google.com/v1beta1',
      kind: 'ContainerNodePool',
      metadata: { name: this.name, namespace: this.namespace, labels: this.labels },
      spec: {
        location: v.gcpLocation(this, 'location', props.location),
        clusterRef: clusterNamespace === this.namespace ? { name: clusterName } : { name: clusterName, namespace: clusterNamespace },
        autoscaling: { minNodeCount: min, maxNodeCount: max },
        management: { autoRepair: true, autoUpgrade: true },
        nodeConfig: {
          machineType: v.gcpMachineType(this, 'machineType', props.machineType ?? GKE_NODE_POOL_DEFAULTS.machineType),
          ...(spot ? { spot } : {}),
          labels: { [this.nodeLabel.key]: this.nodeLabel.value },
          taint: [{ key: this.taint.key, value: this.taint.value, effect: v.gkeTaintEffect(this.taint.effect) }],
        },
      },
    };
    this.containerNodePool = new ApiObject(this, 'ContainerNodePool', object);
  }

  protected steps(): string[] {
    return [
      `Config Connector must manage namespace "${this.namespace}" and the ContainerCluster it references must be a GKE Standard cluster: Autopilot and GKE Sandbox reject privileged pods.`,
      `Nodes of ContainerNodePool "${this.name}" get the taint ${this.taint.key}=${this.taint.value}:${this.taint.effect} and the label ${this.nodeLabel.key}=${this.nodeLabel.value}; watch them come up with: kubectl get nodes -l ${this.nodeLabel.key}=${this.nodeLabel.value}`,
    ];
  }
}
