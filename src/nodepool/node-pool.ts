import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ConfigError, invalid } from '../common/errors';
import { knownKeys, readable } from '../common/shape';
import { standardLabels } from '../common/labels';
import * as v from '../common/validate';
import { ensureUniqueObjects } from '../common/unique-objects';
import { concrete } from '../common/values';
import { GkeTaintEffect, TaintEffect } from '../common/validate';
import { IBuildPodPlacer, INodePlacement, isBuildPodPlacer, NodeLabel, registerNodePlacement, ResolvedTaint } from '../common/placement';
import { PodToleration, TolerationSpec, taintString, toleratesTaint } from '../common/tolerations';
import { PrivilegedPodGuard, PrivilegedPodGuardOptions } from './privileged-pod-guard';

/** The taint that keeps every pod off a node pool unless it tolerates it. */
export interface NodeTaint {
  /** Taint key, e.g. `dedicated` or `example.com/pool`. Not under `kubernetes.io/` or `k8s.io/`. */
  readonly key: string;
  /** Taint value, e.g. `gitlab-privileged-builds`. */
  readonly value: string;
  /**
   * Taint effect. GKE's spelling (`NO_SCHEDULE`, …) is accepted and mapped: Kubernetes objects
   * always get the Kubernetes spelling, only a GKE ContainerNodePool gets GKE's.
   * @default 'NoSchedule'
   */
  readonly effect?: TaintEffect | GkeTaintEffect;
}

export type { NodeLabel, ResolvedTaint } from '../common/placement';

/** Props every {@link TaintedNodePool} takes: the pool's contract. */
export interface TaintedNodePoolProps {
  /**
   * Resource name of the objects the pool emits (NodePool, ContainerNodePool, admission policy).
   * Independent of the construct id.
   * @default 'gitlab-privileged-builds'
   */
  readonly name?: string;
  /**
   * The taint every node of the pool carries. Required: without it any pod could land next to
   * privileged builds, which can take over their node.
   */
  readonly taint: NodeTaint;
  /**
   * The label every node of the pool carries; build pods select it. A taint only repels, so
   * without a selector build pods could run on any node.
   * @default - the taint's key and value
   */
  readonly nodeLabel?: NodeLabel;
}

/** Defaults of {@link TaintedNodePoolProps}, in one place. */
export const NODE_POOL_DEFAULTS = {
  /** Default `name`. */
  name: 'gitlab-privileged-builds',
  /** Default `effect`. */
  effect: 'NoSchedule' as TaintEffect,
};

export { taintString, toleratesTaint } from '../common/tolerations';
export type { PodToleration } from '../common/tolerations';

/**
 * A node pool reserved for some build pods (typically privileged ones) by a taint that nothing
 * else tolerates and a label build pods select. Subclasses emit what the cluster's node
 * provisioner needs: {@link KarpenterNodePool}, {@link GkeNodePool}, or nothing for
 * {@link ExistingNodePool}.
 *
 * Bind runners with `nodePools: [pool]` (or `manager.addDindRunner(…, { nodePool })`): their
 * build pods get `node_selector` and `node_tolerations` for exactly this pool. At synth, every
 * other pod template in the app and every other runner that tolerates the taint is an error.
 *
 * @example
 * const pool = new KarpenterNodePool(chart, 'privileged', {
 *   taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
 *   nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
 * });
 * manager.addDindRunner('dind', { token: { secretName: 'dind-token' }, nodePool: pool });
 */
export abstract class TaintedNodePool extends Construct implements INodePlacement {
  /** Resource name of the pool's objects. */
  public readonly name: string;
  /** The pool's taint, effect in the Kubernetes spelling. */
  public readonly taint: ResolvedTaint;
  /** The pool's node label. */
  public readonly nodeLabel: NodeLabel;
  /** Labels for the pool's objects. */
  public readonly labels: Record<string, string>;

  private readonly boundRunners: IBuildPodPlacer[] = [];
  private readonly allowedDaemonSets = new Set<ApiObject>();

  constructor(scope: Construct, id: string, props: TaintedNodePoolProps, reservedDomains: readonly string[] = []) {
    super(scope, id);
    readable(this, props);
    ensureUniqueObjects(this);
    registerNodePlacement(this);
    this.name = v.dnsLabel(this, 'name', props.name ?? NODE_POOL_DEFAULTS.name);
    if (props.taint === undefined || props.taint === null || typeof props.taint !== 'object') {
      invalid(this, 'taint', props.taint, 'a tainted node pool needs a taint { key, value, effect }: without one, any pod can land next to privileged builds');
    }
    knownKeys(this, 'taint', props.taint, ['key', 'value', 'effect']);
    knownKeys(this, 'nodeLabel', props.nodeLabel, ['key', 'value']);
    this.taint = {
      key: v.unreservedKey(this, 'taint.key', props.taint.key, reservedDomains),
      value: v.taintValue(this, 'taint.value', props.taint.value),
      effect: v.taintEffect(this, 'taint.effect', props.taint.effect ?? NODE_POOL_DEFAULTS.effect),
    };
    const label = props.nodeLabel ?? { key: this.taint.key, value: this.taint.value };
    this.nodeLabel = {
      key: v.unreservedKey(this, 'nodeLabel.key', label.key, reservedDomains),
      value: v.taintValue(this, 'nodeLabel.value', label.value),
    };
    this.labels = standardLabels({ name: 'gitlab-runner', instance: this.name, component: 'node-pool' });
    this.node.addValidation({ validate: () => this.tolerationLeaks() });
  }

