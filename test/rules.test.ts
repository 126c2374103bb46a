import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { CacheCredentials, ExistingNodePool, GitLabRunnerManager, HelmChart, MinioCache, Values } from '../src';
import { quantityAmount } from '../src/common/rules';
import { helm as writeReferenceChart } from '../src/main';
import { helm, helmTemplate, parseYaml11 } from './helm';
import { attemptSynth, podSpecs, readTree, tmpdir } from './helpers';

// Rules over several props (src/common/rules.ts): one definition, checked at synth and, when a
// side is a Helm value, by `helm template` with the same message.

const M = 'stack/m';
const R = 'stack/m/default';
const C = 'stack/cache';
const minioProps = { rootCredentials: CacheCredentials.fromSecret('minio-root'), cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache') };

describe('a request never above its limit, at synth', () => {
  const manager = (chart: Chart, props: any = {}) => new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://gitlab.example.com', ...props });
  // [case, build, exact message]
  const cases: Array<[string, (chart: Chart) => void, string]> = [
    ['build memory request above its limit', (c) => manager(c).addRunner('default', { token: { secretName: 't' }, buildResources: { memory: { request: '8Gi', limit: '4Gi' } } }),
      `${R}: invalid buildResources.memory.request "8Gi": must be at most the limit, buildResources.memory.limit "4Gi"`],
    ['build cpu request above the default limit (2)', (c) => manager(c).addRunner('default', { token: { secretName: 't' }, buildResources: { cpu: { request: '2001m' } } }),
      `${R}: invalid buildResources.cpu.request "2001m": must be at most the limit, buildResources.cpu.limit "2"`],
    ['build memory limit below the default request (1Gi): the limit is blamed', (c) => manager(c).addRunner('default', { token: { secretName: 't' }, buildResources: { memory: { limit: '512Mi' } } }),
      `${R}: invalid buildResources.memory.limit "512Mi": must be at least the request, buildResources.memory.request "1Gi"`],
    ['helper ephemeral storage', (c) => manager(c).addRunner('default', { token: { secretName: 't' }, helperResources: { ephemeralStorage: { request: '2G', limit: '1Gi' } } }),
      `${R}: invalid helperResources.ephemeralStorage.request "2G": must be at most the limit, helperResources.ephemeralStorage.limit "1Gi"`],
    ['service cpu in exponent form', (c) => manager(c).addRunner('default', { token: { secretName: 't' }, serviceResources: { cpu: { request: '2e0', limit: '1' } } }),
      `${R}: invalid serviceResources.cpu.request "2e0": must be at most the limit, serviceResources.cpu.limit "1"`],
    ['DinD service memory limit below its profile request (1Gi)', (c) => {
      const m = manager(c);
      const nodePool = new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'dind', effect: 'NoSchedule' } });
      m.addDindRunner('dind', { token: { secretName: 't' }, nodePool, serviceResources: { memory: { limit: '900Mi' } } });
    }, `${M}/dind: invalid serviceResources.memory.limit "900Mi": must be at least the request, serviceResources.memory.request "1Gi"`],
    ['manager cpu', (c) => manager(c, { resources: { cpu: { request: '1', limit: '500m' } } }),
      `${M}: invalid resources.cpu.request "1": must be at most the limit, resources.cpu.limit "500m"`],
    ['MinIO memory limit below its default request (512Mi)', (c) => new MinioCache(c, 'cache', { ...minioProps, resources: { memory: { limit: '256Mi' } } }),
      `${C}: invalid resources.memory.limit "256Mi": must be at least the request, resources.memory.request "512Mi"`],
    ['bucket provisioning Job cpu', (c) => new MinioCache(c, 'cache', { ...minioProps, provisioning: { resources: { cpu: { request: '1' } } } }),
      `${C}: invalid provisioning.resources.cpu.request "1": must be at most the limit, provisioning.resources.cpu.limit "200m"`],
  ];

  test.each(cases)('GIVEN %s THEN synth refuses it with a clear message and writes nothing', (_case, build, message) => {
    const { error, written } = attemptSynth(build);
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });

  test.each([
    ['equal sides', { request: '1Gi', limit: '1Gi' }],
    ['the same amount in other units', { request: '1024Mi', limit: '1Gi' }],
    ['decimal below binary', { request: '1G', limit: '1Gi' }],
  ])('GIVEN %s THEN it is accepted', (_case, memory) => {
    const { error } = attemptSynth((c) => manager(c).addRunner('default', { token: { secretName: 't' }, buildResources: { memory } }));
    expect(error).toBeUndefined();
  });

  test('GIVEN the defaults THEN every container of dist/ and of the examples has its requests within its limits', () => {
    const root = path.join(__dirname, '..');
    const texts = [...Object.values(readTree(path.join(root, 'dist'))),
      ...fs.readdirSync(path.join(root, 'examples')).flatMap((e) => Object.values(readTree(path.join(root, 'examples', e, 'dist'))))];
    const objs = texts.flatMap(parseYaml11);
    const containers = podSpecs(objs).flatMap(({ owner, spec }) => [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({ owner: `${owner}/${c.name}`, r: c.resources ?? {} })));
    expect(containers.length).toBeGreaterThan(5);
    const over = containers.flatMap(({ owner, r }) => Object.keys(r.requests ?? {})
      .filter((k) => r.limits?.[k] !== undefined && !(quantityAmount(r.requests[k]) <= quantityAmount(r.limits[k])))
      .map((k) => `${owner} ${k}: ${r.requests[k]} > ${r.limits[k]}`));
    expect(over).toEqual([]);
  });
});

