import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { ReferenceStack } from '../src/main';
import { beyondSchema, Finding, ManifestObject, readManifests, validateManifests } from '../src/validation';
import { tmpdir } from './helpers';

/** A small valid app: restricted namespace, a hardened Deployment and a NetworkPolicy for it. */
function baseline(): ManifestObject[] {
  const labels = { 'app.kubernetes.io/name': 'demo' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'demo', namespace: 'demo', labels },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'app', image: 'example/app:1.2.3', imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
              livenessProbe: { httpGet: { path: '/live', port: 'http' } },
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } },
            }],
          },
        },
      },
    },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'demo', namespace: 'demo' }, spec: { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'] } },
  ] as ManifestObject[];
}

const deployment = (objs: ManifestObject[]): any => objs.find((o) => o.kind === 'Deployment');
const container = (objs: ManifestObject[]): any => deployment(objs).spec.template.spec.containers[0];

/** Adds a privileged Karpenter pool and lets the Deployment tolerate its taint with `toleration`. */
const tolerating = (toleration: object) => (o: ManifestObject[]) => {
  o.push({
    apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'privileged' },
    spec: { template: { spec: {
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
      requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }],
      taints: [{ key: 'ci.gitlab.com/privileged', value: 'true', effect: 'NoSchedule' }],
    } } },
  } as any);
  deployment(o).spec.template.spec.tolerations = [toleration];
};
const TAINT_LEAK = {
  rule: 'privileged-taint-isolation', object: 'Deployment demo/demo', path: 'spec.template.spec.tolerations.0',
  message: 'tolerates the privileged pool taint ci.gitlab.com/privileged=true:NoSchedule outside a privileged namespace',
};

/** [rule, how the fixture breaks it, the exact violations expected] */
const broken: Array<[string, (objs: ManifestObject[]) => void, Partial<Finding> | Array<Partial<Finding>>]> = [
  ['schema', (o) => { deployment(o).spec.replicas = 'two'; },
    { rule: 'schema', object: 'Deployment demo/demo' }],
  ['PSS restricted (Monokle)', (o) => { container(o).securityContext.allowPrivilegeEscalation = true; },
    { rule: 'PSS202', object: 'Deployment demo/demo', path: 'spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation', message: 'Disallow the process from elevating its privileges.' }],
  ['unique-objects', (o) => { o.push(structuredClone(o.find((x) => x.kind === 'NetworkPolicy')!)); },
    { rule: 'unique-objects', object: 'NetworkPolicy demo/demo', message: 'emitted more than once' }],
  ['rbac-no-wildcard', (o) => { o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'r', namespace: 'demo' }, rules: [{ apiGroups: [''], resources: ['*'], verbs: ['get'] }] }); },
    { rule: 'rbac-no-wildcard', object: 'Role demo/r', path: 'rules.0.resources', message: 'wildcard "*" in resources' }],
  ['no-secret-data', (o) => { o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'demo' }, data: { password: 'c2VjcmV0' } }); },
    { rule: 'no-secret-data', object: 'Secret demo/s', path: 'data', message: 'a Secret with data would put credentials in git' }],
  ['no-credential-strings', (o) => { container(o).env = [{ name: 'TOKEN', value: 'glrt-AbCdEfGhIjKlMnOp' }]; },
    { rule: 'no-credential-strings', object: 'Deployment demo/demo', path: 'spec.template.spec.containers.0.env.0.value', message: 'holds what looks like a GitLab token' }],
  ['container-resources', (o) => { delete container(o).resources.limits.cpu; },
    { rule: 'container-resources', object: 'Deployment demo/demo', path: 'spec.template.spec.containers.0.resources.limits.cpu', message: 'container "app" has no limits.cpu' }],
  ['probes', (o) => { delete container(o).livenessProbe; },
    { rule: 'probes', object: 'Deployment demo/demo', path: 'spec.template.spec.containers.0.livenessProbe', message: 'container "app" has no livenessProbe' }],
  ['pinned-image', (o) => { container(o).image = 'example/app:latest'; },
    [
      // Monokle's best-practice rule and the project's own rule agree.
      { rule: 'KBP001', object: 'Deployment demo/demo', path: 'spec.template.spec.containers.0.image', message: 'Disallow images with the latest tag' },
      { rule: 'pinned-image', object: 'Deployment demo/demo', path: 'spec.template.spec.containers.0.image', message: 'image "example/app:latest" floats' },
    ]],
  ['network-policy-coverage', (o) => { o.splice(o.findIndex((x) => x.kind === 'NetworkPolicy'), 1); },
    { rule: 'network-policy-coverage', object: 'Deployment demo/demo', path: 'spec.template.metadata.labels', message: 'no NetworkPolicy in its namespace selects these pods' }],
  ['privileged-taint-isolation', tolerating({ key: 'ci.gitlab.com/privileged', operator: 'Exists' }), TAINT_LEAK],
  ['privileged-taint-isolation (blanket toleration, empty key)', tolerating({ key: '', operator: 'Exists' }), TAINT_LEAK],
  ['runner-config-keys (a typo)', (o) => runnerConfig('[[runners]]\nname = "r"\n[runners.kubernetes]\nnamespace = "ci"\nschedular_name = "s"\n')(o),
    { rule: 'runner-config-keys', object: 'ConfigMap demo/gitlab-runner', path: 'data.config.template.toml:runners.0.kubernetes.schedular_name',
      message: 'key "schedular_name" is not a key of [runners.kubernetes] in gitlab-runner v18.9.0; did you mean "scheduler_name"?' }],
  ['runner-config-keys (a wrong type)', (o) => runnerConfig('concurrent = "4"\n[[runners]]\nname = "r"\n')(o),
    { rule: 'runner-config-keys', object: 'ConfigMap demo/gitlab-runner', path: 'data.config.template.toml:concurrent',
      message: 'concurrent must be an integer (TOML integer in gitlab-runner v18.9.0)' }],
];