  /** The `node_selector` entry build pods on this pool need. */
  public get nodeSelector(): Record<string, string> {
    return { [this.nodeLabel.key]: this.nodeLabel.value };
  }

  /** The toleration build pods on this pool need: this taint exactly (key, value and effect). */
  public get toleration(): TolerationSpec {
    return { key: this.taint.key, value: this.taint.value, effect: this.taint.effect };
  }

  /** The runners bound to this pool. */
  public get runners(): readonly IBuildPodPlacer[] {
    return [...this.boundRunners];
  }

  /** Build namespaces of the runners bound to this pool, sorted. */
  public get buildNamespaces(): string[] {
    return [...new Set(this.boundRunners.map((r) => r.buildNamespace))].sort();
  }

  /** Whether a pod toleration tolerates this pool's taint. */
  public tolerates(t: PodToleration): boolean {
    return toleratesTaint(t, this.taint);
  }

  /**
   * Called by a {@link Runner} whose `nodePools` include this pool: its build pods may tolerate
   * the taint. Not for direct use.
   */
  public bindRunner(runner: IBuildPodPlacer): void {
    if (!this.boundRunners.includes(runner)) this.boundRunners.push(runner);
  }

  /**
   * Lets a node agent DaemonSet of this app (log shipper, CNI, …) tolerate the taint: agents
   * must run on every node, the pool's too. Anything else tolerating it fails synth.
   */
  public allowDaemonSet(daemonSet: ApiObject): void {
    if (!ApiObject.isApiObject(daemonSet) || daemonSet.kind !== 'DaemonSet') {
      invalid(this, 'allowDaemonSet()', ApiObject.isApiObject(daemonSet) ? `${daemonSet.kind}/${daemonSet.name}` : daemonSet,
        'only a DaemonSet (a node agent) may be allowed to tolerate the pool\'s taint');
    }
    this.allowedDaemonSets.add(daemonSet);
  }

  /**
   * Adds the in-cluster guard: a ValidatingAdmissionPolicy and its binding that reject pods
   * tolerating this pool's taint outside the build namespaces of the runners bound to it.
   */
  public addAdmissionGuard(options: PrivilegedPodGuardOptions = {}): PrivilegedPodGuard {
    return new PrivilegedPodGuard(this, 'AdmissionGuard', { ...options, pool: this });
  }

  /** What to do by hand before or after applying the manifests, as commands or sentences. */
  public nextSteps(): string[] {
    // Read by people: Helm value tokens shown as their defaults.
    return this.steps().map((step) => concrete(step));
  }

  /** The steps, as {@link nextSteps} returns them before tokens are resolved. */
  protected abstract steps(): string[];

  /**
   * Synth-time guard rail: only runners bound to this pool (and allowed node agents) may
   * tolerate its taint. Checks every pod template of every ApiObject in the app and the
   * tolerations every runner gives its build pods (`node_tolerations` and `pod_spec` patches).
   */
  private tolerationLeaks(): string[] {
    const errors: string[] = [];
    const allowed = `only runners bound to this pool (nodePools) may tolerate ${taintString(this.taint)} of node pool ${this.node.path}, which runs privileged builds; remove the toleration (a DaemonSet node agent may be allowed with pool.allowDaemonSet())`;
    for (const c of this.node.root.node.findAll()) {
      if (isBuildPodPlacer(c)) {
        if (this.boundRunners.includes(c)) continue;
        for (const t of c.buildPodTolerations()) {
          if (this.tolerates(t)) errors.push(new ConfigError(c.node.path, 'tolerations', t, allowed).message);
        }
      } else if (ApiObject.isApiObject(c) && POD_TEMPLATE_KINDS.has(c.kind) && !this.allowedDaemonSets.has(c)) {
        for (const pod of podTemplates(c.toJson())) {
          (pod.spec.tolerations ?? []).forEach((t: PodToleration, i: number) => {
            if (this.tolerates(t)) errors.push(new ConfigError(c.node.path, `${pod.path}.tolerations[${i}]`, t, allowed).message);
          });
        }
      }
    }
    return errors;
  }
}

/** Kinds whose objects hold a pod spec or template; only those are rendered for the scan. */
const POD_TEMPLATE_KINDS = new Set(['Pod', 'PodTemplate', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job', 'CronJob']);

/** The pod specs of a synthesized object, with their paths. */
function podTemplates(o: any): Array<{ path: string; spec: any }> {
  if (o?.kind === 'Pod' && o.spec) return [{ path: 'spec', spec: o.spec }];
  if (o?.kind === 'CronJob' && o.spec?.jobTemplate?.spec?.template?.spec) {
    return [{ path: 'spec.jobTemplate.spec.template.spec', spec: o.spec.jobTemplate.spec.template.spec }];
  }
  if (o?.kind === 'PodTemplate' && o.template?.spec) return [{ path: 'template.spec', spec: o.template.spec }];
  if (o?.spec?.template?.spec?.containers) return [{ path: 'spec.template.spec', spec: o.spec.template.spec }];
  return [];
}
