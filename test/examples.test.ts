import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as dindKarpenter from '../examples/dind-karpenter/main';
import * as gke from '../examples/gke/main';
import * as minimal from '../examples/minimal/main';
import * as powerUser from '../examples/power-user/main';
import * as production from '../examples/production/main';
import { Values } from '../src';
import { readManifests, validateManifests } from '../src/validation';
import { tmpdir, readTree } from './helpers';

// Every example in examples/ is synthesized in-process, compared byte for byte with its
// committed dist/ (regenerate with `npm run examples`), and validated like `npm run validate`.

const root = path.join(__dirname, '..');
const crdFiles = [path.join(root, 'crds', 'karpenter.sh_nodepools.yaml')];
const examples: Record<string, { build: (app: App) => unknown; synth: (outdir: string) => unknown }> = {
  'minimal': minimal,
  'dind-karpenter': dindKarpenter,
  'gke': gke,
  'power-user': powerUser,
  'production': production,
};

test('every folder of examples/ with a main.ts is tested here', () => {
  const folders = fs.readdirSync(path.join(root, 'examples')).filter((d) => fs.existsSync(path.join(root, 'examples', d, 'main.ts')));
  expect(folders.sort()).toEqual(Object.keys(examples).sort());
});

describe.each(Object.entries(examples))('examples/%s', (name, example) => {
  const out = tmpdir(`example-${name}-`);
  beforeAll(() => { example.synth(out); });

  test('WHEN synthesized in-process THEN its committed dist/ is byte-identical (regenerate with `npm run examples`)', () => {
    expect(readTree(out)).toEqual(readTree(path.join(root, 'examples', name, 'dist')));
  });

  test('THEN every object passes the project\'s validation with no violation', () => {
    const objects = readManifests([out]);
    expect(objects.length).toBeGreaterThan(0);
    const violations = validateManifests(objects, { crdFiles }).filter((f) => !f.accepted);
    expect(violations.map((f) => `${f.rule} ${f.object} ${f.path ?? ''}: ${f.message}`)).toEqual([]);
  });

  test('THEN it declares no Helm value (several examples share one process)', () => {
    const app = new App({ outdir: tmpdir() });
    example.build(app);
    expect(Values.of(app).all()).toEqual([]);
  });
});

// issue 13: examples/production is the one stack that uses every production prop at once.
describe('examples/production holds every production concern', () => {
  const objects = readManifests([path.join(root, 'examples', 'production', 'dist')]) as any[];
  const find = (kind: string, name: string, namespace?: string) => {
    const o = objects.find((x) => x.kind === kind && x.metadata.name === name && x.metadata.namespace === namespace);
    if (!o) throw new Error(`no ${kind} ${namespace ?? ''}/${name} in examples/production/dist`);
    return o;
  };
  const manager = find('StatefulSet', 'gitlab-runner', 'gitlab-runner');
  const minio = find('StatefulSet', 'minio', 'gitlab-runner-cache');
  const job = objects.find((o) => o.kind === 'Job')!;
  const config = find('ConfigMap', 'gitlab-runner', 'gitlab-runner').data['config.template.toml'] as string;

  test('THEN two manager replicas spread over nodes, with a disruption budget, drain for 3 hours on SIGQUIT', () => {
    expect(manager.spec.replicas).toBe(2);
    expect(manager.spec.template.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname' });
    expect(find('PodDisruptionBudget', 'gitlab-runner', 'gitlab-runner').spec.maxUnavailable).toBe(1);
    expect(manager.spec.template.spec.terminationGracePeriodSeconds).toBe(3 * 3600);
    expect(manager.spec.template.spec.containers[0].lifecycle.preStop.exec.command.join(' ')).toContain('kill -QUIT');
  });

  test('THEN the private CA is trusted by the manager (tls-ca-file) and by build pods', () => {
    expect(config).toContain('tls-ca-file = "/etc/gitlab-runner-ca/ca.crt"');
    expect(config.match(/\[\[runners\.kubernetes\.volumes\.config_map\]\]\nname = "corp-ca"/g)).toHaveLength(2);
  });

  test('THEN the proxy is set on the manager, passed to jobs, and opened at its address only', () => {
    const env = manager.spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(env).toEqual(expect.arrayContaining(['HTTPS_PROXY', 'NO_PROXY']));
    expect(config).toContain('"HTTPS_PROXY=http://proxy.corp.example:3128"');
    expect(find('NetworkPolicy', 'gitlab-runner-proxy', 'gitlab-runner').spec.egress).toEqual([
      { ports: [{ port: 3128, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.20.30.40/32' } }] }]);
  });

  test('THEN the manager and MinIO run on the system pool with the PriorityClass, and every workload pulls with the mirror\'s Secret', () => {
    find('PriorityClass', 'gitlab-runner-critical');
    for (const w of [manager, minio]) {
      expect(w.spec.template.spec).toMatchObject({
        nodeSelector: { 'example.com/pool': 'ci-system' },
        tolerations: [{ key: 'example.com/pool', value: 'ci-system', effect: 'NoSchedule' }],
        priorityClassName: 'gitlab-runner-critical',
      });
    }
    for (const w of [manager, minio, job]) expect(w.spec.template.spec.imagePullSecrets).toEqual([{ name: 'registry-mirror' }]);
  });

  test('THEN monitoring has a PodMonitor, a scrape NetworkPolicy and alerts for the manager and for MinIO', () => {
    for (const [name, ns] of [['gitlab-runner', 'gitlab-runner'], ['minio', 'gitlab-runner-cache']]) {
      find('PodMonitor', name, ns);
      find('NetworkPolicy', `${name}-metrics-scrape`, ns);
      expect(find('PrometheusRule', `${name}-alerts`, ns).spec.groups[0].rules.length).toBeGreaterThan(0);
    }
  });

  test('THEN MinIO is distributed over TLS from a cert-manager Certificate, and runners use it without Insecure', () => {
    expect(minio.spec.replicas).toBe(4);
    expect(minio.spec.template.spec.containers[0].args.at(-1)).toMatch(/^https:\/\/minio-\{0\.\.\.3\}/);
    expect(find('Certificate', 'minio', 'gitlab-runner-cache').spec.secretName).toBe('minio-tls');
    expect(config.match(/Insecure = false/g)).toHaveLength(2);
  });

  test('THEN the DinD runner\'s privileged build pods select and tolerate the tainted pool, guarded in the cluster', () => {
    expect(config).toContain('privileged = true');
    expect(config).toContain('[runners.kubernetes.node_tolerations]\n"dedicated=gitlab-privileged-builds" = "NoSchedule"');
    find('ValidatingAdmissionPolicy', 'gitlab-privileged-builds-guard');
  });
});
