import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { GitLabRunnerManager, S3Cache } from '../src';
import { KEY_USES, renderRunnerKeysDoc } from '../src/runner/config/key-uses';
import { rawConflicts } from '../src/runner/config/raw-config';
import { checkTable, levenshtein, nearest, RUNNER_KEYS, RUNNER_KEYS_VERSION } from '../src/runner/config/runner-keys';
import { find, managerStack } from './helpers';

const templateOf = (objects: any[]) => find(objects, 'ConfigMap', 'gitlab-runner').data['config.template.toml'] as string;

describe('the runner key list', () => {
  test('THEN it was generated from the runner version of the default manager image', () => {
    const { manager } = managerStack();
    expect(manager.image).toBe(`gitlab/gitlab-runner:alpine-${RUNNER_KEYS_VERSION}`);
    expect(RUNNER_KEYS.source.module).toBe('gitlab.com/gitlab-org/gitlab-runner');
  });

  test('THEN it holds the tables the library writes', () => {
    expect(RUNNER_KEYS.tables['runners.kubernetes'].scheduler_name).toBe('string');
    expect(RUNNER_KEYS.tables['runners.kubernetes'].pull_policy).toBe('string|array:string');
    expect(RUNNER_KEYS.tables['runners.cache.azure'].ContainerName).toBe('string');
    expect(RUNNER_KEYS.tables['runners.kubernetes.volumes.empty_dir'].size_limit).toBe('string');
    expect(RUNNER_KEYS.tables[''].concurrent).toBe('integer');
  });

  test('GIVEN a typo WHEN checked THEN the nearest key is named', () => {
    expect(levenshtein('schedular_name', 'scheduler_name')).toBe(1);
    expect(nearest('schedular_name', Object.keys(RUNNER_KEYS.tables['runners.kubernetes']))).toBe('scheduler_name');
    expect(nearest('completely_unrelated_thing', ['concurrent'])).toBeUndefined();
  });

  // The "passes the runner-key check" rule: every key the library writes is one the runner reads.
  const outputs = ['dist/gitlab-runner.k8s.yaml', ...fs.readdirSync(path.join(__dirname, '..', 'examples'))
    .map((e) => `examples/${e}/dist/gitlab-runner.k8s.yaml`)
    .filter((f) => fs.existsSync(path.join(__dirname, '..', f)))];
  test.each(outputs)('GIVEN the committed %s WHEN its config.toml keys are checked THEN all are gitlab-runner keys', (file) => {
    const docs = parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', file), 'utf8')).map((d) => d.toJS());
    const templates = docs.filter((d) => d?.kind === 'ConfigMap' && d.data?.['config.template.toml']).map((d) => d.data['config.template.toml']);
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) expect(checkTable('', parse(template))).toEqual([]);
  });
});

