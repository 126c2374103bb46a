// `npm run test:consumer`: uses the package as its users do. Packs this repository, installs the
// tarball into scratch apps outside it (under the system's temp folder) and checks:
//   ts-app  laid out as `cdk8s init typescript-app` lays one out (its tsconfig.json is copied from
//           the CLI's template): a strict `tsc`, a jest `Testing.synth` snapshot that validates
//           with `cdk8s-gitlab-runner/validation`, and `cdk8s synth` (app run by ts-node) with the
//           validation plugin listed from the installed package;
//   js-app  plain JavaScript installed with `--omit=dev`: synthesizes and validates in plain node;
//   init-*  apps written by `npx cdk8s-gitlab-runner init` (no flags, then flags), whose own
//           `npm test` and `npm run synth` must pass offline;
//   import  `npx cdk8s-gitlab-runner import` on a fixture of the official chart's values, its
//           main.ts dropped into the init-flags app, whose test and synth must still pass.
// Only `npm install` uses the network (the registry, for the package's own dependencies); every
// later step runs without it where the machine allows (`unshare -n`, as root on Linux), and with
// the cdk8s CLI's update check off everywhere. Exits non-zero on the first failed check.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
// The apps pin the versions this repository is tested with, so the installs hit npm's cache.
const dev = pkg.devDependencies;
const peers = { cdk8s: dev.cdk8s, 'cdk8s-plus-27': dev['cdk8s-plus-27'], constructs: dev.constructs };
// cdk8s-plus-27's only optional dependency is its maintainers' release tool (about 50 MB); this
// repository omits it too (.npmrc). The package under test has no optional dependency.
const INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional'];

// `npm run` exports this repository's npm settings (npm_config_*, e.g. legacy-peer-deps from its
// .npmrc) to its children: the scratch apps must install with a user's defaults, not ours.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
env.CDK8S_CHECK_UPGRADE = 'false';
const offline = canIsolateNetwork();

let checks = 0;
function check(what, ok, detail = '') {
  if (!ok) {
    console.error(`FAIL ${what}${detail ? `\n${detail}` : ''}`);
    process.exit(1);
  }
  checks++;
  console.log(`ok   ${what}`);
}

