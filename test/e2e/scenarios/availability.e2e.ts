/**
 * Scenario: the chart with two manager replicas and the pod options a Helm user sets, applied to
 * a real control plane: the pods are admitted (Pod Security "restricted") and scheduled with the
 * options as written, and the disruption controller counts both replicas under the manager's
 * PodDisruptionBudget.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { helmBinary } from '../../helm';
import { clusterFor, decode, expectedPodCount, namespacesOf, repoRoot, waitForScheduledPods } from '../stack';

const chart = path.join(repoRoot, 'charts', 'gitlab-runner-stack');
const VALUES = {
  manager: {
    replicas: 2,
    podLabels: { team: 'ci' },
    podAnnotations: { 'example.com/owner': 'platform' },
    imagePullSecrets: ['registry-mirror'],
    tolerations: [{ key: 'example.com/system', operator: 'Exists', effect: 'NoSchedule' }],
  },
  cache: { imagePullSecrets: ['registry-mirror'] },
};

/** Renders the chart with a values file and parses it, as the API server would receive it. */
function render(valuesFile: string): { text: string; objects: ReturnType<typeof decode> } {
  const text = require('child_process').execFileSync(helmBinary(), ['template', 'e2e', chart, '-f', valuesFile]).toString();
  return { text, objects: decode(text) };
}

describe('availability', () => {
  test('two manager replicas under one disruption budget, with the pod options as written', async () => {
    // GIVEN the chart rendered with two replicas and pod options, on a fresh cluster
    const values = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'e2e-values-')), 'values.yaml');
    fs.writeFileSync(values, stringify(VALUES));
    const { text, objects } = render(values);
    const cluster = await clusterFor('availability', objects);
    try {
      // WHEN it is applied, THEN no object draws a warning (PodSecurity included)
      expect(cluster.apply(text).trim()).toBe('');
      // AND every pod is made and scheduled
      const pods = await waitForScheduledPods(cluster, expectedPodCount(objects), namespacesOf(objects));
      const managers = pods.filter((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'manager');
      expect(managers.map((p) => p.metadata.name).sort()).toEqual(['gitlab-runner-0', 'gitlab-runner-1']);
      // AND the manager pods carry the options as written
      for (const p of managers) {
        expect(p.metadata.labels?.team).toBe('ci');
        expect(p.metadata.annotations?.['example.com/owner']).toBe('platform');
        expect(p.spec.imagePullSecrets).toEqual([{ name: 'registry-mirror' }]);
        expect(p.spec.tolerations).toEqual(expect.arrayContaining([{ key: 'example.com/system', operator: 'Exists', effect: 'NoSchedule' }]));
      }
      // AND the disruption controller counts both replicas under the manager's budget
      await cluster.waitFor('the budget to select both manager pods', () => {
        const pdb = cluster.list('poddisruptionbudgets', '-n', 'gitlab-runner').find((o) => o.metadata.name === 'gitlab-runner');
        return pdb?.status?.expectedPods === 2;
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${cluster.logTail(5)}`);
    } finally {
      await cluster.stop();
    }
  });

  test('examples/production/helm-values.yaml: every object accepted, every pod admitted and scheduled on the system pool', async () => {
    // GIVEN the chart rendered with the production values of the example, on a fresh cluster with
    // the PriorityClass those values name (a cluster-wide object the chart leaves to the platform)
    const { text, objects } = render(path.join(repoRoot, 'examples', 'production', 'helm-values.yaml'));
    const cluster = await clusterFor('production-values', objects);
    try {
      expect(cluster.apply(JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'gitlab-runner-critical' }, value: 1000000 }))).toBe('');
      // WHEN it is applied, THEN no object draws a warning (PodSecurity included)
      expect(cluster.apply(text).trim()).toBe('');
      // AND every pod is made, admitted and scheduled; the manager's and MinIO's on the system pool's nodes, at the PriorityClass's value
      const pods = await waitForScheduledPods(cluster, expectedPodCount(objects), namespacesOf(objects));
      const placed = pods.filter((p) => p.spec.nodeSelector?.['example.com/pool'] === 'ci-system');
      expect(placed.map((p) => p.metadata.labels?.['app.kubernetes.io/name']).sort()).toEqual(['gitlab-runner', 'gitlab-runner', 'minio']);
      for (const p of placed) {
        expect(p.spec.nodeName).toMatch(/^placed-/);
        expect(p.spec.priority).toBe(1000000);
      }
      // AND the manager runs the CA, the proxy and the extra env the values set
      const manager = placed.find((p) => p.metadata.labels?.['app.kubernetes.io/component'] === 'manager')!;
      expect(manager.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: 'HTTPS_PROXY', value: 'http://proxy.corp.example:3128' }, { name: 'TZ', value: 'Europe/Paris' }]));
      expect(manager.spec.volumes.map((v: any) => v.name)).toContain('ca-bundle');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${cluster.logTail(5)}`);
    } finally {
      await cluster.stop();
    }
  });
});
