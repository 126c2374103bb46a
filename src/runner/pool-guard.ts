import { IConstruct } from 'constructs';
import { validationMessage } from '../common/errors';
import { isNodePlacement } from '../common/placement';
import { toleratesTaint } from '../common/tolerations';
import { KubernetesExecutorToml } from './config/model';
import { tolerationsOf } from './overwrites';

// Synth-time guard rails for what a runner's jobs and pod_spec patches can do to node-pool
// isolation: a job override pattern or a patched build pod must not let build pods tolerate a
// privileged pool's taint the runner is not bound to, select such a pool, or (for a runner bound
// to a pool) leave it. Checked at synth, when every pool of the App exists.

/** Messages for every way `k` (and the patched pod spec) breaks pool isolation; empty when none. */
export function poolIsolationErrors(scope: IConstruct, k: KubernetesExecutorToml, bound: readonly IConstruct[], patchedSpec: Record<string, any> | undefined): string[] {
  const errors: string[] = [];
  const pools = scope.node.root.node.findAll().filter(isNodePlacement);
  const tol = k.node_tolerations_overwrite_allowed;
  const sel = k.node_selector_overwrite_allowed;
  for (const pool of pools) {
    const taint = `${pool.taint.key}=${pool.taint.value}:${pool.taint.effect}`;
    const label = `${pool.nodeLabel.key}=${pool.nodeLabel.value}`;
    if (!bound.includes(pool)) {
      if (tol !== undefined) {
        const example = tolerationsOf(pool.taint).find((s) => new RegExp(tol).test(s));
        if (example !== undefined) {
          errors.push(validationMessage('jobOverrides.tolerations', tol,
            `would let a job tolerate the taint ${taint} of node pool ${pool.node.path}, which runs privileged builds, e.g. KUBERNETES_NODE_TOLERATIONS_1=${JSON.stringify(example)}; anchor the pattern (^…$) to the taints jobs may tolerate`));
        }
      }
      if (sel !== undefined && new RegExp(sel).test(label)) {
        errors.push(validationMessage('jobOverrides.nodeSelector', sel,
          `would let a job select the nodes of node pool ${pool.node.path}, which runs privileged builds, e.g. KUBERNETES_NODE_SELECTOR_1=${JSON.stringify(label)}; anchor the pattern (^…$) to the labels jobs may select`));
      }
      (patchedSpec?.tolerations ?? []).forEach((t: any, i: number) => {
        if (t !== null && typeof t === 'object' && toleratesTaint(t, pool.taint)) {
          errors.push(validationMessage(`podSpecPatches (spec.tolerations[${i}])`, t,
            `tolerates the taint ${taint} of node pool ${pool.node.path}, which runs privileged builds; only runners bound to the pool (nodePools) may`));
        }
      });
    } else {
      // A bound runner's build pods are privileged: they must stay on the pool.
      const elsewhere = [`${pool.nodeLabel.key}=`, `${pool.nodeLabel.key}=other`, `${pool.nodeLabel.key}=${pool.nodeLabel.value}-other`];
      const example = sel === undefined ? undefined : elsewhere.find((s) => new RegExp(sel).test(s));
      if (example !== undefined) {
        errors.push(validationMessage('jobOverrides.nodeSelector', sel,
          `would let a job move this runner's privileged build pods off node pool ${pool.node.path}, e.g. KUBERNETES_NODE_SELECTOR_1=${JSON.stringify(example)}; leave ${pool.nodeLabel.key} out of the pattern`));
      }
      if (patchedSpec && patchedSpec.nodeSelector?.[pool.nodeLabel.key] !== pool.nodeLabel.value) {
        errors.push(validationMessage('podSpecPatches (spec.nodeSelector)', patchedSpec.nodeSelector ?? null,
          `must keep ${label}: this runner's privileged build pods must stay on node pool ${pool.node.path}`));
      }
      if (patchedSpec?.nodeName !== undefined) {
        errors.push(validationMessage('podSpecPatches (spec.nodeName)', patchedSpec.nodeName,
          `must not be set: it bypasses the scheduler and would place privileged build pods off node pool ${pool.node.path}`));
      }
    }
  }
  return errors;
}
