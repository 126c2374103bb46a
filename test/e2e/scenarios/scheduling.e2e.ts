/**
 * Scenario d: the real scheduler places a privileged runner's build pods on its tainted pool's
 * nodes only, and nothing else ever lands there.
 */
import { stringify } from 'yaml';
import { asList } from '../cluster';
import { buildPod, expectedPodCount, namespacesOf, runnerEntries, waitForScheduledPods, withAppliedOutput } from '../stack';

describe('d. scheduling', () => {
  test('privileged build pods land only on the pool; no other pod does', async () => {
    // GIVEN the reference stack applied on one ordinary node and the pool's nodes
    await withAppliedOutput('scheduling', 'dist', async (cluster, objects) => {
      const runners = runnerEntries(objects);
      const namespaces = namespacesOf(objects);
      await waitForScheduledPods(cluster, expectedPodCount(objects), namespaces);

      // WHEN each runner's executor creates four build pods
      const pods = runners.flatMap((r) => [0, 1, 2, 3].map((i) => buildPod(r, `${r.name}-build-${i}`)));
      cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-'], asList(pods));
      const all = await waitForScheduledPods(cluster, expectedPodCount(objects) + pods.length, namespaces);

      // THEN privileged runners' pods are all on pool nodes, and every other pod on ordinary nodes
      const node = (name: string) => all.find((p) => p.metadata.name === name)!.spec.nodeName as string;
      for (const r of runners) {
        for (const i of [0, 1, 2, 3]) {
          expect([`${r.name}-build-${i}`, node(`${r.name}-build-${i}`).startsWith('pool-')]).toEqual([`${r.name}-build-${i}`, !!r.kubernetes.privileged]);
        }
      }
      const onPool = all.filter((p) => p.spec.nodeName.startsWith('pool-')).map((p) => p.metadata.name).sort();
      expect(onPool).toEqual(runners.filter((r) => r.kubernetes.privileged).flatMap((r) => [0, 1, 2, 3].map((i) => `${r.name}-build-${i}`)).sort());
      expect(onPool.length).toBeGreaterThan(0);

      // AND a pod that selects the pool without tolerating its taint stays unscheduled (the taint is real)
      const dind = runners.find((r) => r.kubernetes.privileged)!;
      const untolerated = buildPod(dind, 'untolerated');
      untolerated.spec.tolerations = [];
      cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-'], stringify(untolerated));
      await cluster.waitFor('the scheduler to report untolerated as unschedulable', () => {
        const pod = cluster.list('pods', '-n', dind.kubernetes.namespace).find((p) => p.metadata.name === 'untolerated');
        return !!pod?.status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
      }, 30_000);
    });
  });
});
