/**
 * Scenario d: the real scheduler places a privileged runner's build pods on its tainted pool's
 * nodes only, and nothing else ever lands there. And a runner tolerating one taint with two
 * effects (issue 12: node_tolerations holds one effect per key=value, the library adds a pod_spec
 * JSON patch) gets build pods with both tolerations, which the scheduler places on nodes tainted
 * with both effects; without the patch the pod would stay pending.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { applyPatch, Operation } from 'fast-json-patch';
import { GitLabRunnerManager } from '../../../src';
import { asList, LocalCluster } from '../cluster';
import {
  buildPod, expectedPodCount, namespacesOf, readOutput, runnerEntries, stubCrdsFor, tolerations, vendoredCrds,
  waitForScheduledPods, withAppliedOutput,
} from '../stack';

const GPU_TAINTS = [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'gpu', value: 'yes', effect: 'NoExecute' }];

/** A manager whose one runner selects the gpu nodes and tolerates their taint with both effects, synthesized to YAML. */
function twoEffectStack(): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-two-effects-'));
  const app = new App({ outdir, recordConstructMetadata: false });
  const chart = new Chart(app, 'two-effects');
  new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' }).addRunner('gpu', {
    token: { secretName: 'gitlab-runner-token' },
    nodeSelector: { pool: 'gpu' },
    tolerations: [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }, { key: 'gpu', value: 'yes', effect: 'NoExecute' }],
  });
  app.synth();
  return outdir;
}

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
      cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-'], JSON.stringify(untolerated));
      await cluster.waitFor('the scheduler to report untolerated as unschedulable', () => {
        const pod = cluster.list('pods', '-n', dind.kubernetes.namespace).find((p) => p.metadata.name === 'untolerated');
        return !!pod?.status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
      }, 30_000);
    });
  });

  test('a taint tolerated with two effects: both tolerations reach the build pod, which schedules on nodes tainted with both', async () => {
    // GIVEN the runner's config.toml: one node_tolerations entry, and the exact list as a pod_spec JSON patch the flag turns on
    const { text, objects } = readOutput(twoEffectStack());
    const runner = runnerEntries(objects)[0];
    const k = runner.kubernetes;
    expect(k.node_tolerations).toEqual({ 'gpu=yes': 'NoSchedule' });
    expect(k.pod_spec.map((p: any) => [p.name, p.patch_type])).toEqual([['cdk8s-gitlab-runner-tolerations', 'json']]);
    expect(runner.feature_flags).toEqual({ FF_USE_ADVANCED_POD_SPEC_CONFIGURATION: true });

    // AND a cluster with an ordinary node and two gpu nodes tainted NoSchedule and NoExecute,
    // written here rather than derived from the runner, so a lost toleration cannot hide itself
    const cluster = await LocalCluster.start('two-effects');
    try {
      cluster.apply(`${vendoredCrds()}\n---\n${stubCrdsFor(objects)}`);
      await cluster.addNodes([
        { name: 'ordinary-0' },
        ...[0, 1].map((i) => ({ name: `gpu-${i}`, labels: { pool: 'gpu' }, taints: GPU_TAINTS })),
      ]);
      cluster.apply(text);
      const namespaces = namespacesOf(objects);
      const base = expectedPodCount(objects);
      await waitForScheduledPods(cluster, base, namespaces);

      // WHEN the executor makes a build pod: tolerations from node_tolerations, then the pod_spec patch applied
      const kubectl = `${process.env.E2E_BIN}/kubectl`;
      // JSON, not YAML: the yaml library writes the taint value yes unquoted, which kubectl (YAML 1.1) reads as a boolean
      const create = (pod: object) => cluster.exec(kubectl, ['--kubeconfig', cluster.kubeconfig, 'create', '-f', '-'], JSON.stringify(pod));
      const pod = buildPod(runner, 'gpu-build-0');
      pod.spec.tolerations = tolerations({ ...runner, feature_flags: {} });
      for (const p of k.pod_spec) pod.spec = applyPatch(JSON.parse(JSON.stringify(pod.spec)), JSON.parse(p.patch) as Operation[], true, false).newDocument;
      expect(pod.spec.tolerations).toEqual(buildPod(runner, 'x').spec.tolerations);
      const created = create(pod);
      expect({ status: created.status, stderr: created.stderr.trim() }).toEqual({ status: 0, stderr: '' });

      // THEN the API server stores both tolerations, and the scheduler places the pod on a gpu node
      const stored = JSON.parse(cluster.kubectlOk('-n', k.namespace, 'get', 'pod', 'gpu-build-0', '-o', 'json'));
      expect(stored.spec.tolerations).toEqual(expect.arrayContaining(GPU_TAINTS.map((t) => ({ ...t, operator: 'Equal' }))));
      const all = await waitForScheduledPods(cluster, base + 1, namespaces);
      expect(all.find((p) => p.metadata.name === 'gpu-build-0')!.spec.nodeName).toMatch(/^gpu-/);

      // AND without the patch (node_tolerations alone: NoSchedule only) the NoExecute taint keeps the pod off the gpu nodes
      const unpatched = buildPod(runner, 'gpu-build-unpatched');
      unpatched.spec.tolerations = tolerations({ ...runner, feature_flags: {} });
      const createdUnpatched = create(unpatched);
      expect({ status: createdUnpatched.status, stderr: createdUnpatched.stderr.trim() }).toEqual({ status: 0, stderr: '' });
      await cluster.waitFor('the scheduler to report gpu-build-unpatched as unschedulable', () => {
        const found = cluster.list('pods', '-n', k.namespace).find((p) => p.metadata.name === 'gpu-build-unpatched');
        return !!found?.status?.conditions?.some((c: any) => c.type === 'PodScheduled' && c.reason === 'Unschedulable');
      }, 30_000);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${cluster.logTail(5)}`);
    } finally {
      await cluster.stop();
    }
  });
});
