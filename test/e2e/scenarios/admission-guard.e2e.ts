/**
 * Scenario c: the privileged pool's ValidatingAdmissionPolicy, evaluated by the real API server's
 * CEL: only the privileged build namespace may tolerate the pool's taint.
 */
import { stringify } from 'yaml';
import { KubeObject, LocalCluster } from '../cluster';
import { buildPod, runnerEntries, tolerations, withAppliedOutput } from '../stack';

function create(cluster: LocalCluster, pod: KubeObject, dryRun = false) {
  return cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'create', ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], stringify(pod));
}

describe('c. admission guard', () => {
  test('a pod outside the privileged build namespace that tolerates the pool is rejected; DinD build pods are admitted', async () => {
    // GIVEN the reference stack applied, with its privileged runner and its pool's guard
    await withAppliedOutput('guard', 'dist', async (cluster, objects) => {
      const runners = runnerEntries(objects);
      const dind = runners.find((r) => r.kubernetes.privileged)!;
      const plain = runners.find((r) => !r.kubernetes.privileged)!;
      const guard = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy')!;
      const taint = objects.find((o) => o.kind === 'NodePool')!.spec.template.spec.taints[0];
      // An unprivileged build pod (its namespace's PodSecurity level admits it) that also tolerates the pool.
      const smuggled = buildPod(plain, 'smuggled');
      smuggled.spec.tolerations = tolerations(dind);
      // The policy takes effect once the API server has loaded it: wait until a dry run is denied.
      await cluster.waitFor('the guard to be in force', () => create(cluster, smuggled, true).status !== 0, 30_000);

      // WHEN a DinD-shaped pod is created in the unprivileged build namespace, THEN the guard denies it
      const denied = create(cluster, smuggled);
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toContain(`ValidatingAdmissionPolicy '${guard.metadata.name}'`);
      expect(denied.stderr).toContain('may not tolerate the taint');

      // AND a blanket toleration (operator Exists, no key) is denied in any other namespace
      const blanket: KubeObject = { ...buildPod(plain, 'blanket'), metadata: { name: 'blanket', namespace: 'default' } };
      blanket.spec.tolerations = [{ operator: 'Exists' }];
      blanket.spec.serviceAccountName = 'default';
      expect(create(cluster, blanket).stderr).toContain('may not tolerate the taint');

      // AND adding the toleration to a running pod by an update is denied too
      const later = { ...buildPod(plain, 'later') };
      expect(create(cluster, later)).toMatchObject({ status: 0 });
      const patch = cluster.kubectl('-n', plain.kubernetes.namespace, 'patch', 'pod', 'later', '--type=json',
        '-p', JSON.stringify([{ op: 'add', path: '/spec/tolerations/-', value: { key: taint.key, operator: 'Exists', effect: taint.effect } }]));
      expect(patch.stderr).toContain('may not tolerate the taint');

      // WHEN the runner's own build pod is created in the privileged build namespace, THEN it is admitted
      // (negative control: the guard does not deny everything)
      expect(create(cluster, buildPod(dind, 'dind-build'))).toMatchObject({ status: 0 });
      expect(create(cluster, buildPod(plain, 'plain-build'))).toMatchObject({ status: 0 });
    });
  });
});