describe('the raw escape hatch on a runner', () => {
  test('GIVEN rawConfig with keys no prop covers WHEN synthesized THEN they are merged into the runner\'s tables', () => {
    const { objects } = managerStack({}, {
      rawConfig: {
        post_get_sources_script: 'git lfs pull',
        kubernetes: { scheduler_name: 'my-scheduler', retry_limits: { 'connection refused': 3 }, cleanup_resources_timeout: '10m' },
      },
    });
    const template = templateOf(objects);
    const runner = (parse(template) as any).runners[0];
    expect(runner.post_get_sources_script).toBe('git lfs pull');
    expect(runner.kubernetes.scheduler_name).toBe('my-scheduler');
    expect(runner.kubernetes.retry_limits).toEqual({ 'connection refused': 3 });
    // The library's own keys are untouched.
    expect(runner.kubernetes.namespace).toBe('gitlab-runner-builds');
    expect(template).toMatchSnapshot();
  });

  test('GIVEN addRawConfig() twice with different keys THEN both reach config.toml', () => {
    const { objects } = synthWith((m) => m.addRunner('default', { token: { secretName: 't' } })
      .addRawConfig({ kubernetes: { scheduler_name: 's' } })
      .addRawConfig({ kubernetes: { runtime_class_name: 'gvisor' } }));
    const runner = (parse(templateOf(objects)) as any).runners[0];
    expect(runner.kubernetes).toMatchObject({ scheduler_name: 's', runtime_class_name: 'gvisor' });
  });

  test('GIVEN an array of tables (services) THEN its tables are checked and written', () => {
    const { objects } = managerStack({}, { rawConfig: { kubernetes: { services: [{ name: 'postgres:16.4', alias: 'db' }] } } });
    expect((parse(templateOf(objects)) as any).runners[0].kubernetes.services).toEqual([{ name: 'postgres:16.4', alias: 'db' }]);
  });

  test('GIVEN pod_spec raw THEN it is refused: the typed podSpecPatches sets it (and re-checks the patched pod)', () => {
    expect(() => managerStack({}, { rawConfig: { kubernetes: { pod_spec: [{ name: 'hostname', patch: '{"hostname": "ci"}', patch_type: 'merge' }] } } }))
      .toThrow(/rawConfig\.kubernetes\.pod_spec .*is set by the typed prop podSpecPatches/);
  });

  test.each([
    ['a typo', { kubernetes: { schedular_name: 'x' } }, 'invalid rawConfig.kubernetes.schedular_name "schedular_name": is not a key of [runners.kubernetes] in gitlab-runner v18.9.0; did you mean "scheduler_name"?'],
    ['a typo in a nested table', { kubernetes: { services: [{ name: 'redis:7.4', alia: 'cache' }] } }, 'rawConfig.kubernetes.services[0].alia "alia": is not a key of [runners.kubernetes.services] in gitlab-runner v18.9.0; did you mean "alias"?'],
    ['a wrong type', { kubernetes: { retry_limit: '10' } }, 'invalid rawConfig.kubernetes.retry_limit "10": must be an integer (TOML integer in gitlab-runner v18.9.0)'],
    ['a bad duration', { kubernetes: { cleanup_resources_timeout: '10 minutes' } }, 'must be a Go duration string such as "5m"'],
    ['a list of the wrong type', { kubernetes: { cap_add: ['NET_ADMIN', 1] } }, 'invalid rawConfig.kubernetes.cap_add[1] 1: must be a string'],
    ['a table where a value goes', { kubernetes: 'scheduler_name = "x"' }, 'invalid rawConfig.kubernetes "scheduler_name = \\"x\\"": must be a table'],
    ['a key a typed prop sets', { kubernetes: { cpu_request: '1' } }, 'invalid rawConfig.kubernetes.cpu_request "cpu_request": is set by the typed prop buildResources.cpu.request: set it there'],
    ['a key under a typed prop\'s table', { kubernetes: { pod_labels: { team: 'a' } } }, 'is set by the typed prop podLabels'],
    ['a key the library sets', { kubernetes: { service_account: 'admin' } }, 'is set by the library: the build ServiceAccount the library creates'],
    ['a credential', { kubernetes: { bearer_token: 'x' } }, 'is refused: a credential in config.toml would sit in clear text'],
    ['a way around isolation', { kubernetes: { namespace_overwrite_allowed: '.*' } }, 'is refused: would let a job leave the isolation'],
    ['another executor\'s table', { docker: { image: 'x' } }, 'invalid rawConfig.docker.image "image": is refused: settings of another executor'],
    ['a cache key useCache sets', { cache: { Type: 's3' } }, 'is set by the typed prop runner.useCache(cache)'],
    ['marker syntax', { kubernetes: { scheduler_name: '@@secret:runner-token/runner-token@@' } }, 'invalid rawConfig.kubernetes.scheduler_name "@@secret:runner-token/runner-token@@": must not hold the library\'s marker syntax'],
    ['marker syntax in a key', { kubernetes: { retry_limits: { '@@if:x@@': 1 } } }, 'must not hold the library\'s marker syntax'],
    ['not a table', ['kubernetes'], 'invalid rawConfig ["kubernetes"]: must be a table of gitlab-runner config.toml keys'],
  ])('GIVEN rawConfig with %s WHEN the runner is added THEN a ConfigError says what is wrong', (_what, rawConfig, message) => {
    expect(() => managerStack({}, { rawConfig: rawConfig as any })).toThrow(message);
  });

  test('GIVEN addRawConfig() setting a key an earlier call set THEN it is refused', () => {
    expect(() => synthWith((m) => m.addRunner('default', { token: { secretName: 't' }, rawConfig: { kubernetes: { scheduler_name: 'a' } } })
      .addRawConfig({ kubernetes: { scheduler_name: 'b' } }))).toThrow(/manager\/default: invalid addRawConfig\(\) .*sets a key an earlier rawConfig or addRawConfig\(\) already set .*kubernetes\.scheduler_name/);
  });

  test('GIVEN a raw key the library\'s table also holds THEN synth reports the conflict', () => {
    expect(rawConflicts('rawConfig', { kubernetes: { namespace: 'ns', image: 'x' } }, { kubernetes: { namespace: 'other', scheduler_name: 's' } }))
      .toEqual(['invalid rawConfig.kubernetes.namespace "other": the library already sets this key (to "ns") from a prop or a cache; remove it from the escape hatch and use that prop']);
  });

  test('GIVEN rawConfig with MaxUploadedArchiveSize and an S3 cache THEN the cache table holds both', () => {
    const { objects } = synthWith((m, chart) => m.addRunner('default', { token: { secretName: 't' }, rawConfig: { cache: { MaxUploadedArchiveSize: 1000000 } } })
      .useCache(new S3Cache(chart, 'cache', { bucketName: 'runner-cache', region: 'eu-west-1' })));
    const cache = (parse(templateOf(objects)) as any).runners[0].cache;
    expect(cache).toMatchObject({ Type: 's3', MaxUploadedArchiveSize: 1000000, s3: { BucketName: 'runner-cache' } });
  });
});

