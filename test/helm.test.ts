import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { Chart, Testing } from 'cdk8s';
import { GitLabRunnerManager, HelmChart, Values } from '../src';
import { helm as writeReferenceChart, ReferenceStack } from '../src/main';
import { parse } from 'smol-toml';
import { helm, helmNotes, helmTemplate } from './helm';
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

  describe('monitoring (off by default: it needs prometheus-operator\'s CRDs)', () => {
    const monitoringKinds = (objs: K8sObject[]) => objs.filter((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name.endsWith('-metrics-scrape')).map(key).sort();

    test('WHEN rendered with default values THEN no monitoring object is emitted', () => {
      expect(monitoringKinds(helmTemplate(chart))).toEqual([]);
    });

    test('WHEN --set monitoring.enabled=true THEN it equals the plain synth with monitoring, object by object', () => {
      const rendered = helmTemplate(chart, '--set', 'monitoring.enabled=true');
      const expected = Testing.synth(new ReferenceStack(Testing.app(), 'gitlab-runner', { monitoring: true })) as K8sObject[];
      expect(monitoringKinds(rendered)).toEqual([
        'NetworkPolicy gitlab-runner-cache/minio-metrics-scrape', 'NetworkPolicy gitlab-runner/gitlab-runner-metrics-scrape',
        'PodMonitor gitlab-runner-cache/minio', 'PodMonitor gitlab-runner/gitlab-runner',
        'PrometheusRule gitlab-runner-cache/minio-alerts', 'PrometheusRule gitlab-runner/gitlab-runner-alerts',
      ]);
      expect(rendered.map(key).sort()).toEqual(expected.map(key).sort());
      const byKey = new Map(withoutChecksum(rendered).map((o) => [key(o), o]));
      for (const o of withoutChecksum(expected)) expect(byKey.get(key(o))).toEqual(o);
      for (const o of rendered) expect(() => validateObject(o)).not.toThrow();
    });

    test('WHEN the scraper, selector label and alerts are set THEN the policies, monitors and rules follow', () => {
      const o = helmTemplate(chart, '--set', 'monitoring.enabled=true', '--set', 'monitoring.scraper.namespace=prom', '--set', 'monitoring.scraper.podLabel.key=prometheus',
        '--set', 'monitoring.scraper.podLabel.value=k8s', '--set', 'monitoring.selectorLabel.value=kps', '--set', 'monitoring.alerts.enabled=false', '--set', 'namespace=ci');
      expect(find(o, 'NetworkPolicy', 'gitlab-runner-metrics-scrape').spec.ingress[0].from).toEqual([{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'prom' } }, podSelector: { matchLabels: { prometheus: 'k8s' } },
      }]);
      expect(find(o, 'PodMonitor', 'gitlab-runner').metadata.labels?.release).toBe('kps');
      expect(o.filter((x) => x.kind === 'PrometheusRule')).toEqual([]);
      // The alerts select the release's own namespace through the job label.
      const rules = helmTemplate(chart, '--set', 'monitoring.enabled=true', '--set', 'namespace=ci');
      expect(find(rules, 'PrometheusRule', 'gitlab-runner-alerts').spec.groups[0].rules[0].expr).toBe('up{job="ci/gitlab-runner"} == 0 or absent(up{job="ci/gitlab-runner"})');
      // Alert annotations keep Prometheus's own template syntax, unexpanded by Helm.
      expect(find(rules, 'PrometheusRule', 'gitlab-runner-alerts').spec.groups[0].rules[0].annotations.summary).toContain('{{ $labels.job }}');
    });

    test('THEN NOTES.txt asks for MinIO\'s metrics token only when monitoring and the cache are on', () => {
      const line = 'kubectl -n gitlab-runner-cache create secret generic minio-prometheus --from-literal=token=<bearer_token>';
      expect(helmNotes(chart)).not.toContain(line);
      expect(helmNotes(chart, '--set', 'monitoring.enabled=true')).toContain(line);
      expect(helmNotes(chart, '--set', 'monitoring.enabled=true', '--set', 'cache.enabled=false')).not.toContain(line);
    });

    test('WHEN the cache is switched off THEN MinIO\'s monitor, scrape policy and alerts go with it', () => {
      const o = helmTemplate(chart, '--set', 'monitoring.enabled=true', '--set', 'cache.enabled=false');
      expect(monitoringKinds(o)).toEqual(['NetworkPolicy gitlab-runner/gitlab-runner-metrics-scrape', 'PodMonitor gitlab-runner/gitlab-runner', 'PrometheusRule gitlab-runner/gitlab-runner-alerts']);
    });
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

  test('THEN NOTES.txt names every Secret the default install reads, in its namespace, with its keys', () => {
    expect(helmNotes(chart)).toBe([
      'GitLab Runner manager test is installed.',
      '',
      'Next steps:',
      '1. Create each runner in GitLab (Settings > CI/CD > Runners) and store its glrt- token:',
      '   kubectl -n gitlab-runner create secret generic gitlab-runner-token --from-literal=runner-token=glrt-…',
      '   kubectl -n gitlab-runner create secret generic gitlab-runner-dind-token --from-literal=runner-token=glrt-…',
      '2. Create the MinIO cache\'s keys: its root user, and the bucket-scoped user the runners sign with',
      '   (the same keys in the cache\'s namespace and in the manager\'s):',
      '   kubectl -n gitlab-runner-cache create secret generic minio-root --from-literal=rootUser=… --from-literal=rootPassword=…',
      '   kubectl -n gitlab-runner-cache create secret generic gitlab-runner-cache --from-literal=accesskey=… --from-literal=secretkey=…',
      '   kubectl -n gitlab-runner create secret generic gitlab-runner-cache --from-literal=accesskey=… --from-literal=secretkey=…',
      'Then watch the manager start:',
      '   kubectl -n gitlab-runner rollout status statefulset/gitlab-runner',
    ].join('\n'));
  });

  test.each([
    ['privileged.enabled=false', (n: string) => {
      expect(n).not.toContain('gitlab-runner-dind-token');
      expect(n).toContain('minio-root');
    }],
    ['cache.enabled=false', (n: string) => {
      expect(n).not.toMatch(/minio-root|gitlab-runner-cache|MinIO/);
      expect(n).toContain('gitlab-runner-dind-token');
    }],
    ['runners.default.token.key=token', (n: string) => expect(n).toContain('secret generic gitlab-runner-token --from-literal=token=glrt-…')],
    ['runners.dind.token.secretName=dind', (n: string) => expect(n).toContain('secret generic dind --from-literal=runner-token=glrt-…')],
  ])('WHEN --set %s THEN NOTES.txt follows', (set, check) => {
    check(helmNotes(chart, '--set', set));
  });

  // A second release in the same cluster: its own prefix, namespace, build namespace and pool.
  const SECOND = ['namePrefix=team-b', 'namespace=team-b', 'runners.default.buildNamespace=team-b-builds', 'privileged.poolName=team-b-privileged', 'privileged.taint.value=team-b-privileged', 'privileged.label.value=team-b-privileged'];

  test('GIVEN two releases in one cluster, the second with its own namePrefix, namespace, build namespace and pool THEN no object of one is an object of the other', () => {
    const first = helmTemplate(chart);
    const second = helmTemplate(chart, ...SECOND.flatMap((x) => ['--set', x]));
    expect(second.length).toBe(first.length);
    const firstKeys = new Set(first.map(key));
    expect(second.map(key).filter((k) => firstKeys.has(k))).toEqual([]);
    expect(second.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name).sort()).toEqual(['team-b', 'team-b-builds', 'team-b-cache', 'team-b-privileged-builds']);
    const toml = parse(find(second, 'ConfigMap', 'team-b', 'team-b').data['config.template.toml']) as any;
    expect(toml.runners.map((r: any) => r.kubernetes.namespace)).toEqual(['team-b-builds', 'team-b-privileged-builds']);
    expect(find(second, 'StatefulSet', 'team-b', 'team-b').spec.template.spec.serviceAccountName).toBe('team-b');
    expect(find(second, 'RoleBinding', 'team-b-executor', 'team-b-builds').subjects).toEqual([{ kind: 'ServiceAccount', name: 'team-b', namespace: 'team-b' }]);
    expect(helmNotes(chart, ...SECOND.flatMap((x) => ['--set', x]))).toContain('kubectl -n team-b rollout status statefulset/team-b');
  });

  test('WHEN namePrefix is longer than keeps "<prefix>-privileged-builds" a DNS label THEN the schema refuses it', () => {
    expect(() => helm('template', 'test', chart, '--set', `namePrefix=${'a'.repeat(46)}`)).toThrow('namePrefix: String length must be less than or equal to 45');
    expect(helmTemplate(chart, '--set', `namePrefix=${'a'.repeat(45)}`).filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).toContain(`${'a'.repeat(45)}-privileged-builds`);
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
    // A floating tag or a namespace Kubernetes owns: a template fail with the synth's message
    // (a schema `not` would only say "Must not validate the schema (not)").
    ['manager.image=gitlab/gitlab-runner:latest', /gitlab-runner\/manager: invalid image "gitlab\/gitlab-runner:latest" \(Helm value "manager.image"\): must be an image pinned to a version tag or a digest/],
    ['unknownValue=1', /Additional property unknownValue is not allowed/],
    // The rules beyond the Kubernetes schema (issue 12), recorded by the same validators.
    ['concurrent=2147483648', /concurrent: Must be less than or equal to 2\.147483647e\+09/],
    ['runners.default.pollTimeout=2147483648', /pollTimeout: Must be less than or equal to 2\.147483647e\+09/],
    ['cache.expiryDays=2147483648', /expiryDays: Must be less than or equal to 2\.147483647e\+09/],
    ['gitlabUrl=https://gitlab.example.com:0', /gitlabUrl: Does not match pattern/],
    ['gitlabUrl=https:gitlab.example.com', /gitlabUrl: Does not match pattern/],
    ['runners.default.resources.build.memory.request=-1Gi', /request: Does not match pattern/],
    ['runners.default.image=Alpine:3.22', /image: Does not match pattern/],
    ['runners.default.buildNamespace=kube-system', /invalid buildNamespace "kube-system" \(Helm value "runners.default.buildNamespace"\): must not be a namespace Kubernetes owns/],
  ])('WHEN --set %s THEN the chart rejects it with a clear message', (set, message) => {
    expect(() => helm('template', 'test', chart, '--set', set)).toThrow(message);
  });
});