/** Runs a command; `isolated` runs it without network where possible. Returns its output. */
function run(cwd, command, args, { isolated = false, allowFailure = false, extraEnv = {} } = {}) {
  const [file, argv] = isolated && offline ? ['unshare', ['-n', command, ...args]] : [command, args];
  const r = spawnSync(file, argv, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  if (r.status !== 0 && !allowFailure) {
    console.error(`FAIL ${[command, ...args].join(' ')} (in ${cwd}) exited ${r.status ?? r.signal ?? r.error}\n${output.slice(-6000)}`);
    process.exit(1);
  }
  return { status: r.status, output, stdout: r.stdout ?? '' };
}

function canIsolateNetwork() {
  if (process.platform !== 'linux') return false;
  return spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

function write(dir, files) {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-gitlab-runner-consumer-'));
console.log(`scratch apps in ${scratch}; later steps run ${offline ? 'without network (unshare -n)' : 'with network (unshare -n unavailable here), the CLI\'s update check off'}`);

// 1. The tarball, as `npm publish` would upload it (`npm pack` runs the prepare build).
// --ignore-scripts keeps the prepare build's output out of the JSON; build first instead.
run(root, process.execPath, [path.join(__dirname, 'build.js')]);
const packed = JSON.parse(run(root, 'npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch]).stdout);
const tarball = path.join(scratch, packed[0].filename);
const files = packed[0].files.map((f) => f.path);
check('the tarball holds the compiled entry points, the Monokle runner and the CRDs',
  ['lib/src/index.js', 'lib/src/index.d.ts', 'lib/src/cli/main.js', 'lib/src/validation/index.js', 'lib/src/validation/cdk8s-plugin.js', 'lib/src/validation/monokle.mjs', 'crds/karpenter.sh_nodepools.yaml', 'CHANGELOG.md']
    .every((f) => files.includes(f)), files.join('\n'));
check('the tarball holds no tests, sources or examples',
  !files.some((f) => /^(test|src|examples|lib\/examples|scripts)\//.test(f)), files.join('\n'));

// 2. A TypeScript app as `cdk8s init typescript-app` lays it out.
const template = path.join(root, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
const tsApp = path.join(scratch, 'ts-app');
const mainTs = `import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { GitLabRunnerManager, KarpenterNodePool } from 'cdk8s-gitlab-runner';

export class MyChart extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const manager = new GitLabRunnerManager(this, 'manager', { gitlabUrl: 'https://gitlab.example.com' });
    manager.addRunner('default', { token: { secretName: 'gitlab-runner-token' } });
    const pool = new KarpenterNodePool(this, 'privileged-pool', {
      taint: { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' },
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    });
    manager.addDindRunner('dind', { token: { secretName: 'gitlab-runner-dind-token' }, nodePool: pool });
  }
}

const app = new App();
new MyChart(app, 'gitlab-runner');
app.synth();
`;
const testTs = `import { Testing } from 'cdk8s';
import { validateManifests } from 'cdk8s-gitlab-runner/validation';
import { MyChart } from './main';

describe('gitlab-runner', () => {
  test('GIVEN the chart THEN its manifests match the snapshot', () => {
    expect(Testing.synth(new MyChart(Testing.app(), 'gitlab-runner'))).toMatchSnapshot();
  });

  test('GIVEN the chart THEN the validator finds no violation, only accepted findings with reasons', () => {
    const findings = validateManifests(Testing.synth(new MyChart(Testing.app(), 'gitlab-runner')));
    expect(findings.filter((f) => !f.accepted)).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
  });
});
`;
write(tsApp, {
  'package.json': {
    name: 'ts-app', version: '1.0.0', main: 'main.js', types: 'main.ts', license: 'Apache-2.0', private: true,
    scripts: { synth: 'cdk8s synth', compile: 'tsc --build', test: 'jest' },
    dependencies: { ...peers, 'cdk8s-gitlab-runner': `file:${tarball}` },
    devDependencies: {
      'cdk8s-cli': dev['cdk8s-cli'], '@types/node': dev['@types/node'], '@types/jest': dev['@types/jest'],
      jest: dev.jest, 'ts-jest': dev['ts-jest'], typescript: dev.typescript, 'ts-node': dev['ts-node'],
    },
  },
  'tsconfig.json': fs.readFileSync(path.join(template, 'tsconfig.json'), 'utf8'),
  'jest.config.js': fs.readFileSync(path.join(template, 'jest.config.js'), 'utf8'),
  '.gitignore': 'node_modules/\ndist/\n*.js\n!jest.config.js\n*.d.ts\n',
  'cdk8s.yaml': [
    'language: typescript',
    'app: npx ts-node main.ts',
    'validations:',
    '  - package: ./node_modules/cdk8s-gitlab-runner/lib/src/validation/cdk8s-plugin.js',
    '    class: GitLabRunnerStackValidation',
    `    version: ${pkg.version}`,
    '',
  ].join('\n'),
  'main.ts': mainTs,
  'main.test.ts': testTs,
});
run(tsApp, 'npm', INSTALL);
check('ts-app: installed from the tarball', fs.existsSync(path.join(tsApp, 'node_modules', 'cdk8s-gitlab-runner', 'lib', 'src', 'index.js')));

run(tsApp, 'npx', ['tsc', '--noEmit'], { isolated: true });
check('ts-app: strict tsc (cdk8s init\'s tsconfig: strict, no skipLibCheck) passes, both entry points typed', true);

// The first run writes the snapshot (CI=true would forbid that); the second, with --ci, must match it.
run(tsApp, 'npx', ['jest', '--ci=false'], { isolated: true });
const snap = path.join(tsApp, '__snapshots__', 'main.test.ts.snap');
check('ts-app: jest wrote the Testing.synth snapshot', fs.existsSync(snap) && fs.readFileSync(snap, 'utf8').includes('"kind": "StatefulSet"'));
run(tsApp, 'npx', ['jest', '--ci'], { isolated: true });
check('ts-app: jest --ci passes against it (snapshot stable, validator clean)', true);

const synth = run(tsApp, 'npx', ['cdk8s', 'synth'], { isolated: true }).output;
check('ts-app: cdk8s synth (ts-node) wrote dist/', fs.existsSync(path.join(tsApp, 'dist', 'gitlab-runner.k8s.yaml')), synth);
check('ts-app: the shipped validation plugin ran and passed', /Validation Report \(.*cdk8s-plugin\.js@/.test(synth) && /Status\s+│ success/.test(synth), synth);
check('ts-app: its report lists the accepted findings with their reasons', /Accepted findings\s+│ KBP104 StatefulSet gitlab-runner\/gitlab-runner .*: runs as the gitlab-runner image's own unprivileged user/.test(synth), synth);
check('ts-app: no stack trace from the CLI\'s update check', !/getaddrinfo|http error/.test(synth), synth);

// 2b. The docs' TypeScript snippets (test/doc-snippets.ts: the same modules test/doc-snippets.test.ts
// checks against src/), in ts-app against the INSTALLED package: strict tsc with the app's own
// tsconfig (no path mapping), so a snippet using what the package does not export fails here. A
// negative control imports such a name and must be the only error. Then the complete programs
// run (each must write manifests) and the jest-test snippets pass under the app's jest.
require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
const docSnippets = require('../test/doc-snippets');
const docs = docSnippets.extractAll(root);
check(`docs: ${docs.snippets.length} TypeScript snippets found, no malformed snippet marker`, docs.problems.length === 0 && docs.snippets.length > 0, docs.problems.join('\n'));
const control = docSnippets.extractSnippets(['```ts', "import { checkTable } from 'cdk8s-gitlab-runner';", 'checkTable;', '```'].join('\n'), 'negative-control.md').snippets;
const snippetModules = [...docs.snippets.filter((s) => s.noCompile === undefined), ...control].map(docSnippets.toModule);
const snippetsDir = path.join(tsApp, 'doc-snippets');
write(snippetsDir, {
  ...Object.fromEntries(snippetModules.map((m) => [m.fileName, m.text])),
  ...docSnippets.STUB_MODULES,
  'tsconfig.json': {
    extends: '../tsconfig.json',
    // The snippets' exceptions to the app's strictness, defined once (snippetCompilerOptions); the
    // output is run below, whatever the negative control's error.
    compilerOptions: { ...docSnippets.snippetCompilerOptions({}), noEmit: false, noEmitOnError: false, outDir: 'out', rootDir: '.' },
    include: ['**/*.ts'],
    exclude: ['out'],
  },
});
const snippetTsc = run(snippetsDir, 'npx', ['tsc', '-p', 'tsconfig.json'], { isolated: true, allowFailure: true }).output;
const byFile = new Map(snippetModules.map((m) => [m.fileName, m]));
const snippetErrors = snippetTsc.split('\n').filter((l) => /error TS\d+/.test(l)).map((l) => {
  const at = /^([^(]+)\((\d+),\d+\): (.*)$/.exec(l);
  const m = at && byFile.get(at[1]);
  return m ? `${m.snippet.file}:${docSnippets.markdownLine(m, Number(at[2]) - 1)}: ${at[3]}` : l;
});
check('docs: the negative control (a name the package does not export) fails against the installed package',
  snippetErrors.length > 0 && snippetErrors.every((e) => e.startsWith('negative-control.md:')) && snippetErrors.some((e) => /TS2305/.test(e)), snippetTsc);
check(`docs: the ${snippetModules.length - control.length} compiled snippets type-check against the installed package (strict, no path mapping)`,
  snippetErrors.every((e) => e.startsWith('negative-control.md:')), snippetErrors.join('\n'));
for (const m of snippetModules.filter((s) => s.isProgram)) {
  const cwd = fs.mkdtempSync(path.join(scratch, 'snippet-run-'));
  run(cwd, 'node', [path.join(snippetsDir, 'out', m.fileName.replace(/\.ts$/, '.js'))], { isolated: true });
  const written = fs.existsSync(path.join(cwd, 'dist')) ? fs.readdirSync(path.join(cwd, 'dist')).filter((f) => f.endsWith('.k8s.yaml')) : [];
  check(`docs: ${m.snippet.file}:${m.snippet.line} runs and writes manifests (${written.join(', ')})`,
    written.length > 0 && written.every((f) => /^kind: /m.test(fs.readFileSync(path.join(cwd, 'dist', f), 'utf8'))));
}
const tests = snippetModules.filter((s) => s.isTest);
run(tsApp, 'npx', ['jest', '--ci=false', '--rootDir', snippetsDir, '--testMatch', ...tests.map((m) => `**/${m.fileName}`)], { isolated: true });
check(`docs: the jest-test snippets pass in the app (${tests.map((m) => `${m.snippet.file}:${m.snippet.line}`).join(', ')})`, tests.length > 0);

// 3. A plain JavaScript app, production install only.
const jsApp = path.join(scratch, 'js-app');
write(jsApp, {
  'package.json': { name: 'js-app', version: '1.0.0', private: true, dependencies: { ...peers, 'cdk8s-gitlab-runner': `file:${tarball}` } },
  'main.js': `'use strict';
const path = require('path');
const { App, Chart } = require('cdk8s');
const { GitLabRunnerManager } = require('cdk8s-gitlab-runner');
const { readManifests, summarizeFindings, validateManifests } = require('cdk8s-gitlab-runner/validation');

const outdir = path.join(__dirname, 'dist');
const app = new App({ outdir });
const chart = new Chart(app, 'gitlab-runner');
new GitLabRunnerManager(chart, 'manager', { gitlabUrl: 'https://gitlab.example.com' })
  .addRunner('default', { token: { secretName: 'gitlab-runner-token' } });
app.synth();
const objects = readManifests([outdir]);
const { violations, accepted } = summarizeFindings(validateManifests(objects));
console.log(\`\${objects.length} objects, \${violations.length} violations, \${accepted.length} accepted findings\`);
for (const v of violations) console.log(\`VIOLATION \${v.rule} \${v.object}: \${v.message}\`);
try {
  require('cdk8s-gitlab-runner/lib/src/main');
  console.log('deep import allowed');
} catch (e) {
  console.log(e.code);
}
process.exitCode = violations.length ? 1 : 0;
`,
});
run(jsApp, 'npm', [...INSTALL, '--omit=dev']);
const devOnly = ['typescript', 'cdk8s-cli', 'jest', 'ts-node', 'adm-zip'].filter((p) => fs.existsSync(path.join(jsApp, 'node_modules', p)));
check('js-app: installed with --omit=dev, no development tool present', devOnly.length === 0, `present: ${devOnly.join(', ')}`);
const js = run(jsApp, 'node', ['main.js'], { isolated: true }).output;
check('js-app: plain node synthesizes and validates: no violation', /\d+ objects, 0 violations, \d+ accepted findings/.test(js), js);
check('js-app: the exports map closes the package\'s internals', js.includes('ERR_PACKAGE_PATH_NOT_EXPORTED'), js);

// 4. The scaffolder, run from the production install: once with no flags (defaults), once with
// flags; each generated app then installs, tests (first run writes the snapshot, as on a
// developer's machine; the second runs as CI does) and synthesizes with its own scripts.
const noCi = { CI: '' };
for (const [name, flags, expected] of [
  ['init-defaults', [], /GitLab URL: https:\/\/gitlab\.com \(default; --gitlab-url to change\)\nRunners: default \(default; --runner to change\)/],
  ['init-flags', ['--gitlab-url', 'https://gitlab.example.com', '--runner', 'small', '--runner', 'large'], /GitLab URL: https:\/\/gitlab\.example\.com\nRunners: small, large\n/],
]) {
  const app = path.join(scratch, name);
  const said = run(jsApp, 'npx', ['cdk8s-gitlab-runner', 'init', app, ...flags], { isolated: true }).output;
  check(`${name}: init shows the values it used and where the library comes from`, expected.test(said) && /packed into vendor\/cdk8s-gitlab-runner-[\d.]+\.tgz \(not from the registry\)/.test(said), said);
  run(app, 'npm', INSTALL);
  run(app, 'npm', ['test'], { isolated: true, extraEnv: noCi });
  run(app, 'npm', ['test'], { isolated: true, extraEnv: { CI: 'true' } });
  check(`${name}: the generated app's npm test passes offline (snapshot written, then matched as in CI)`, fs.existsSync(path.join(app, '__snapshots__', 'main.test.ts.snap')));
  const out = run(app, 'npm', ['run', 'synth'], { isolated: true }).output;
  check(`${name}: the generated app's npm run synth passes offline with the validation plugin`, /Status\s+│ success/.test(out) && fs.existsSync(path.join(app, 'dist', 'gitlab-runner.k8s.yaml')), out);
}
const refused = run(jsApp, 'npx', ['cdk8s-gitlab-runner', 'init', path.join(scratch, 'init-flags')], { isolated: true, allowFailure: true });
check('init refuses a non-empty folder with exit code 2 and a message', refused.status === 2 && refused.output.includes('exists and is not an empty folder: init never overwrites'), refused.output);

// 5. The importer, run from the production install on a fixture of the official chart's values:
// its main.ts replaces the one of the app init wrote, whose own test and synth must then pass.
const imported = path.join(scratch, 'imported');
const said = run(jsApp, 'npx', ['cdk8s-gitlab-runner', 'import', '--values', path.join(root, 'test', 'fixtures', 'official-chart', 'privileged-dind.yaml'), '--out', imported], { isolated: true }).output;
check('import: converts the official chart\'s values, writes main.ts and IMPORT-REPORT.md, prints the report',
  fs.existsSync(path.join(imported, 'main.ts')) && fs.existsSync(path.join(imported, 'IMPORT-REPORT.md')) && said.includes('# Import report'), said);
const importApp = path.join(scratch, 'init-flags');
fs.copyFileSync(path.join(imported, 'main.ts'), path.join(importApp, 'main.ts'));
const appTest = path.join(importApp, 'main.test.ts');
fs.writeFileSync(appTest, fs.readFileSync(appTest, 'utf8').replace(/\bRunners\b/g, 'ImportedRunners'));
fs.rmSync(path.join(importApp, '__snapshots__'), { recursive: true, force: true });
run(importApp, 'npm', ['test'], { isolated: true, extraEnv: noCi });
const importSynth = run(importApp, 'npm', ['run', 'synth'], { isolated: true }).output;
check('import: the generated main.ts passes the app\'s npm test and synthesizes with the validation plugin', /Status\s+│ success/.test(importSynth) && fs.readFileSync(path.join(importApp, 'dist', 'gitlab-runner.k8s.yaml'), 'utf8').includes('name = "dind"'), importSynth);

fs.rmSync(scratch, { recursive: true, force: true });
console.log(`consumer tests: ${checks} passed, 0 failed`);
