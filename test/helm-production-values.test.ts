import * as fs from 'fs';
import * as path from 'path';
import { helm as writeReferenceChart } from '../src/main';
import { validateManifests } from '../src/validation';
import { helm, helmTemplate } from './helm';
import { tmpdir } from './helpers';

// examples/production/helm-values.yaml: the production concerns a Helm user sets on the
// reference chart, rendered by a real helm and held to the project's validation.

const root = path.join(__dirname, '..');
const valuesFile = path.join(root, 'examples', 'production', 'helm-values.yaml');
const crdFiles = ['karpenter.sh_nodepools.yaml', 'monitoring.coreos.com_podmonitors.yaml', 'monitoring.coreos.com_prometheusrules.yaml'].map((f) => path.join(root, 'crds', f));

describe('GIVEN the reference chart and examples/production/helm-values.yaml', () => {
  const chart = tmpdir();
  let objects: any[];
  beforeAll(() => {
    writeReferenceChart(chart);
    objects = helmTemplate(chart, '-f', valuesFile);
  });
  const find = (kind: string, name: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name}`);
    return o;
  };
  const workloads = () => [find('StatefulSet', 'gitlab-runner'), find('Deployment', 'minio'), objects.find((o) => o.kind === 'Job')];

  test('WHEN linted strictly and rendered THEN every object passes the project\'s validation with no violation', () => {
    expect(() => helm('lint', '--strict', chart, '-f', valuesFile)).not.toThrow();
    const violations = validateManifests(objects, { crdFiles }).filter((f) => !f.accepted);
    expect(violations.map((f) => `${f.rule} ${f.object} ${f.path ?? ''}: ${f.message}`)).toEqual([]);
  });

  test('THEN two manager replicas drain gracefully under a disruption budget', () => {
    const spec = find('StatefulSet', 'gitlab-runner').spec;
    expect(spec.replicas).toBe(2);
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(10800);
    expect(find('PodDisruptionBudget', 'gitlab-runner').spec.maxUnavailable).toBe(1);
  });

  test('THEN the manager trusts the CA and reaches GitLab through the proxy, whose port a policy of its own opens at its address', () => {
    const pod = find('StatefulSet', 'gitlab-runner').spec.template.spec;
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'ca-bundle', secret: expect.objectContaining({ secretName: 'corp-ca' }) }));
    expect(pod.containers[0].env).toEqual(expect.arrayContaining([{ name: 'HTTPS_PROXY', value: 'http://proxy.corp.example:3128' }, { name: 'TZ', value: 'Europe/Paris' }]));
    expect(find('NetworkPolicy', 'gitlab-runner-proxy').spec.egress).toEqual([{ ports: [{ port: 3128, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.20.30.40/32' } }] }]);
    const toml = find('ConfigMap', 'gitlab-runner').data['config.template.toml'];
    expect(toml).toContain('tls-ca-file = "/etc/gitlab-runner-ca/ca.crt"');
    // passToJobs: jobs get the proxy too
    expect(toml).toContain('"HTTPS_PROXY=http://proxy.corp.example:3128",');
  });

  test('THEN the manager, MinIO and the provisioning Job run on the system pool and pull every image from the mirror with its Secret', () => {
    for (const w of workloads()) {
      const pod = w.spec.template.spec;
      expect(pod.imagePullSecrets).toEqual([{ name: 'registry-mirror' }]);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) expect(c.image).toMatch(/^registry\.corp\.example\/mirror\//);
    }
    for (const w of workloads().slice(0, 2)) {
      expect(w.spec.template.spec).toMatchObject({ nodeSelector: { 'example.com/pool': 'ci-system' }, priorityClassName: 'gitlab-runner-critical' });
    }
  });

  test('THEN monitoring is on: PodMonitors and PrometheusRules for the manager and MinIO', () => {
    expect(objects.filter((o) => o.kind === 'PodMonitor')).toHaveLength(2);
    expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(2);
  });

  test('THEN every key of the example is a value of the chart: one it lacks fails the render (the negative control of the render above)', () => {
    const misspelt = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(misspelt, fs.readFileSync(valuesFile, 'utf8').replace('  caBundle:', '  caBundel:'));
    expect(() => helmTemplate(chart, '-f', misspelt)).toThrow(/Additional property caBundel is not allowed/);
  });
});