/** A ConfigMap holding a config.toml with one runner, as a manager emits it. */
const runnerConfig = (toml: string) => (o: ManifestObject[]) => {
  o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gitlab-runner', namespace: 'demo' }, data: { 'config.template.toml': toml } } as any);
};
const RUNNER = '[[runners]]\nname = "r"\n[runners.kubernetes]\nnamespace = "ci"\n';

/** [what breaks the rule, how, the exact `beyond-schema` findings] (the rule alone: other validators may agree) */
const beyond: Array<[string, (objs: ManifestObject[]) => void, Array<Partial<Finding>>]> = [
  ['an image reference with an upper-case path', (o) => { container(o).image = 'Example/App:1.2.3'; },
    [{ path: 'spec.template.spec.containers.0.image', message: 'image "Example/App:1.2.3" is no valid image reference' }]],
  ['a negative cpu request', (o) => { container(o).resources.requests.cpu = '-100m'; },
    [{ path: 'spec.template.spec.containers.0.resources.requests.cpu', message: 'negative quantity "-100m"' }]],
  ['annotations over 256 KiB', (o) => { deployment(o).metadata.annotations = { big: 'x'.repeat(256 * 1024) }; },
    [{ path: 'metadata.annotations', message: 'annotations total 262147 bytes' }]],
  ['pod annotations over 256 KiB', (o) => { deployment(o).spec.template.metadata.annotations = { big: 'x'.repeat(256 * 1024) }; },
    [{ path: 'spec.template.metadata.annotations', message: 'pod annotations total 262147 bytes' }]],
  ['a NUL in an env value', (o) => { container(o).env = [{ name: 'A', value: 'a\u0000b' }]; },
    [{ path: 'spec.template.spec.containers.0.env.0.value', message: 'env A holds a control character' }]],
  ['a volume over "/"', (o) => { container(o).volumeMounts = [{ name: 'v', mountPath: '/' }]; },
    [{ path: 'spec.template.spec.containers.0.volumeMounts.0.mountPath', message: 'a volume mounted over "/"' }]],
  ['mounts at "/x" and "/x/"', (o) => { container(o).volumeMounts = [{ name: 'a', mountPath: '/x' }, { name: 'b', mountPath: '/x/' }]; },
    [{ path: 'spec.template.spec.containers.0.volumeMounts.1.mountPath', message: 'mount "/x/" overlaps "/x"' }]],
  ['mounts at "/x" and "/x/y"', (o) => { container(o).volumeMounts = [{ name: 'a', mountPath: '/x' }, { name: 'b', mountPath: '/x/y' }]; },
    [{ path: 'spec.template.spec.containers.0.volumeMounts.1.mountPath', message: 'mount "/x/y" overlaps "/x"' }]],
  ['a Namespace object for kube-system', (o) => { o.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } } as any); },
    [{ object: 'Namespace -/kube-system', message: 'a Namespace object for "kube-system", which Kubernetes owns' }]],
  ['an executor Role in default', (o) => { o.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'gitlab-runner-executor', namespace: 'default' }, rules: [] } as any); },
    [{ object: 'Role default/gitlab-runner-executor', message: 'an executor Role in "default", which Kubernetes owns' }]],
  ['build pods in kube-public', runnerConfig(RUNNER.replace('"ci"', '"kube-public"')),
    [{ object: 'ConfigMap demo/gitlab-runner', path: 'runners.r.kubernetes.namespace', message: 'runner "r" runs build pods in "kube-public", which Kubernetes owns' }]],
  ['a runner environment entry with a line break', runnerConfig(`[[runners]]\nname = "r"\nenvironment = ["A=a\\nb"]\n[runners.kubernetes]\nnamespace = "ci"\n`),
    [{ object: 'ConfigMap demo/gitlab-runner', path: 'runners.r.environment.0', message: 'runner "r" has an environment entry with a control character' }]],
  ['a build pod volume under /builds', runnerConfig(`${RUNNER}[[runners.kubernetes.volumes.empty_dir]]\nname = "c"\nmount_path = "/builds/cache"\n`),
    [{ object: 'ConfigMap demo/gitlab-runner', path: 'runners.r.kubernetes.volumes.empty_dir.0.mount_path', message: 'build pod mount "/builds/cache" overlaps "/builds"' }]],
];

