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

describe('availability', () => {
  test('two manager replicas under one disruption budget, with the pod options as written', async () => {
    // GIVEN the chart rendered with two replicas and pod options, on a fresh cluster
    const values = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'e2e-values-')), 'values.yaml');
    fs.writeFileSync(values, stringify(VALUES));
    const text = require('child_process').execFileSync(helmBinary(), ['template', 'e2e', chart, '-f', values]).toString();
    const objects = decode(text);
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
});
