import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import YAML from 'yaml';
import { ReferenceStack } from '../src/main';
import { K8sObject, managerStack } from './helpers';
import { KARPENTER_CRD, validateObject, validateSchema } from './schema';

describe('Kubernetes schema (kubernetes-models)', () => {
  test('GIVEN the reference stack THEN every object validates', () => {
    const objects = Testing.synth(new ReferenceStack(Testing.app(), 'ref')) as K8sObject[];
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect(() => validateObject(o)).not.toThrow();
  });

  test('GIVEN every optional part switched on and options set THEN every object validates', () => {
    const { objects } = managerStack({ replicas: 3, concurrent: 50 }, {
      buildNamespace: 'ci', nodeSelector: { pool: 'ci' }, tolerations: [{ key: 'ci', effect: 'NoSchedule' }],
    });
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
  });

  test('GIVEN an object the API server would reject THEN the validator rejects it (the check can fail)', () => {
    const { objects } = managerStack();
    const sts = structuredClone(objects.find((o) => o.kind === 'StatefulSet')!);
    sts.spec.replicas = 'one';
    expect(() => validateSchema(sts)).toThrow(/replicas/);
    const role = structuredClone(objects.find((o) => o.kind === 'Role')!);
    delete role.rules[0].verbs;
    expect(() => validateSchema(role)).toThrow(/verbs/);
  });
});

describe('Karpenter CRD (crds/, vendored)', () => {
  const shared = path.join(__dirname, '..', '..', 'shared', 'crds', 'karpenter.sh_nodepools.yaml');

  // CI clones the repository with shared/ beside it; elsewhere the copy stands alone.
  (fs.existsSync(shared) ? test : test.skip)('THEN the vendored copy is byte-identical to ../shared/crds', () => {
    expect(fs.readFileSync(KARPENTER_CRD, 'utf8')).toBe(fs.readFileSync(shared, 'utf8'));
  });

  test('THEN cdk8s.yaml imports it, so `npx cdk8s import` regenerates imports/karpenter.sh.ts from it', () => {
    const config = YAML.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk8s.yaml'), 'utf8'));
    expect(config.imports).toContain('crds/karpenter.sh_nodepools.yaml');
    expect(fs.readFileSync(path.join(__dirname, '..', 'imports', 'karpenter.sh.ts'), 'utf8')).toContain("apiVersion: 'karpenter.sh/v1'");
  });
});

describe('prometheus-operator and cert-manager CRDs (crds/, vendored by scripts/vendor-crds.sh)', () => {
  const root = path.join(__dirname, '..');
  const config = YAML.parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
  // Each CRD file, the binding `cdk8s import` writes from it, and the kind the binding emits.
  const vendored: Array<[string, string, string]> = [
    ['podmonitors:=crds/monitoring.coreos.com_podmonitors.yaml', 'podmonitors-monitoring.coreos.com.ts', "kind: 'PodMonitor'"],
    ['servicemonitors:=crds/monitoring.coreos.com_servicemonitors.yaml', 'servicemonitors-monitoring.coreos.com.ts', "kind: 'ServiceMonitor'"],
    ['prometheusrules:=crds/monitoring.coreos.com_prometheusrules.yaml', 'prometheusrules-monitoring.coreos.com.ts', "kind: 'PrometheusRule'"],
    ['crds/cert-manager.io_certificates.yaml', 'cert-manager.io.ts', "kind: 'Certificate'"],
  ];

  test.each(vendored)('THEN cdk8s.yaml imports %s and imports/%s is its binding', (entry, binding, kind) => {
    expect(config.imports).toContain(entry);
    const crd = YAML.parse(fs.readFileSync(path.join(root, entry.replace(/^.*:=/, '')), 'utf8'));
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(fs.readFileSync(path.join(root, 'imports', binding), 'utf8')).toContain(kind);
  });

  test('THEN a Go pattern with a case-insensitive flag group is checked as Go checks it (the check can fail)', () => {
    const rule = (strategy: string) => ({
      apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'n' },
      spec: { groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'A', expr: 'up == 0' }] }] },
    }) as K8sObject;
    expect(() => validateObject(rule('Warn'))).not.toThrow();
    expect(() => validateObject(rule('ABORT'))).not.toThrow();
    expect(() => validateObject(rule('ignore'))).toThrow(/partial_response_strategy must match pattern/);
  });

  test('THEN every CRD file in crds/ is either shared (Karpenter) or fetched by scripts/vendor-crds.sh at a pinned version', () => {
    const script = fs.readFileSync(path.join(root, 'scripts', 'vendor-crds.sh'), 'utf8');
    expect(script).toMatch(/^PROMETHEUS_OPERATOR_VERSION=v\d+\.\d+\.\d+$/m);
    expect(script).toMatch(/^CERT_MANAGER_VERSION=v\d+\.\d+\.\d+$/m);
    const files = fs.readdirSync(path.join(root, 'crds')).sort();
    const fetched = files.filter((f) => f !== 'karpenter.sh_nodepools.yaml');
    expect(fetched).toEqual(vendored.map(([e]) => e.replace(/^.*crds\//, '')).sort());
    for (const f of fetched) expect(script).toContain(f.startsWith('monitoring.coreos.com_') ? f.replace(/^monitoring\.coreos\.com_(\w+)\.yaml$/, '$1') : f);
  });
});