// No crdFiles: the CRDs of what the constructs emit (Karpenter's NodePool) are bundled.
const violations = (objs: ManifestObject[]) => validateManifests(objs).filter((f) => !f.accepted);

describe('validation: the rules beyond the schema (beyond-schema), defined once with the synth\'s', () => {
  test('GIVEN the valid baseline fixture THEN the rule finds nothing', () => {
    expect(beyondSchema(baseline())).toEqual([]);
  });

  test.each(beyond)('GIVEN %s THEN exactly that finding', (_case, breakIt, expected) => {
    const objs = baseline();
    breakIt(objs);
    expect(beyondSchema(objs)).toEqual(expected.map((e) => expect.objectContaining({ rule: 'beyond-schema', object: 'Deployment demo/demo', ...e })));
  });
});

describe('validation', () => {
  test('GIVEN the reference stack THEN there is no violation', () => {
    const objects = Testing.synth(new ReferenceStack(Testing.app(), 'ref')) as ManifestObject[];
    expect(violations(objects)).toEqual([]);
  });

  test('GIVEN the valid baseline fixture THEN there is no violation (each broken fixture differs by one defect)', () => {
    expect(violations(baseline())).toEqual([]);
  });

  test.each(broken)('GIVEN a fixture that breaks %s THEN exactly that violation is reported', (_rule, breakIt, expected) => {
    const objs = baseline();
    breakIt(objs);
    const found = violations(objs);
    expect(found).toEqual((Array.isArray(expected) ? expected : [expected]).map((e) => expect.objectContaining(e)));
  });

  test('WHEN `npm run validate` runs on a broken fixture THEN it exits 1 and prints the precise violation', () => {
    const dir = tmpdir();
    const objs = baseline();
    broken.find(([rule]) => rule === 'pinned-image')![1](objs);
    fs.writeFileSync(path.join(dir, 'broken.yaml'), objs.map((o) => stringify(o)).join('---\n'));
    let status = 0;
    let stdout = '';
    try {
      execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'validate.js'), dir], { stdio: 'pipe' });
    } catch (e: any) {
      status = e.status;
      stdout = String(e.stdout);
    }
    expect(status).toBe(1);
    expect(stdout).toContain('VIOLATION pinned-image Deployment demo/demo spec.template.spec.containers.0.image: image "example/app:latest" floats (fix: pin a version tag (not "latest") or a digest)');
    expect(stdout).toContain('3 objects, 2 violations, 0 accepted findings');
  });

  test('WHEN `npm run validate` runs on dist/ THEN it exits 0 and lists each accepted finding with its reason', () => {
    const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'validate.js')], { stdio: 'pipe' }).toString();
    expect(out).toMatch(/\d+ objects, 0 violations, 6 accepted findings/);
    expect(out).toContain('accepted  KBP104 StatefulSet gitlab-runner/gitlab-runner spec.template.spec.containers.0.securityContext.runAsUser: runs as the gitlab-runner image\'s own unprivileged user, uid 100');
  });
});