describe('rules over several props in the Helm chart: helm template refuses with the synth message', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));
  const P = 'gitlab-runner/manager/default';
  const HV = (p: string) => `(Helm value "runners.default.${p}")`;

  // [--set flags, exact message]
  const refused: Array<[string[], string]> = [
    [['runners.default.resources.build.memory.request=8Gi'],
      `${P}: invalid buildResources.memory.request "8Gi" ${HV('resources.build.memory.request')}: must be at most the limit, buildResources.memory.limit "2Gi" ${HV('resources.build.memory.limit')}`],
    // --set reads 3 as a number: the message shows it as one.
    [['runners.default.resources.build.cpu.request=3'],
      `${P}: invalid buildResources.cpu.request 3 ${HV('resources.build.cpu.request')}: must be at most the limit, buildResources.cpu.limit "2" ${HV('resources.build.cpu.limit')}`],
    [['runners.default.resources.helper.memory.limit=255Mi'],
      `${P}: invalid helperResources.memory.request "256Mi" ${HV('resources.helper.memory.request')}: must be at most the limit, helperResources.memory.limit "255Mi" ${HV('resources.helper.memory.limit')}`],
    [['runners.default.resources.helper.cpu.request=0.6'],
      `${P}: invalid helperResources.cpu.request "0.6" ${HV('resources.helper.cpu.request')}: must be at most the limit, helperResources.cpu.limit "500m" ${HV('resources.helper.cpu.limit')}`],
    [['runners.default.pollTimeout=3'],
      `${P}: invalid pollTimeout "3s" ${HV('pollTimeout')}: must be longer than pollInterval "3s"`],
    [['runners.default.buildNamespace=gitlab-runner'],
      `${P}: invalid buildNamespace "gitlab-runner" ${HV('buildNamespace')}: must differ from the manager namespace: build pods run arbitrary code and must not share a namespace (and its Secrets) with the manager`],
    [['runners.default.buildNamespace=gitlab-runner-cache'],
      `${P}: invalid buildNamespace "gitlab-runner-cache" ${HV('buildNamespace')}: must differ from the namespace of the cache gitlab-runner/cache: the executor's Role in a build namespace can read its Secrets, MinIO's root credentials included`],
    [['runners.default.buildNamespace=gitlab-runner-privileged-builds'],
      `${P}: invalid buildNamespace "gitlab-runner-privileged-builds" ${HV('buildNamespace')}: privileged runners build there (Pod Security "privileged"): dind; unprivileged runners need another namespace`],
    [['runners.dind.token.secretName=gitlab-runner-token'],
      'gitlab-runner/manager/dind: invalid token "gitlab-runner/gitlab-runner-token/runner-token" (with Helm values): is also the token of unprivileged runner gitlab-runner/manager/default: one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token'],
  ];

  const BUCKET = 'must be an S3 bucket name: 3-63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, without ".." or "." next to "-", not an IP address, not starting with "xn--", "sthree-" or "amzn-s3-demo-", not ending with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3"';
  const RESERVED = 'must not use a reserved prefix (kubernetes.io/ and *.kubernetes.io/, k8s.io/ and *.k8s.io/, karpenter.sh/ and *.karpenter.sh/): those keys belong to Kubernetes or the provisioner; use your own, e.g. "example.com/pool" or "dedicated"';
  refused.push(
    [['cache.bucketName=ci..cache'], `gitlab-runner/cache: invalid bucketName "ci..cache" (Helm value "cache.bucketName"): ${BUCKET}`],
    [['cache.bucketName=ci.-cache'], `gitlab-runner/cache: invalid bucketName "ci.-cache" (Helm value "cache.bucketName"): ${BUCKET}`],
    [['cache.bucketName=10.0.0.1'], `gitlab-runner/cache: invalid bucketName "10.0.0.1" (Helm value "cache.bucketName"): ${BUCKET}`],
    [['cache.bucketName=sthree-cache'], `gitlab-runner/cache: invalid bucketName "sthree-cache" (Helm value "cache.bucketName"): ${BUCKET}`],
    [['cache.bucketName=cache--ol-s3'], `gitlab-runner/cache: invalid bucketName "cache--ol-s3" (Helm value "cache.bucketName"): ${BUCKET}`],
    [['privileged.taint.key=kubernetes.io/ci'], `gitlab-runner/privileged-pool: invalid taint.key "kubernetes.io/ci" (Helm value "privileged.taint.key"): ${RESERVED}`],
    [['privileged.taint.key=node.kubernetes.io/ci'], `gitlab-runner/privileged-pool: invalid taint.key "node.kubernetes.io/ci" (Helm value "privileged.taint.key"): ${RESERVED}`],
    [['privileged.label.key=karpenter.sh/pool'], `gitlab-runner/privileged-pool: invalid nodeLabel.key "karpenter.sh/pool" (Helm value "privileged.label.key"): ${RESERVED}`],
  );

  test.each(refused)('WHEN --set %s THEN helm template fails with the synth message', (sets, message) => {
    expect(() => helm('template', 'test', chart, ...sets.flatMap((s) => ['--set', s]))).toThrow(`: ${message}\n`);
  });

  test.each([
    [['runners.default.resources.build.cpu.limit=4'], 'cpu: 4 as a number'],
    [['runners.default.resources.build.memory.request=2048Mi'], 'a request equal to its limit in other units'],
    [['runners.default.buildNamespace=gitlab-runner-cache', 'cache.enabled=false'], 'the cache namespace, with the cache off'],
    [['runners.default.buildNamespace=gitlab-runner-privileged-builds', 'privileged.enabled=false'], 'the privileged namespace, with the privileged runner off'],
    [['runners.dind.token.secretName=gitlab-runner-token', 'privileged.enabled=false'], 'one token for both runners, with the privileged runner off'],
    [['cache.bucketName=ci..cache', 'cache.enabled=false'], 'a bad bucket name, with the cache off'],
    [['privileged.taint.key=example.com/pool'], 'a key of your own domain'],
    [['cache.bucketName=ci.cache-1'], 'a dotted bucket name'],
  ])('WHEN --set %s (%s) THEN it renders', (sets) => {
    expect(helmTemplate(chart, ...sets.flatMap((s) => ['--set', s])).length).toBeGreaterThan(10);
  });

  test('WHEN cpu is given as a number in a values file THEN config.toml holds it as a quantity string', () => {
    const values = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(values, 'runners:\n  default:\n    resources:\n      build:\n        cpu: { request: 1, limit: 4 }\n');
    const rendered = helmTemplate(chart, '-f', values);
    const toml = rendered.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'gitlab-runner').data['config.template.toml'];
    expect(toml).toContain('cpu_request = "1"');
    expect(toml).toContain('cpu_limit = "4"');
  });

  test.each([
    [['--set-json', 'concurrent=1e20'], 'concurrent: Must be less than or equal to 2.147483647e+09'],
    [['--set-json', 'cache.expiryDays=1e20'], 'expiryDays: Must be less than or equal to 2.147483647e+09'],
    [['--set-json', 'runners.default.pollTimeout=-1e20'], 'pollTimeout: Must be greater than or equal to 1'],
    [['--set', 'runners.default.resources.build.cpu.limit=-1'], 'limit: Must be greater than or equal to 0'],
    [['--set', 'cache.storageSize=0'], 'storageSize: Must be greater than or equal to 1'],
  ])('WHEN %s THEN the schema refuses the number: %s', (args, message) => {
    expect(() => helm('template', 'test', chart, ...args)).toThrow(message);
  });

  test('GIVEN a user chart whose request and limit are values WHEN the request exceeds the limit THEN helm fails with the synth message', () => {
    const app = Testing.app();
    const c = new Chart(app, 'c');
    const values = Values.of(c);
    new GitLabRunnerManager(c, 'm', { gitlabUrl: 'https://gitlab.example.com' }).addRunner('default', {
      token: { secretName: 't' },
      buildResources: { memory: { request: values.string('request', { default: '1Gi', description: 'r' }), limit: '2Gi' } },
      pollTimeout: Duration.seconds(values.number('timeout', { default: 60, description: 't' })),
    });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    expect(() => helm('template', 'test', out, '--set', 'request=3Gi')).toThrow('c/m/default: invalid buildResources.memory.request "3Gi" (Helm value "request"): must be at most the limit, buildResources.memory.limit "2Gi"\n');
    expect(() => helm('template', 'test', out, '--set', 'timeout=2')).toThrow('c/m/default: invalid pollTimeout "2s" (Helm value "timeout"): must be longer than pollInterval "3s"\n');
    expect(helmTemplate(out, '--set', 'request=2Gi').length).toBeGreaterThan(0);
  });

  test('GIVEN a Helm value whose default breaks a rule THEN synth names the default and the value', () => {
    const c = Testing.chart();
    expect(() => new GitLabRunnerManager(c, 'm', { gitlabUrl: 'https://gitlab.example.com' }).addRunner('default', {
      token: { secretName: 't' },
      buildResources: { memory: { request: Values.of(c).string('request', { default: '3Gi', description: 'r' }), limit: '2Gi' } },
    })).toThrow('test/m/default: invalid buildResources.memory.request "3Gi" (default of Helm value "request"): must be at most the limit, buildResources.memory.limit "2Gi"');
  });
});

