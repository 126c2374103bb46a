import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse as parseToml } from 'smol-toml';
import * as ts from 'typescript';
import { parse as parseYaml } from 'yaml';
import { parseImportArgs, runImport } from '../src/cli/import/command';
import { convert, ImportResult } from '../src/cli/import/importer';
import { KUBERNETES_UNMAPPED, RUNNER_UNMAPPED } from '../src/cli/import/toml-mapping';
import { CHART_UNMAPPED } from '../src/cli/import/values-mapping';
import { validateManifests } from '../src/validation';
import { tmpdir } from './helpers';

const FIXTURES = path.join(__dirname, 'fixtures', 'official-chart');
const ROOT = path.join(__dirname, '..');

/** Each fixture: its values file and, for the --config case, its config.toml. */
const CASES: Array<[string, string, string]> = [
  ['a minimal install with an inline token', 'minimal-token.yaml', ''],
  ['an S3 cache', 's3-cache.yaml', ''],
  ['a GCS cache', 'gcs-cache.yaml', ''],
  ['a privileged DinD runner on a tainted node group', 'privileged-dind.yaml', ''],
  ['node selectors and tolerations', 'node-placement.yaml', ''],
  ['custom certificates (certsSecretName)', 'custom-certs.yaml', ''],
  ['several runners through a config template', 'multi-runner.yaml', ''],
  ['wildcard RBAC, a registration token and other risky settings', 'risky.yaml', ''],
  ['a separate config.toml (--config)', 'with-config.yaml', 'with-config.toml'],
  ['keys the importer does not know', 'unknown-key.yaml', ''],
  ['values and a template of the wrong shape', 'wrong-shapes.yaml', ''],
  ['the settings the library has gained props for (placement, env, volumes, CA, scripts, overrides, Azure)', 'newer-props.yaml', ''],
];

function run(values: string, config: string): ImportResult {
  return convert({
    values: fs.readFileSync(path.join(FIXTURES, values), 'utf8'),
    valuesFile: values,
    config: config ? fs.readFileSync(path.join(FIXTURES, config), 'utf8') : undefined,
    configFile: config || undefined,
    namespace: 'gitlab-runner',
  });
}

/**
 * Every leaf key of a fixture, computed here independently of the importer: the values (YAML 1.1,
 * as Helm reads them), and each [[runners]] entry of its config template with Helm expressions
 * blanked out.
 */
