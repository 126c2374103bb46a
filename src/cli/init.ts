import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { ConfigError } from '../common/errors';
import { GitLabRunnerManager } from '../runner/gitlab-runner-manager';

// `cdk8s-gitlab-runner init [dir]`: writes a ready cdk8s app using this library, laid out as
// `cdk8s init typescript-app` lays one out, with the validation plugin in its cdk8s.yaml and a
// snapshot test. Flags (or prompts on a terminal) choose the GitLab URL and the runners; the
// values are checked by the constructs themselves, so init refuses exactly what synth would.

/** What `init` writes the app for. */
export interface InitOptions {
  /** Folder of the new app; must not exist or be empty. */
  readonly dir: string;
  /** The GitLab instance the runners register with. */
  readonly gitlabUrl: string;
  /** Runner names; each gets its own token Secret `<name>-runner-token`. */
  readonly runners: string[];
  /** Depend on the published version instead of a tarball packed from this copy. */
  readonly fromRegistry: boolean;
}

/** A bad command line: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const DEFAULTS = { gitlabUrl: 'https://gitlab.com', runners: ['default'] } as const;

export const USAGE = `Usage: cdk8s-gitlab-runner init [dir] [--gitlab-url URL] [--runner NAME]... [--from-registry]

Writes a cdk8s app (TypeScript) for GitLab Runner on Kubernetes into dir (default: the current
folder, which must be empty).

  --gitlab-url URL   the GitLab instance (default ${DEFAULTS.gitlabUrl})
  --runner NAME      a runner; repeat for several (default: one runner named "${DEFAULTS.runners[0]}")
  --from-registry    depend on the published package version, not on a tarball of this copy
  --help             this text

On a terminal, values not given as flags are asked for, with the defaults shown.`;

/** Parsed command line; `undefined` where the user gave nothing (prompt or default). */
export interface ParsedArgs {
  readonly dir: string;
  readonly gitlabUrl?: string;
  readonly runners?: string[];
  readonly fromRegistry: boolean;
  readonly help: boolean;
}

/** Parses the arguments after `init`. */
export function parseInitArgs(argv: readonly string[]): ParsedArgs {
  let dir: string | undefined;
  let gitlabUrl: string | undefined;
  const runners: string[] = [];
  let fromRegistry = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--gitlab-url') gitlabUrl = value();
    else if (flag === '--runner') runners.push(value());
    else if (flag === '--from-registry') fromRegistry = true;
    else if (flag === '--help' || flag === '-h') help = true;
    else if (flag.startsWith('-')) throw new UsageError(`unknown option ${flag}; known: --gitlab-url, --runner, --from-registry, --help`);
    else if (dir === undefined) dir = arg;
    else throw new UsageError(`one folder only: got "${dir}" and "${arg}"`);
  }
  return { dir: dir ?? '.', gitlabUrl, runners: runners.length ? runners : undefined, fromRegistry, help };
}

/**
 * Checks the values with the constructs themselves (a throwaway chart), so init refuses what
 * synth would refuse, with the same message.
 */
export function checkValues(gitlabUrl: string, runners: readonly string[]): void {
  try {
    const manager = new GitLabRunnerManager(new Chart(new App(), 'app'), 'manager', { gitlabUrl });
    for (const name of runners) manager.addRunner(name, { token: { secretName: `${name}-runner-token` } });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const flag = FLAGS[e.field];
    throw new UsageError(flag ? `invalid ${flag} ${JSON.stringify(e.value)}: ${e.allowed}` : e.message);
  }
}

/** The flag behind each construct prop init sets. */
const FLAGS: Record<string, string> = { 'gitlabUrl': '--gitlab-url', 'addRunner() name': '--runner', 'name': '--runner' };

/** The package this CLI belongs to: its root folder and package.json. */
function ownPackage(): { root: string; json: any } {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return { root: dir, json: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) };
}

/** Throws unless `dir` is missing or an empty folder: `command` never overwrites. */
export function ensureEmptyDir(dir: string, command: string): void {
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new UsageError(`${dir} exists and is not an empty folder: ${command} never overwrites; choose a new folder`);
  }
}

