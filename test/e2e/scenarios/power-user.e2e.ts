/**
 * Scenario i: power user. examples/power-user applied; a build pod made as the executor makes it
 * for a job that picks the job service account and a team node selector (each checked against
 * the runner's overwrite pattern as the runner checks it), with the runner's pod_spec patches
 * applied in order. The API server (Pod Security "baseline" in the build namespace, the
 * ServiceAccount admission) admits it, and the patch and the overrides are in the stored pod; a
 * patch the synth would refuse (hostNetwork) is refused by Pod Security admission too.
 */
import { applyPatch, Operation } from 'fast-json-patch';
import { stringify } from 'yaml';
import { buildPod, runnerEntries, withAppliedOutput } from '../stack';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mergePatch: { apply(target: unknown, patch: unknown): unknown } = require('json-merge-patch');

/** The executor's pod_spec step: each patch in order, json or merge (the example uses no strategic patch). */
function patched(spec: any, patches: Array<{ patch: string; patch_type: string }>): any {
  return patches.reduce((s, p) => (p.patch_type === 'json'
    ? applyPatch(JSON.parse(JSON.stringify(s)), JSON.parse(p.patch) as Operation[], true, false).newDocument
    : mergePatch.apply(JSON.parse(JSON.stringify(s)), JSON.parse(p.patch))), spec);
}

describe('i. power user', () => {
  test('a pod_spec patch and job overrides reach the build pod, which Pod Security admits', async () => {
    // GIVEN examples/power-user applied
    await withAppliedOutput('power-user', 'examples/power-user/dist', async (cluster, objects) => {
      const runner = runnerEntries(objects).find((r) => r.name === 'default')!;
      const k = runner.kubernetes;
      const kubectl = `${process.env.E2E_BIN}/kubectl`;
      const create = (pod: object) => cluster.exec(kubectl, ['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-'], stringify(pod));

      // WHEN a job asks for the job service account and a team node selector, within the runner's patterns
      const job = { serviceAccount: 'ci-deployer', nodeSelector: 'team=payments' };
      expect(new RegExp(k.service_account_overwrite_allowed).test(job.serviceAccount)).toBe(true);
      expect(new RegExp(k.node_selector_overwrite_allowed).test(job.nodeSelector)).toBe(true);
      // (and the pool's taint is outside the toleration pattern, as the synth made sure)
      expect(new RegExp(k.node_tolerations_overwrite_allowed).test('dedicated=gitlab-privileged-builds:NoSchedule')).toBe(false);
      const pod = buildPod(runner, 'power-build-0');
      pod.spec.serviceAccountName = job.serviceAccount;
      pod.spec.nodeSelector = { ...pod.spec.nodeSelector, team: 'payments' };
      pod.spec = patched(pod.spec, k.pod_spec);
      const created = create(pod);

      // THEN the API server admits it, and the stored pod carries the patches and the overrides
      expect([created.status, created.stderr]).toEqual([0, '']);
      const stored = JSON.parse(cluster.kubectlOk('-n', k.namespace, 'get', 'pod', 'power-build-0', '-o', 'json'));
      expect(stored.spec.hostname).toBe('ci-build');
      expect(stored.spec.tolerations).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'team', operator: 'Equal', value: 'ci', effect: 'NoSchedule' })]));
      expect(stored.spec.serviceAccountName).toBe('ci-deployer');
      expect(stored.spec.nodeSelector).toEqual({ team: 'payments' });

      // AND a patch adding hostNetwork, which the synth refuses, is refused by the namespace's Pod Security too
      const hostNetwork = buildPod(runner, 'power-build-host-network');
      hostNetwork.spec = patched(hostNetwork.spec, [{ patch_type: 'merge', patch: JSON.stringify({ hostNetwork: true }) }]);
      const refused = create(hostNetwork);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('violates PodSecurity "baseline');
    });
  });
});
