import { IConstruct } from 'constructs';
import { PodToleration } from './tolerations';

// The contract between runners (src/runner/) and tainted node pools (src/nodepool/): a runner
// needs where its build pods go, not the pool class, and a pool needs which constructs give
// build pods tolerations, not the runner class. Neither folder imports the other.

/** A validated taint, effect in the Kubernetes spelling. */
export interface ResolvedTaint {
  /** Taint key. */
  readonly key: string;
  /** Taint value. */
  readonly value: string;
  /** Taint effect, in the Kubernetes spelling. */
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** The label build pods select a node pool by. */
export interface NodeLabel {
  /** Label key. Not under `kubernetes.io/` or `k8s.io/`. */
  readonly key: string;
  /** Label value. */
  readonly value: string;
}

/** Build pods whose tolerations a node pool checks (a runner). */
export interface IBuildPodPlacer extends IConstruct {
  /** Namespace of the build pods. */
  readonly buildNamespace: string;
  /** The tolerations the build pods get, as the runner builds the pod from config.toml. */
  buildPodTolerations(): PodToleration[];
}

/**
 * Where privileged build pods may run: a tainted node pool, as a runner sees it. Implemented by
 * every `TaintedNodePool`.
 */
export interface INodePlacement extends IConstruct {
  /** The taint every node of the pool carries. */
  readonly taint: ResolvedTaint;
  /** The label every node of the pool carries. */
  readonly nodeLabel: NodeLabel;
  /** The `node_selector` entry build pods on this pool need. */
  readonly nodeSelector: Record<string, string>;
  /** Called by a runner whose build pods may tolerate the taint. */
  bindRunner(runner: IBuildPodPlacer): void;
}

const PLACERS = Symbol.for('cdk8s-gitlab-runner.BuildPodPlacer');

/** Marks a construct whose build pods node pools must check (called by the runner itself). */
export function registerBuildPodPlacer(placer: IBuildPodPlacer): void {
  Object.defineProperty(placer, PLACERS, { value: true });
}

/** Whether `c` was registered with {@link registerBuildPodPlacer}. */
export function isBuildPodPlacer(c: unknown): c is IBuildPodPlacer {
  return typeof c === 'object' && c !== null && (c as any)[PLACERS] === true;
}

const PLACEMENTS = Symbol.for('cdk8s-gitlab-runner.NodePlacement');

/** Marks a construct as a tainted node pool (called by the pool itself). */
export function registerNodePlacement(placement: INodePlacement): void {
  Object.defineProperty(placement, PLACEMENTS, { value: true });
}

/** Whether `c` was registered with {@link registerNodePlacement}: how other folders find pools without importing them. */
export function isNodePlacement(c: unknown): c is INodePlacement {
  return typeof c === 'object' && c !== null && (c as any)[PLACEMENTS] === true;
}