describe('Helm chart writer', () => {
  test('GIVEN a user string holding "{{" THEN the chart prints it literally instead of running it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const m = new GitLabRunnerManager(chart, 'm', { gitlabUrl: Values.of(chart).string('url', { default: 'https://gitlab.example.com', description: 'url' }) });
    m.addRunner('default', { token: { secretName: 't' }, environment: { GREETING: 'hello {{ .Release.Name }}' }, podAnnotations: { note: '{{ not a template }}' } });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    const objs = helmTemplate(out);
    expect(find(objs, 'ConfigMap', 'gitlab-runner').data['config.template.toml']).toContain('"GREETING=hello {{ .Release.Name }}"');
    expect(find(objs, 'ConfigMap', 'gitlab-runner').data['config.template.toml']).toContain('note = "{{ not a template }}"');
  });

  test('GIVEN a value inside a longer config.toml string WHEN set to text with quotes, backslashes and TOML syntax THEN the TOML stays valid and holds it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const m = new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://gitlab.example.com' });
    m.addRunner('default', { token: { secretName: 't' }, environment: { GREETING: Values.of(chart).string('greeting', { default: 'hello', description: 'g' }) } });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    const values = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(values, 'greeting: "say \\"hi\\" \\\\ bye\\" next = 1"\n');
    const toml = find(helmTemplate(out, '-f', values), 'ConfigMap', 'gitlab-runner').data['config.template.toml'];
    expect((parse(toml) as any).runners[0].environment).toEqual(['GREETING=say "hi" \\ bye" next = 1']);
    // A line break is no env value (the env-value rule, in values.schema.json too).
    fs.writeFileSync(values, 'greeting: "bye\\nnext = 1"\n');
    expect(() => helmTemplate(out, '-f', values)).toThrow(/greeting: Does not match pattern/);
  });

  test('GIVEN a value declared twice with different defaults THEN it is an error', () => {
    const values = Values.of(Testing.chart());
    values.string('x', { default: 'a', description: 'x' });
    expect(() => values.string('x', { default: 'b', description: 'x' })).toThrow('Helm value "x" is declared twice, as string "a" and string "b"');
  });

  test('GIVEN a value whose default breaks the prop\'s rule THEN the synth-time check names it', () => {
    const chart = Testing.chart();
    expect(() => new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://g.example.com', concurrent: Values.of(chart).number('tooLow', { default: 0, description: 'c' }) }))
      .toThrow('test/m: invalid concurrent 0 (default of Helm value "tooLow"): must be an integer from 1 to 2147483647');
  });

  test('GIVEN a prop Helm cannot recompute THEN binding it to a value is refused', () => {
    const chart = Testing.chart();
    expect(() => new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://g.example.com', shutdownTimeout: require('cdk8s').Duration.seconds(Values.of(chart).number('shutdown', { default: 30, description: 's' })) }))
      .toThrow('test/m: invalid shutdownTimeout "Values \\"shutdown\\"": cannot be a Helm value: the preStop hook\'s reserve and the least drainTimeout are computed from it');
  });
});