describe('cdk8s validation plugin (cdk8s.yaml `validations:`)', () => {
  const root = path.join(__dirname, '..');
  const cli = path.join(root, 'node_modules', '.bin', 'cdk8s');
  // The plugin is loaded as users load it: compiled, from lib/.
  beforeAll(() => require('../scripts/build').ensureBuilt());

  /** Runs the real `cdk8s synth` in a scratch project whose app emits `objects`, with our plugin. */
  function cdk8sSynth(objects: ManifestObject[]): { status: number; output: string } {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'manifest.yaml'), objects.map((o) => stringify(o)).join('---\n'));
    fs.writeFileSync(path.join(dir, 'app.js'), [
      "const fs = require('fs');",
      'fs.mkdirSync(process.env.CDK8S_OUTDIR, { recursive: true });',
      `fs.copyFileSync(${JSON.stringify(path.join(dir, 'manifest.yaml'))}, require('path').join(process.env.CDK8S_OUTDIR, 'app.k8s.yaml'));`,
    ].join('\n'));
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), stringify({
      language: 'typescript', app: 'node app.js',
      validations: [{ package: path.join(root, 'lib', 'src', 'validation', 'cdk8s-plugin.js'), class: 'GitLabRunnerStackValidation', version: '0.1.0' }],
    }));
    try {
      const out = execFileSync(cli, ['synth'], { cwd: dir, stdio: 'pipe', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
      return { status: 0, output: out.toString() };
    } catch (e: any) {
      return { status: e.status, output: `${e.stdout}${e.stderr}` };
    }
  }

  test('GIVEN an app emitting a violation WHEN `cdk8s synth` runs THEN it fails and names the rule and object', () => {
    const objs = baseline();
    delete container(objs).resources.limits.cpu;
    const { status, output } = cdk8sSynth(objs);
    expect(status).not.toBe(0);
    expect(output).toContain('container-resources');
    expect(output).toContain('Deployment demo/demo');
  });

  test('GIVEN a valid app WHEN `cdk8s synth` runs THEN the plugin passes it and says there is no violation', () => {
    const { status, output } = cdk8sSynth(baseline());
    expect(output).toMatch(/Status +│ success/);
    expect(output).toMatch(/Violations +│ none/);
    expect(output).toMatch(/Accepted findings +│ none/);
    expect(status).toBe(0);
  });

  test('GIVEN the reference stack WHEN `cdk8s synth` runs THEN the report lists each accepted finding with its reason', () => {
    const { status, output } = cdk8sSynth(readManifests([path.join(root, 'dist')]));
    expect(output).toMatch(/Objects checked +│ \d+/);
    expect(output).toContain('KBP104 StatefulSet gitlab-runner/gitlab-runner spec.template.spec.containers.0.securityContext.runAsUser: runs as the gitlab-runner image\'s own unprivileged user');
    expect(output).toContain('KBP107 Role gitlab-runner-builds/gitlab-runner-executor spec.rules.0.verbs: the Kubernetes executor creates build pods');
    expect(status).toBe(0);
  });
});
