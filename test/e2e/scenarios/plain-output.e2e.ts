/**
 * Scenario a: every plain output (the reference stack's dist/ and each example's dist/) applied
 * to a real control plane by server-side apply, as Argo CD or Flux would.
 */
import * as fs from 'fs';
import * as path from 'path';
import { expectedPodCount, namespacesOf, repoRoot, waitForScheduledPods, withAppliedOutput } from '../stack';

const outputs = [
  'dist',
  ...fs.readdirSync(path.join(repoRoot, 'examples')).map((e) => path.join('examples', e, 'dist')).filter((d) => fs.existsSync(path.join(repoRoot, d))),
];

describe('a. plain output', () => {
  test.each(outputs)('%s: every object accepted, every pod admitted without PodSecurity warnings and scheduled', async (dir) => {
    // GIVEN a fresh cluster with the nodes and CRDs the output expects, WHEN the output is applied
    await withAppliedOutput(path.basename(path.dirname(dir)) || 'dist', dir, async (cluster, objects, warnings) => {
      // THEN every object is stored as written
      for (const o of objects) {
        const ns = o.metadata.namespace ? ['-n', o.metadata.namespace] : [];
        const kind = o.apiVersion.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind;
        expect(cluster.kubectl('get', ...ns, kind, o.metadata.name, '-o', 'name')).toMatchObject({ status: 0 });
      }
      // AND no object draws a warning (PodSecurity "would violate", deprecated APIs, ...)
      expect(warnings.trim()).toBe('');
      // AND the controllers make every pod, each admitted by its namespace's PodSecurity level and scheduled
      const namespaces = namespacesOf(objects);
      const pods = await waitForScheduledPods(cluster, expectedPodCount(objects), namespaces);
      expect(pods.length).toBe(expectedPodCount(objects));
      // AND none of them lands on a tainted pool node
      expect(pods.filter((p) => p.spec.nodeName.startsWith('pool-')).map((p) => p.metadata.name)).toEqual([]);
      // AND pods placed by a nodeSelector (a manager or MinIO on a system pool) run on the nodes it
      // selects, tainted as they tolerate, and a priorityClassName resolves to its PriorityClass's value
      const placed = pods.filter((p) => Object.keys(p.spec.nodeSelector ?? {}).length);
      expect(placed.filter((p) => !p.spec.nodeName.startsWith('placed-')).map((p) => `${p.metadata.name} on ${p.spec.nodeName}`)).toEqual([]);
      expect(pods.filter((p) => p.spec.priorityClassName && typeof p.spec.priority !== 'number').map((p) => p.metadata.name)).toEqual([]);

      // Negative control: a workload that breaks its namespace's level does draw the warning checked above
      const restricted = objects.find((o) => o.kind === 'Namespace' && o.metadata.labels?.['pod-security.kubernetes.io/warn'] === 'restricted')!;
      const rogue = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'rogue', namespace: restricted.metadata.name },
        spec: { selector: { matchLabels: { app: 'rogue' } }, template: { metadata: { labels: { app: 'rogue' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } } } };
      expect(cluster.apply(JSON.stringify(rogue))).toContain('would violate PodSecurity "restricted:latest"');
    });
  });
});