function sourceKeys(values: string, config: string): string[] {
  const flat = (node: unknown, prefix: string): string[] => (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length
    ? Object.entries(node).flatMap(([k, v]) => flat(v, `${prefix}${prefix && !prefix.endsWith('#') ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)}`))
    : [prefix]);
  const data = parseYaml(fs.readFileSync(path.join(FIXTURES, values), 'utf8'), { version: '1.1' });
  const template = config ? fs.readFileSync(path.join(FIXTURES, config), 'utf8') : data.runners?.config;
  const source = config || 'runners.config';
  const toml = parseToml((template ?? '').split('\n').filter((l: string) => !/^\s*\{\{-?\s*(if|end)\b/.test(l)).join('\n').replace(/\{\{[\s\S]*?\}\}/g, 'x')) as Record<string, unknown>;
  const { runners, ...global } = toml;
  return [
    ...flat(data, ''),
    ...flat(global, `${source}#`).filter((k) => k !== `${source}#`),
    ...((runners as unknown[] | undefined) ?? []).flatMap((r, i) => flat(r, `${source}#runners[${i}]`)),
  ];
}

/** Whether the report names `key`, or a key above or below it. */
function reported(result: ImportResult, key: string): boolean {
  return result.report.paths().some((p) => p === key || p.startsWith(`${key}.`) || p.startsWith(`${key}[`) || key.startsWith(`${p}.`) || key.startsWith(`${p}[`));
}

describe('cdk8s-gitlab-runner import', () => {
  // The generated files live inside the repository so `cdk8s` and `constructs` resolve from its
  // node_modules; the library itself is imported from src/, which the package maps to.
  const out = path.join(ROOT, '.import-test-out');
  const results = new Map<string, ImportResult>();
  const files = new Map<string, string>();

  beforeAll(() => {
    fs.rmSync(out, { recursive: true, force: true });
    for (const [, values, config] of CASES) {
      const result = run(values, config);
      results.set(values, result);
      const dir = path.join(out, values.replace(/\.yaml$/, ''));
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'main.ts');
      fs.writeFileSync(file, result.mainTs.replace("from 'cdk8s-gitlab-runner'", `from '${path.relative(dir, path.join(ROOT, 'src')).split(path.sep).join('/')}'`));
      files.set(values, file);
    }
  });

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  test.each(CASES)('GIVEN values with %s WHEN imported THEN main.ts and the report match the snapshot, and every key is reported', (_case, values, config) => {
    const result = results.get(values)!;
    expect(result.mainTs).toMatchSnapshot('main.ts');
    expect(result.reportMd).toMatchSnapshot('IMPORT-REPORT.md');
    const keys = sourceKeys(values, config);
    expect(keys.length).toBeGreaterThan(1);
    expect(keys.filter((k) => !reported(result, k))).toEqual([]);
  });

  test.each(CASES)('GIVEN values with %s WHEN the generated main.ts synthesizes THEN the library\'s validation accepts the manifests', (_case, values) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { ImportedRunners } = require(files.get(values)!);
    const manifests = Testing.synth(new ImportedRunners(Testing.app(), 'gitlab-runner'));
    expect(manifests.some((m: any) => m.kind === 'StatefulSet')).toBe(true);
    expect(validateManifests(manifests).filter((f) => !f.accepted)).toEqual([]);
  });

  test('GIVEN every generated main.ts WHEN type-checked strictly (cdk8s init\'s compiler options) THEN it compiles against the library', () => {
    const program = ts.createProgram([...files.values()], {
      strict: true, noImplicitAny: true, noUnusedLocals: true, noUnusedParameters: true, noImplicitReturns: true,
      target: ts.ScriptTarget.ES2017, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true, noEmit: true, types: ['node'],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program)
      .filter((d) => d.file && [...files.values()].includes(path.resolve(d.file.fileName)))
      .map((d) => `${path.relative(out, d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(diagnostics).toEqual([]);
  });

  test('GIVEN wildcard RBAC, clusterWideAccess, a registration token, privileged without a pool and inline secrets WHEN imported THEN each is flagged risky and none is copied', () => {
    const result = results.get('risky.yaml')!;
    const risky = result.report.risky.map((r) => r.path);
    expect(risky).toEqual(expect.arrayContaining([
      'gitlabUrl', 'runnerRegistrationToken', 'rbac.rules', 'rbac.clusterWideAccess', 'envVars.RUNNER_TOKEN',
      'runners.config#runners[0].token', 'runners.config#runners[0].kubernetes.privileged',
      'runners.config#runners[0].kubernetes.volumes.host_path[0]', 'runners.config#runners[0].cache.s3.tls_verify',
      'runners.config#runners[0].cache.s3.Insecure', 'runners.config#runners[0].cache.s3.AccessKey',
      'runners.config#runners[0].environment.DEPLOY_PASSWORD',
    ]));
    for (const secret of ['GR1348941example', 'glrt-inline', 'glrt-written', 'hunter2', 'minioadmin']) {
      expect(result.mainTs).not.toContain(secret);
      expect(result.reportMd).not.toContain(secret);
    }
    expect(result.mainTs).toContain("manager.addDindRunner('docker'");
    expect(result.mainTs).toContain('new ExistingNodePool(this, \'privileged-pool\'');
  });

  test('GIVEN a privileged runner tolerating a taint WHEN imported THEN it becomes addDindRunner on an ExistingNodePool with that taint and label', () => {
    const { mainTs, report } = results.get('privileged-dind.yaml')!;
    expect(mainTs).toContain("taint: { key: 'dedicated', value: 'ci-privileged', effect: 'NoSchedule' }");
    expect(mainTs).toContain("nodeLabel: { key: 'dedicated', value: 'ci-privileged' }");
    expect(mainTs).toMatch(/manager\.addDindRunner\('dind', \{\n\s+token: \{ secretName: 'dind-runner-token' \},\n\s+nodePool: privilegedPool,/);
    expect(report.risky).toEqual([]);
  });

  test('GIVEN chart values the library now has props for WHEN imported THEN they become those props, and what the library refuses is flagged, not copied', () => {
    const { mainTs, report } = results.get('newer-props.yaml')!;
    const convertedTo = (path: string) => report.converted.find((c) => c.path === path)?.text;
    // The manager pod.
    expect(mainTs).toContain("caBundle: { secretName: 'gitlab-ca', key: 'gitlab.example.com.crt' }");
    expect(mainTs).toContain('drainTimeout: Duration.seconds(1800)');
    expect(mainTs).toContain('connectionMaxAge: Duration.seconds(600)');
    expect(mainTs).toContain("podLabels: { team: 'platform' }");
    expect(mainTs).not.toContain("'app.kubernetes.io/name': 'my-runner'");
    expect(mainTs).toContain("httpsProxy: 'http://proxy.example.com:3128'");
    expect(mainTs).toContain("{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }");
    expect(mainTs).toMatch(/new RunnerMonitoring\(this, 'monitoring', \{\n\s+manager: manager,/);
    // The runners.
    expect(convertedTo('runners.config#runners[0].output_limit')).toBe('outputLimit');
    expect(convertedTo('runners.config#runners[0].kubernetes.affinity')).toBe('affinity');
    expect(mainTs).toContain("required: [{ matchExpressions: [{ key: 'node.example.com/ci', operator: 'Exists' }] }]");
    expect(mainTs).toContain("podSpecPatches: [{ name: 'hostname', patchType: 'merge', patch: { hostname: 'ci-build' } }]");
    expect(mainTs).toContain("kubernetes: { runtime_class_name: 'gvisor', scheduler_name: 'ci-scheduler' }");
    expect(convertedTo('runners.config#runners[0].kubernetes.runtime_class_name')).toMatch(/^via rawConfig/);
    expect(mainTs).toContain('new AzureCache(this, \'cache\'');
    // What the library refuses: reported with its reason, never sent through the escape hatch.
    expect(report.unmapped.find((u) => u.path === 'runners.config#runners[0].kubernetes.host')?.text).toContain('is refused');
    expect(mainTs).not.toContain('other-cluster');
    expect(report.risky.map((r) => r.path)).toEqual(expect.arrayContaining([
      'volumes[1]', 'runners.config#runners[0].kubernetes.volumes.host_path', 'runners.config#runners[1].kubernetes.volumes.host_path[0]',
      'runners.config#runners[0].kubernetes.node_tolerations_overwrite_allowed', 'runners.config#runners[1].kubernetes.node_tolerations_overwrite_allowed',
    ]));
    expect(mainTs).not.toContain('docker.sock');
    expect(mainTs).not.toContain("tolerations: '.*'");
    expect(mainTs).toContain("hostPath: '/mnt/ci-layers'");
  });

  test('GIVEN an S3 cache with KMS encryption and a RoleARN WHEN imported THEN the encryption is a typed prop and the role goes through the cache table of rawConfig', () => {
    const { mainTs, report } = results.get('s3-cache.yaml')!;
    expect(mainTs).toContain("serverSideEncryption: { type: 'KMS', kmsKeyId: 'alias/runner-cache' }");
    expect(mainTs).toMatch(/rawConfig: \{\s+cache: \{ s3: \{ RoleARN: 'arn:aws:iam::111122223333:role\/runner-cache-upload' \} \}/);
    expect(report.converted.find((c) => c.path === 'runners.config#runners[0].cache.s3.RoleARN')?.text).toMatch(/^via rawConfig/);
  });

  test('GIVEN a config template with Helm expressions WHEN imported THEN known ones are evaluated and the others reported at their key', () => {
    const { mainTs, report } = results.get('multi-runner.yaml')!;
    expect(mainTs).toContain("buildResources: { memory: { limit: '8Gi' } }"); // {{ .Values.bigMemory }}
    expect(mainTs).toContain("manager.addRunner('large-builds'");
    expect(report.unmapped.map((u) => u.path)).toEqual(expect.arrayContaining([
      'runners.config#runners[1].kubernetes.helper_image', 'runners.config:30', 'runners.config:38',
    ]));
    expect(report.converted.find((c) => c.path === 'bigMemory')?.text).toContain('{{ .Values.bigMemory }}');
  });

  test('GIVEN a key the importer does not know (negative control) WHEN imported THEN the report lists it as not converted', () => {
    const { report, reportMd } = results.get('unknown-key.yaml')!;
    expect(report.unmapped.map((u) => u.path)).toEqual(expect.arrayContaining([
      'someFutureChartKey.enabled', 'runners.config#runners[0].kubernetes.some_future_option',
    ]));
    expect(reportMd).toContain('- `someFutureChartKey.enabled`: not known to the importer');
  });

  test('GIVEN --config and values WHEN imported THEN the values win for global keys set in both, and the config fills in the rest', () => {
    const { mainTs, report } = results.get('with-config.yaml')!;
    expect(mainTs).toContain("logLevel: 'warning'");
    expect(mainTs).toContain('concurrent: 12');
    expect(mainTs).toContain('shutdownTimeout: Duration.seconds(60)');
    expect(report.unmapped.find((u) => u.path === 'with-config.toml#log_level')?.text).toBe('logLevel in with-config.yaml wins, as in the chart');
  });

  test.each([
    ['values and a template of the wrong shape', 'wrong-shapes.yaml', '', ['rbac.rules', 'runners.config#runners[0]', 'runners.config']],
    ['volumes of the wrong shape', 'with-config.yaml', 'wrong-volumes.toml', ['wrong-volumes.toml#runners[0].kubernetes.volumes.empty_dir']],
  ])('GIVEN %s WHEN imported THEN the keys are reported, with no crash', (_case, values, config, keys) => {
    const result = run(values, config);
    expect(result.report.unmapped.map((u) => u.path)).toEqual(expect.arrayContaining(keys));
    expect(result.mainTs).toContain('manager.addRunner(');
  });

  describe('the command line', () => {
    const fixture = (f: string) => path.join(FIXTURES, f);

    test('GIVEN files WHEN import runs THEN it writes main.ts and IMPORT-REPORT.md and prints the report', () => {
      const dir = path.join(tmpdir(), 'out');
      const { lines } = runImport(['--values', fixture('s3-cache.yaml'), '--out', dir]);
      expect(fs.readdirSync(dir).sort()).toEqual(['IMPORT-REPORT.md', 'main.ts']);
      expect(fs.readFileSync(path.join(dir, 'main.ts'), 'utf8')).toBe(results.get('s3-cache.yaml')!.mainTs);
      expect(lines[0]).toBe(fs.readFileSync(path.join(dir, 'IMPORT-REPORT.md'), 'utf8').trimEnd());
      expect(lines[2]).toMatch(/^wrote main\.ts and IMPORT-REPORT\.md into .*: \d+ key\(s\) converted, \d+ not converted, \d+ risky$/);
    });

    test.each([
      ['no --values', [], '--values is required'],
      ['an unknown option', ['--values', 'v.yaml', '--bogus'], 'unknown option --bogus; known: --values, --config, --out, --namespace, --help'],
      ['a missing values file', ['--values', '/nonexistent/values.yaml'], 'cannot read --values /nonexistent/values.yaml: no such file'],
      ['a bad namespace', ['--values', 'v.yaml', '--namespace', 'Bad_NS'], 'invalid --namespace "Bad_NS": must be a DNS-1123 label'],
    ])('GIVEN %s WHEN import runs THEN it fails with a clear message and writes nothing', (_case, argv, message) => {
      const dir = path.join(tmpdir(), 'out');
      expect(() => runImport([...argv, '--out', dir])).toThrow(message);
      expect(fs.existsSync(dir)).toBe(false);
    });

    test.each([
      ['bad YAML', 'gitlabUrl: [unclosed\n', undefined, 'v.yaml is not valid YAML'],
      ['a list instead of a mapping', '- a\n- b\n', undefined, 'v.yaml must be a mapping of chart values'],
      ['no gitlabUrl', 'concurrent: 4\n', undefined, 'gitlabUrl: the values set no GitLab URL'],
      ['bad TOML in runners.config', 'gitlabUrl: https://gitlab.example.com\nrunners:\n  config: "[[runners]\\n"\n', undefined, 'runners.config is not valid TOML'],
      ['bad TOML in --config', 'gitlabUrl: https://gitlab.example.com\n', 'concurrent = = 1\n', 'c.toml is not valid TOML'],
    ])('GIVEN %s WHEN import runs THEN it fails with a clear message and writes nothing', (_case, values, config, message) => {
      const src = tmpdir();
      fs.writeFileSync(path.join(src, 'v.yaml'), values);
      if (config) fs.writeFileSync(path.join(src, 'c.toml'), config);
      const dir = path.join(tmpdir(), 'out');
      expect(() => runImport(['--values', path.join(src, 'v.yaml'), ...(config ? ['--config', path.join(src, 'c.toml')] : []), '--out', dir])).toThrow(message);
      expect(fs.existsSync(dir)).toBe(false);
    });

    test('GIVEN an out folder with a file in it WHEN import runs THEN it refuses and changes nothing', () => {
      const dir = tmpdir();
      fs.writeFileSync(path.join(dir, 'main.ts'), 'mine');
      expect(() => runImport(['--values', fixture('minimal-token.yaml'), '--out', dir])).toThrow(`${dir} exists and is not an empty folder: import never overwrites; choose a new folder`);
      expect(fs.readdirSync(dir)).toEqual(['main.ts']);
      expect(fs.readFileSync(path.join(dir, 'main.ts'), 'utf8')).toBe('mine');
    });

    test('GIVEN --help WHEN parsed THEN help is asked for; defaults apply to --out and --namespace', () => {
      expect(runImport(['--help']).lines[0]).toMatch(/^Usage: cdk8s-gitlab-runner import --values values\.yaml/);
      expect(parseImportArgs(['--values', 'v.yaml'])).toEqual({ values: 'v.yaml', config: undefined, out: 'imported-runners', namespace: 'gitlab-runner', help: false });
    });
  });

  describe('the docs', () => {
    test('GIVEN the README THEN it starts with the two commands, then "Coming from the official chart", then "Start your own app"', () => {
      const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
      const headings = readme.split('\n').filter((l) => /^##? /.test(l));
      expect(headings.slice(0, 3)).toEqual(['# cdk8s-gitlab-runner', '## Coming from the official chart', '## Start your own app']);
      expect(/^# cdk8s-gitlab-runner\n\n```sh\nnpm ci && npm run synth .*\nnpm test .*\n```\n/.test(readme)).toBe(true);
      expect(readme).toContain('npx cdk8s-gitlab-runner import --values values.yaml');
    });

    test('GIVEN the importing guide THEN its mapping table names every key the importer reports by name', () => {
      const guide = fs.readFileSync(path.join(ROOT, 'docs', 'guides', 'importing.md'), 'utf8');
      const named = (key: string) => guide.includes(`\`${key}\``) || guide.includes(`\`kubernetes.${key}\``)
        || guide.includes(`\`${key.split('.').pop()}\``) || /_overwrite_(max_)?allowed$/.test(key);
      const keys = [...Object.keys(CHART_UNMAPPED), ...Object.keys(RUNNER_UNMAPPED), ...Object.keys(KUBERNETES_UNMAPPED)];
      expect(keys.filter((k) => !named(k))).toEqual([]);
    });
  });
});
