import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Chart, Testing } from 'cdk8s';
import { GitLabRunnerManager, HelmChart, resetValues, Values } from '../src';
import { helm as writeReferenceChart, ReferenceStack } from '../src/main';
import { parse } from 'smol-toml';
import { helm, helmTemplate } from './helm';
import { find, K8sObject, tmpdir } from './helpers';
import { validateObject } from './schema';

const root = path.join(__dirname, '..');
const plain = (): K8sObject[] => Testing.synth(new ReferenceStack(Testing.app(), 'gitlab-runner')) as K8sObject[];
/**
 * Objects less what only Helm computes (the config checksum, the Job hook annotations), with
 * config.toml parsed: a TOML key may be quoted in one and bare in the other, same document.
 */
const withoutChecksum = (objs: K8sObject[]) => objs.map((o) => {
  const c = structuredClone(o);
  for (const k of Object.keys(c.kind === 'ConfigMap' ? c.data ?? {} : {})) if (k.endsWith('.toml')) c.data[k] = parse(c.data[k]);
  if (c.spec?.template?.metadata?.annotations) delete c.spec.template.metadata.annotations['checksum/config'];
  if (c.kind === 'Job') {
    for (const k of Object.keys(c.metadata.annotations ?? {})) if (k.startsWith('helm.sh/')) delete c.metadata.annotations![k];
    if (Object.keys(c.metadata.annotations ?? {}).length === 0) delete c.metadata.annotations;
  }
  return c;
});
const key = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`;

describe('Helm chart of the reference stack', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));

  test('THEN it is the committed charts/gitlab-runner-stack (regenerate with `npm run synth:helm`)', () => {
    const committed = path.join(root, 'charts', 'gitlab-runner-stack');
    const files = (d: string) => fs.readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(d, f)).isFile()).sort();
    expect(files(chart)).toEqual(files(committed));
    for (const f of files(chart)) expect(`${f}:\n${fs.readFileSync(path.join(chart, f), 'utf8')}`).toBe(`${f}:\n${fs.readFileSync(path.join(committed, f), 'utf8')}`);
  });

  test('WHEN written by another process, from another directory, time zone and locale THEN the same bytes', () => {
    const out = path.join(tmpdir(), 'chart');
    execFileSync(process.execPath, [path.join(root, 'scripts', 'synth-helm.js'), out], { cwd: tmpdir(), env: { PATH: process.env.PATH, TZ: 'Asia/Kathmandu', LANG: 'de_DE.UTF-8' }, stdio: 'pipe' });
    const files = (d: string) => fs.readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(d, f)).isFile()).sort();
    expect(files(out)).toEqual(files(chart));
    for (const f of files(out)) expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(chart, f)))).toBe(true);
  });

  test('THEN `helm lint --strict` passes', () => {
    expect(helm('lint', '--strict', chart)).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  test('WHEN rendered with default values THEN it equals the plain synth, object by object', () => {
    const rendered = helmTemplate(chart);
    const expected = plain();
    expect(rendered.map(key).sort()).toEqual(expected.map(key).sort());
    const byKey = new Map(withoutChecksum(rendered).map((o) => [key(o), o]));
    for (const o of withoutChecksum(expected)) expect(byKey.get(key(o))).toEqual(o);
  });

  test('THEN the rendered objects validate against the Kubernetes schema', () => {
    for (const o of helmTemplate(chart)) expect(() => validateObject(o)).not.toThrow();
  });

  const config = (objs: any[]) => find(objs, 'ConfigMap', 'gitlab-runner').data['config.template.toml'] as string;
  const sts = (objs: any[]) => find(objs, 'StatefulSet', 'gitlab-runner');
  // [--set, what must change]
  const sets: Array<[string, (objs: any[]) => void]> = [
    ['gitlabUrl=https://gitlab.example.com', (o) => expect(config(o)).toContain('url = "https://gitlab.example.com"')],
    ['concurrent=42', (o) => expect(config(o)).toContain('\nconcurrent = 42\n')],
    ['checkInterval=7', (o) => expect(config(o)).toContain('\ncheck_interval = 7\n')],
    ['logLevel=debug', (o) => expect(config(o)).toContain('\nlog_level = "debug"\n')],
    ['manager.image=gitlab/gitlab-runner:alpine-v18.10.1', (o) => expect(sts(o).spec.template.spec.containers[0].image).toBe('gitlab/gitlab-runner:alpine-v18.10.1')],
    ['runners.default.token.secretName=other-token', (o) => {
      expect(config(o)).toContain('token = "@@secret:other-token/runner-token@@"');
      const sources = sts(o).spec.template.spec.volumes.find((v: any) => v.name === 'runner-secrets').projected.sources;
      expect(sources.map((x: any) => x.secret.name)).toContain('other-token');
    }],
    ['runners.default.token.key=token', (o) => expect(sts(o).spec.template.spec.initContainers[0].args).toContain('runners.token=gitlab-runner-token/token')],
    ['runners.default.buildNamespace=ci-builds', (o) => {
      expect(config(o)).toContain('namespace = "ci-builds"');
      expect(o.filter((x) => x.kind === 'Role').map((x) => x.metadata.namespace).sort()).toEqual(['ci-builds', 'gitlab-runner-privileged-builds']);
      expect(o.filter((x) => x.kind === 'Namespace').map((x) => x.metadata.name)).toContain('ci-builds');
    }],
    ['runners.default.image=debian:13', (o) => expect(config(o)).toContain('image = "debian:13"')],
    ['runners.default.pollTimeout=900', (o) => expect(config(o)).toContain('poll_timeout = 900')],
    ['runners.default.resources.build.memory.limit=8Gi', (o) => expect(config(o)).toContain('memory_limit = "8Gi"')],
    ['runners.default.resources.helper.cpu.request=200m', (o) => expect(config(o)).toContain('helper_cpu_request = "200m"')],
    ['metrics.enabled=false', (o) => expect(o.filter((x) => x.kind === 'Service').map(key)).toEqual(['Service gitlab-runner-cache/minio'])],
    ['cache.bucketName=ci-cache', (o) => {
      expect(config(o)).toContain('BucketName = "ci-cache"');
      expect(o.find((x) => x.kind === 'Job').spec.template.spec.containers[0].env).toContainEqual({ name: 'BUCKET', value: 'ci-cache' });
    }],
    ['cache.expiryDays=3', (o) => expect(JSON.parse(find(o, 'ConfigMap', 'minio-provision').data['lifecycle.json']).Rules[0].Expiration).toEqual({ Days: 3 })],
    ['cache.storageSize=100Gi', (o) => expect(find(o, 'PersistentVolumeClaim', 'minio-data').spec.resources.requests.storage).toBe('100Gi')],
    ['privileged.taint.value=dind', (o) => {
      const dind = (parse(config(o)) as any).runners.find((r: any) => r.name === 'dind');
      expect(dind.kubernetes.node_tolerations).toEqual({ 'dedicated=dind': 'NoSchedule' });
      expect(find(o, 'NodePool', 'gitlab-privileged-builds').spec.template.spec.taints).toEqual([{ key: 'dedicated', value: 'dind', effect: 'NoSchedule' }]);
      expect(find(o, 'ValidatingAdmissionPolicy', 'gitlab-privileged-builds-guard').spec.variables[0].expression).toContain("'dind'");
    }],
    ['privileged.label.key=example.com/pool', (o) => {
      const dind = (parse(config(o)) as any).runners.find((r: any) => r.name === 'dind');
      expect(dind.kubernetes.node_selector).toEqual({ 'example.com/pool': 'gitlab-privileged-builds' });
      expect(find(o, 'NodePool', 'gitlab-privileged-builds').spec.template.metadata.labels).toEqual({ 'example.com/pool': 'gitlab-privileged-builds' });
    }],
    ['privileged.enabled=false', (o) => {
      expect((parse(config(o)) as any).runners.map((r: any) => r.name)).toEqual(['default']);
      expect(o.filter((x) => /privileged/.test(`${x.metadata.namespace} ${x.metadata.name}`)).map(key)).toEqual([]);
      expect(sts(o).spec.template.spec.initContainers[0].args).toContain('runners.token=gitlab-runner-dind-token/runner-token');
    }],
    ['cache.enabled=false', (o) => {
      expect(o.filter((x) => x.metadata.namespace === 'gitlab-runner-cache' || x.metadata.name === 'gitlab-runner-cache')).toEqual([]);
      expect(config(o)).not.toContain('[runners.cache]');
      expect(config(o)).toContain('[[runners]]');
    }],
  ];

  test.each(sets)('WHEN --set %s THEN the expected field changes', (set, check) => {
    check(helmTemplate(chart, '--set', set));
  });

  test('WHEN a config value changes THEN the pod checksum changes (pods roll)', () => {
    const checksum = (objs: any[]) => sts(objs).spec.template.metadata.annotations['checksum/config'];
    const base = checksum(helmTemplate(chart));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(helmTemplate(chart, '--set', 'concurrent=11'))).not.toBe(base);
    expect(checksum(helmTemplate(chart, '--set', 'manager.image=gitlab/gitlab-runner:alpine-v18.10.1'))).toBe(base);
  });

  test.each([
    ['concurrent=many', /concurrent: Invalid type. Expected: integer, given: string/],
    ['concurrent=0', /concurrent: Must be greater than or equal to 1/],
    ['gitlabUrl=http://gitlab.example.com', /gitlabUrl: Does not match pattern/],
    ['logLevel=verbose', /logLevel: logLevel must be one of the following/],
    ['runners.default.buildNamespace=CI_Builds', /buildNamespace: Does not match pattern/],
    ['runners.default.resources.build.memory.limit=1Gb', /limit: Does not match pattern/],
    ['manager.image=gitlab/gitlab-runner:latest', /image: Must not validate the schema \(not\)/],
    ['unknownValue=1', /Additional property unknownValue is not allowed/],
  ])('WHEN --set %s THEN the schema rejects it with a clear message', (set, message) => {
    expect(() => helm('template', 'test', chart, '--set', set)).toThrow(message);
  });
});

describe('Helm chart writer', () => {
  afterEach(() => resetValues());

  test('GIVEN a user string holding "{{" THEN the chart prints it literally instead of running it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const m = new GitLabRunnerManager(chart, 'm', { gitlabUrl: Values.string('url', { default: 'https://gitlab.example.com', description: 'url' }) });
    m.addRunner('default', { token: { secretName: 't' }, environment: { GREETING: 'hello {{ .Release.Name }}' }, podAnnotations: { note: '{{ not a template }}' } });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    const objs = helmTemplate(out);
    expect(find(objs, 'ConfigMap', 'gitlab-runner').data['config.template.toml']).toContain('"GREETING=hello {{ .Release.Name }}"');
    expect(find(objs, 'ConfigMap', 'gitlab-runner').data['config.template.toml']).toContain('note = "{{ not a template }}"');
  });

  test('GIVEN a value inside a longer config.toml string WHEN set to text with quotes, backslashes and a line break THEN the TOML stays valid and holds it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const m = new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://gitlab.example.com' });
    m.addRunner('default', { token: { secretName: 't' }, environment: { GREETING: Values.string('greeting', { default: 'hello', description: 'g' }) } });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    const values = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(values, 'greeting: "say \\"hi\\" \\\\ bye\\nnext = 1"\n');
    const toml = find(helmTemplate(out, '-f', values), 'ConfigMap', 'gitlab-runner').data['config.template.toml'];
    expect((parse(toml) as any).runners[0].environment).toEqual(['GREETING=say "hi" \\ bye\nnext = 1']);
  });

  test('GIVEN a value declared twice with different defaults THEN it is an error', () => {
    Values.string('x', { default: 'a', description: 'x' });
    expect(() => Values.string('x', { default: 'b', description: 'x' })).toThrow('Helm value "x" is declared twice, as string "a" and string "b"');
  });

  test('GIVEN a value whose default breaks the prop\'s rule THEN the synth-time check names it', () => {
    const chart = Testing.chart();
    expect(() => new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://g.example.com', concurrent: Values.number('tooLow', { default: 0, description: 'c' }) }))
      .toThrow('test/m: invalid concurrent 0 (default of Helm value "tooLow"): must be an integer >= 1');
  });

  test('GIVEN a prop Helm cannot recompute THEN binding it to a value is refused', () => {
    const chart = Testing.chart();
    expect(() => new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://g.example.com', shutdownTimeout: require('cdk8s').Duration.seconds(Values.number('shutdown', { default: 30, description: 's' })) }))
      .toThrow('test/m: invalid shutdownTimeout "Values \\"shutdown\\"": cannot be a Helm value: terminationGracePeriodSeconds is computed from it');
  });
});

describe('cdk8s synth --format helm', () => {
  test('THEN the wrapped chart lints cleanly (no stray template syntax in the manifests)', () => {
    const out = tmpdir();
    execFileSync(path.join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--format', 'helm', '--chart-version', '0.1.0', '--no-validate', '--output', out], { cwd: root, stdio: 'pipe', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
    expect(helm('lint', '--strict', out)).toContain('0 chart(s) failed');
    expect(helmTemplate(out).map(key).sort()).toEqual(plain().map(key).sort());
  });
});