describe('isolation across constructs, in the chart too', () => {
  // One App, two managers and a cache that is wired to no runner; each namespace and token that
  // a rule compares is a Helm value somewhere, so `helm template --set` can break every rule.
  const out = tmpdir();
  beforeAll(() => {
    const app = Testing.app();
    const c = new Chart(app, 'c');
    const values = Values.of(c);
    const s = (p: string, d: string) => values.string(p, { default: d, description: p });
    const a = new GitLabRunnerManager(c, 'a', { gitlabUrl: 'https://gitlab.example.com', namespace: 'team-a' });
    a.addRunner('default', { token: { secretName: 'a-token' }, buildNamespace: s('a.build', 'team-a-builds') });
    const b = new GitLabRunnerManager(c, 'b', { gitlabUrl: 'https://gitlab.example.com', namespace: s('b.namespace', 'team-b') });
    const nodePool = new ExistingNodePool(c, 'pool', { taint: { key: 'dedicated', value: 'dind', effect: 'NoSchedule' } });
    b.addDindRunner('dind', { token: { secretName: 'b-token' }, nodePool, buildNamespace: 'team-b-privileged' });
    b.addRunner('plain', { token: { secretName: s('b.plainToken', 'plain-token') }, buildNamespace: 'team-b-builds' });
    new MinioCache(c, 'cache', { ...minioProps, namespace: s('cache.namespace', 'ci-cache') });
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
  });

  const MANAGER = 'build pods run arbitrary code and must not share a namespace (and its Secrets) with a manager';
  const CACHE = 'the executor\'s Role in a build namespace can read its Secrets, MinIO\'s root credentials included';
  const TOKEN = 'one token is one runner in GitLab, so jobs meant for the unprivileged runner could run privileged; give each runner its own token';
  // [--set, the synth message of the same props]
  test.each([
    [['a.build=team-b'], `c/a/default: invalid buildNamespace "team-b" (Helm value "a.build"): must differ from the namespace of runner manager c/b: ${MANAGER}`],
    [['b.namespace=team-a-builds'], `c/a/default: invalid buildNamespace "team-a-builds" (Helm value "a.build"): must differ from the namespace of runner manager c/b: ${MANAGER}`],
    [['a.build=ci-cache'], `c/a/default: invalid buildNamespace "ci-cache" (Helm value "a.build"): must differ from the namespace of the cache c/cache: ${CACHE}`],
    [['cache.namespace=team-a-builds'], `c/a/default: invalid buildNamespace "team-a-builds" (Helm value "a.build"): must differ from the namespace of the cache c/cache: ${CACHE}`],
    [['a.build=team-b-privileged'], 'c/a/default: invalid buildNamespace "team-b-privileged" (Helm value "a.build"): privileged runner c/b/dind builds there (Pod Security "privileged"); unprivileged runners need another namespace'],
    [['b.plainToken=b-token'], `c/b/dind: invalid token "team-b/b-token/runner-token" (with Helm values): is also the token of unprivileged runner c/b/plain: ${TOKEN}`],
  ])('WHEN --set %s THEN helm template fails with the synth message', (sets, message) => {
    expect(() => helm('template', 'test', out, ...sets.flatMap((x) => ['--set', x]))).toThrow(`: ${message}\n`);
  });

  test('GIVEN the defaults THEN it renders', () => {
    expect(helmTemplate(out).length).toBeGreaterThan(10);
  });

  test.each([
    ['a build namespace that is another manager\'s namespace', (c: Chart) => {
      new GitLabRunnerManager(c, 'a', { gitlabUrl: 'https://gitlab.example.com', namespace: 'team-a' })
        .addRunner('default', { token: { secretName: 't' }, buildNamespace: 'team-b' });
      new GitLabRunnerManager(c, 'b', { gitlabUrl: 'https://gitlab.example.com', namespace: 'team-b' });
    }, `[${'stack/a/default'}] invalid buildNamespace "team-b": must differ from the namespace of runner manager stack/b: ${MANAGER}`],
    ['a build namespace that is a cache\'s namespace', (c: Chart) => {
      new GitLabRunnerManager(c, 'a', { gitlabUrl: 'https://gitlab.example.com', namespace: 'team-a' })
        .addRunner('default', { token: { secretName: 't' }, buildNamespace: 'ci-cache' });
      new MinioCache(c, 'cache', { ...minioProps, namespace: 'ci-cache' });
    }, `[stack/a/default] invalid buildNamespace "ci-cache": must differ from the namespace of the cache stack/cache: ${CACHE}`],
  ])('GIVEN %s with plain props THEN synth gives the same message', (_case, build, message) => {
    const { error, written } = attemptSynth(build);
    expect(error?.message).toContain(message);
    expect(written).toEqual([]);
  });
});