describe('the raw escape hatch on the manager', () => {
  test('GIVEN rawConfig on the manager THEN its keys are merged into the global table', () => {
    const { objects } = managerStack({ rawConfig: { experimental: { usage_logger: { max_rotation_age: '24h' } }, sentry_dsn: 'https://k@sentry.example.com/1' } });
    const model = parse(templateOf(objects)) as any;
    expect(model.experimental.usage_logger.max_rotation_age).toBe('24h');
    expect(model.sentry_dsn).toBe('https://k@sentry.example.com/1');
    expect(model.concurrent).toBe(10);
  });

  test('GIVEN addRawConfig() on the manager THEN its keys reach the global table', () => {
    const { objects } = synthWith((m) => {
      m.addRawConfig({ user: 'gitlab-runner' });
      m.addRunner('default', { token: { secretName: 't' } });
    });
    expect((parse(templateOf(objects)) as any).user).toBe('gitlab-runner');
  });

  test.each([
    ['a typo', { sentry_dns: 'x' }, 'invalid rawConfig.sentry_dns "sentry_dns": is not a key of [global] in gitlab-runner v18.9.0; did you mean "sentry_dsn"?'],
    ['a key a prop sets', { concurrent: 4 }, 'invalid rawConfig.concurrent "concurrent": is set by the typed prop concurrent (manager)'],
    ['runners', { runners: [] }, 'is set by the library: one [[runners]] entry per addRunner()'],
    ['a wrong type', { experimental: { usage_logger: { max_rotation_age: 15 * 60 * 1e9 + 0.5 } } }, 'must be a Go duration string'],
    ['a key a prop sets (connectionMaxAge)', { connection_max_age: '15m' }, 'invalid rawConfig.connection_max_age "connection_max_age": is set by the typed prop connectionMaxAge (manager)'],
  ])('GIVEN manager rawConfig with %s THEN a ConfigError says what is wrong', (_what, rawConfig, message) => {
    expect(() => managerStack({ rawConfig: rawConfig as any })).toThrow(message);
  });
});

function synthWith(build: (m: GitLabRunnerManager, chart: any) => void): { objects: any[] } {
  const chart = Testing.chart();
  const m = new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
  build(m, chart);
  return { objects: Testing.synth(chart) };
}

describe('docs/runner-keys.md', () => {
  test('THEN every [runners.kubernetes] key of the pinned runner has an entry in KEY_USES', () => {
    const missing = Object.keys(RUNNER_KEYS.tables['runners.kubernetes']).filter((k) => !KEY_USES[`runners.kubernetes.${k}`]);
    expect(missing).toEqual([]);
  });

  test('THEN every KEY_USES entry is a key gitlab-runner defines', () => {
    const unknown = Object.keys(KEY_USES).filter((p) => {
      const at = p.lastIndexOf('.');
      return RUNNER_KEYS.tables[at < 0 ? '' : p.slice(0, at)]?.[p.slice(at + 1)] === undefined;
    });
    expect(unknown).toEqual([]);
  });

  test('THEN the committed doc is the one `npm run docs:keys` writes', () => {
    expect(fs.readFileSync(path.join(__dirname, '..', 'docs', 'runner-keys.md'), 'utf8')).toBe(renderRunnerKeysDoc());
  });
});