describe('Helm API: values belong to an App, bad charts are refused before any file is written', () => {
  const props = { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' };

  test('GIVEN two Apps declaring one path with different defaults THEN each App renders its own default', () => {
    const build = (url: string) => {
      const app = Testing.app();
      const chart = new Chart(app, 'c');
      new GitLabRunnerManager(chart, 'm', { gitlabUrl: Values.of(chart).string('gitlabUrl', { default: url, description: 'url' }) }).addRunner('default', { token: { secretName: 't' } });
      return { app, chart };
    };
    const a = build('https://a.example.com');
    const b = build('https://b.example.com');
    expect(Values.of(a.app).all().map((v) => v.default)).toEqual(['https://a.example.com']);
    expect(Values.of(b.app).all().map((v) => v.default)).toEqual(['https://b.example.com']);
    expect(find(Testing.synth(a.chart) as K8sObject[], 'ConfigMap', 'gitlab-runner').data['config.template.toml']).toContain('url = "https://a.example.com"');
    expect(find(Testing.synth(b.chart) as K8sObject[], 'ConfigMap', 'gitlab-runner').data['config.template.toml']).toContain('url = "https://b.example.com"');
  });

  test('GIVEN a token of another App WHEN written as a chart THEN it is refused and nothing is written', () => {
    const other = Values.of(Testing.chart()).string('gitlabUrl', { default: 'https://x.example.com', description: 'url' });
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new GitLabRunnerManager(chart, 'm', { gitlabUrl: other }).addRunner('default', { token: { secretName: 't' } });
    const out = path.join(tmpdir(), 'chart');
    expect(() => HelmChart.synth(app, out, props)).toThrow('Helm value "gitlabUrl" belongs to another App: declare it with Values.of(scope) in this App');
    expect(fs.existsSync(out)).toBe(false);
  });

  test.each([
    ['runners.default', 'runners.default.image', 'Helm value "runners.default.image" clashes with "runners.default": "runners.default" cannot be both a value and the parent of "runners.default.image"'],
    ['runners.default.image', 'runners.default', 'Helm value "runners.default" clashes with "runners.default.image": "runners.default" cannot be both a value and the parent of "runners.default.image"'],
  ])('GIVEN value %s WHEN %s is declared THEN it is refused', (first, second, message) => {
    const values = Values.of(Testing.chart());
    values.string(first, { default: 'a', description: 'x' });
    expect(() => values.string(second, { default: 'b', description: 'y' })).toThrow(message);
  });

  test.each([
    ['version', '1.0', 'invalid Helm chart version "1.0": must be a SemVer 2 version such as "1.2.3" or "1.2.3-rc.1"'],
    ['version', 'v1.0.0', 'invalid Helm chart version "v1.0.0": must be a SemVer 2 version such as "1.2.3" or "1.2.3-rc.1"'],
    ['version', '01.0.0', 'invalid Helm chart version "01.0.0": must be a SemVer 2 version such as "1.2.3" or "1.2.3-rc.1"'],
    ['version', '', 'invalid Helm chart version "": must be a SemVer 2 version such as "1.2.3" or "1.2.3-rc.1"'],
    ['name', 'My_Chart', 'invalid Helm chart name "My_Chart": must be at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit'],
    ['appVersion', ' ', 'invalid Helm chart appVersion " ": must be a non-empty string such as "18.9.0"'],
  ])('GIVEN chart %s %j THEN it is refused before any file is written', (field, value, message) => {
    const app = Testing.app();
    new GitLabRunnerManager(new Chart(app, 'c'), 'm', { gitlabUrl: 'https://gitlab.example.com' }).addRunner('default', { token: { secretName: 't' } });
    const out = path.join(tmpdir(), 'chart');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'an earlier file');
    expect(() => HelmChart.synth(app, out, { ...props, [field]: value })).toThrow(message);
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
  });

  test.each([['1.2.3'], ['0.1.0-rc.1'], ['1.0.0+build.5']])('GIVEN chart version %s THEN helm accepts the chart', (version) => {
    const app = Testing.app();
    new GitLabRunnerManager(new Chart(app, 'c'), 'm', { gitlabUrl: 'https://gitlab.example.com' }).addRunner('default', { token: { secretName: 't' } });
    const out = tmpdir();
    HelmChart.synth(app, out, { ...props, version });
    expect(helm('lint', '--strict', out)).toContain('0 chart(s) failed');
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