/** Writes the app; returns what it printed. Never touches an existing non-empty folder. */
export function init(options: InitOptions): string[] {
  const dir = path.resolve(options.dir);
  ensureEmptyDir(dir, 'init');
  checkValues(options.gitlabUrl, options.runners);
  const own = ownPackage();
  const version: string = own.json.version;
  const dev = own.json.devDependencies ?? {};
  const log: string[] = [];
  fs.mkdirSync(dir, { recursive: true });

  let librarySpec = version;
  if (!options.fromRegistry) {
    // Not on the registry yet: the app gets the library from this copy, packed into vendor/.
    fs.mkdirSync(path.join(dir, 'vendor'));
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', path.join(dir, 'vendor')], {
      cwd: own.root, encoding: 'utf8', env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k))),
    });
    const file = JSON.parse(out)[0].filename as string;
    librarySpec = `file:vendor/${file}`;
    log.push(`cdk8s-gitlab-runner ${version} is taken from ${own.root}, packed into vendor/${file} (not from the registry)`);
  }

  const files: Record<string, string> = {
    'package.json': `${JSON.stringify({
      name: path.basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, '-'),
      version: '1.0.0',
      private: true,
      license: 'UNLICENSED',
      scripts: {
        // The CLI's update check needs the network and dies with a stack trace without it.
        synth: 'cdk8s synth --no-check-upgrade',
        test: 'jest',
        compile: 'tsc --noEmit',
      },
      dependencies: {
        'cdk8s': dev.cdk8s,
        'cdk8s-gitlab-runner': librarySpec,
        'cdk8s-plus-27': dev['cdk8s-plus-27'],
        'constructs': dev.constructs,
      },
      devDependencies: {
        '@types/jest': dev['@types/jest'],
        '@types/node': dev['@types/node'],
        'cdk8s-cli': dev['cdk8s-cli'],
        'jest': dev.jest,
        'ts-jest': dev['ts-jest'],
        'ts-node': dev['ts-node'],
        'typescript': dev.typescript,
      },
    }, null, 2)}\n`,
    'cdk8s.yaml': [
      'language: typescript',
      'app: npx ts-node main.ts',
      '# Every `cdk8s synth` validates its output offline: schema, Pod Security, best practices,',
      '# the library\'s rules. The report lists accepted findings with their reasons.',
      'validations:',
      '  - package: ./node_modules/cdk8s-gitlab-runner/lib/src/validation/cdk8s-plugin.js',
      '    class: GitLabRunnerStackValidation',
      `    version: ${version}`,
      '',
    ].join('\n'),
    'main.ts': mainTs(options.gitlabUrl, options.runners),
    'main.test.ts': TEST_TS,
    'tsconfig.json': TSCONFIG,
    'jest.config.js': JEST_CONFIG,
    '.gitignore': 'node_modules/\ndist/\n*.js\n!jest.config.js\n*.d.ts\n',
    'README.md': readme(options, version, librarySpec),
  };
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  log.push(`wrote ${Object.keys(files).join(', ')} into ${dir}`);
  log.push(`next: cd ${path.relative(process.cwd(), dir) || '.'} && npm install && npm test && npm run synth`);
  return log;
}

function mainTs(gitlabUrl: string, runners: readonly string[]): string {
  const lines = runners.map((r) => `    manager.addRunner(${JSON.stringify(r)}, { token: { secretName: ${JSON.stringify(`${r}-runner-token`)} } });`);
  return `import { App, Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { GitLabRunnerManager } from 'cdk8s-gitlab-runner';

/** The runner manager and its runners. Each runner's token lives in its Secret, outside git. */
export class Runners extends Chart {
  constructor(scope: Construct, id: string, props: ChartProps = {}) {
    super(scope, id, props);
    const manager = new GitLabRunnerManager(this, 'manager', { gitlabUrl: ${JSON.stringify(gitlabUrl)} });
${lines.join('\n')}
  }
}

const app = new App();
new Runners(app, 'gitlab-runner');
app.synth();
`;
}

const TEST_TS = `import { Testing } from 'cdk8s';
import { validateManifests } from 'cdk8s-gitlab-runner/validation';
import { Runners } from './main';

describe('Runners', () => {
  test('GIVEN the chart THEN its manifests match the snapshot', () => {
    expect(Testing.synth(new Runners(Testing.app(), 'gitlab-runner'))).toMatchSnapshot();
  });

  test('GIVEN the chart THEN the validator finds no violation (accepted findings carry their reason)', () => {
    const findings = validateManifests(Testing.synth(new Runners(Testing.app(), 'gitlab-runner')));
    expect(findings.filter((f) => !f.accepted)).toEqual([]);
  });
});
`;

// cdk8s init typescript-app's tsconfig.json (cdk8s-cli 2.x): strict, no skipLibCheck.
const TSCONFIG = `${JSON.stringify({
  compilerOptions: {
    alwaysStrict: true, declaration: true, experimentalDecorators: true, inlineSourceMap: true, inlineSources: true,
    lib: ['es2016'], module: 'CommonJS', noEmit: false, noEmitOnError: true, noFallthroughCasesInSwitch: true,
    noImplicitAny: true, noImplicitReturns: true, noImplicitThis: true, noUnusedLocals: true, noUnusedParameters: true,
    resolveJsonModule: true, strict: true, strictNullChecks: true, strictPropertyInitialization: true, stripInternal: true,
    target: 'ES2017',
  },
  include: ['**/*.ts'],
  exclude: ['node_modules'],
}, null, 2)}\n`;

const JEST_CONFIG = `module.exports = {
  roots: ['<rootDir>'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'jsx', 'json', 'node'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\\\.tsx?$': 'ts-jest' },
};
`;

function readme(options: InitOptions, version: string, librarySpec: string): string {
  const source = options.fromRegistry
    ? `cdk8s-gitlab-runner ${version} comes from the registry.`
    : `cdk8s-gitlab-runner ${version} is not on the registry yet: this app installs it from
\`${librarySpec.slice('file:'.length)}\`, packed by \`init\` from the copy it ran from. Once it is
published, set \`"cdk8s-gitlab-runner": "${version}"\` in package.json and delete vendor/.`;
  return `# GitLab Runner on Kubernetes

A [cdk8s](https://cdk8s.io) app made by \`cdk8s-gitlab-runner init\`: a runner manager for
${options.gitlabUrl} with the runners ${options.runners.map((r) => `\`${r}\``).join(', ')}.

\`\`\`sh
npm install
npm test          # snapshot of the manifests (the first run writes it: commit it) and validation
npm run synth     # writes dist/, validated by the plugin listed in cdk8s.yaml
\`\`\`

${source}

Create each runner in GitLab (Settings > CI/CD > Runners) and store its \`glrt-…\` token in the
manager's namespace, outside git:

\`\`\`sh
${options.runners.map((r) => `kubectl -n gitlab-runner create secret generic ${r}-runner-token --from-literal=runner-token='glrt-…'`).join('\n')}
\`\`\`

Then \`kubectl apply -f dist/\`, or let your GitOps tool sync \`dist/\`. Edit \`main.ts\` for caches,
node pools and privileged builds: see the cdk8s-gitlab-runner README.
`;
}
