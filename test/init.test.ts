import * as fs from 'fs';
import * as path from 'path';
import { init, InitOptions, parseInitArgs } from '../src/cli/init';
import { tmpdir } from './helpers';

const version = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;

/** Every file init wrote, by path (vendor/ tarballs by name only). */
function written(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = f.endsWith('.tgz') ? '(tarball)' : fs.readFileSync(p, 'utf8');
  }
  return out;
}

const options = (dir: string, more: Partial<InitOptions> = {}): InitOptions =>
  ({ dir, gitlabUrl: 'https://gitlab.example.com', runners: ['default', 'docker'], fromRegistry: true, ...more });

describe('cdk8s-gitlab-runner init', () => {
  test('GIVEN a URL and two runners WHEN init runs THEN it writes the app for them, pinned to this version', () => {
    const dir = path.join(tmpdir(), 'my-runners');
    init(options(dir));
    const files = written(dir);
    expect(Object.keys(files)).toEqual(['.gitignore', 'README.md', 'cdk8s.yaml', 'jest.config.js', 'main.test.ts', 'main.ts', 'package.json', 'tsconfig.json']);
    expect(files['main.ts']).toContain("gitlabUrl: \"https://gitlab.example.com\"");
    expect(files['main.ts']).toContain('manager.addRunner("docker", { token: { secretName: "docker-runner-token" } });');
    expect(JSON.parse(files['package.json']).dependencies['cdk8s-gitlab-runner']).toBe(version);
    expect(files['cdk8s.yaml']).toContain('package: ./node_modules/cdk8s-gitlab-runner/lib/src/validation/cdk8s-plugin.js');
    expect(JSON.parse(files['package.json']).scripts.synth).toBe('cdk8s synth --no-check-upgrade');
    expect(files).toMatchSnapshot();
  });

  test('GIVEN the package is not on the registry WHEN init runs THEN the app takes it from a tarball of this copy, and says so', () => {
    require('../scripts/build').ensureBuilt();
    const dir = path.join(tmpdir(), 'app');
    const log = init(options(dir, { fromRegistry: false }));
    const file = `cdk8s-gitlab-runner-${version}.tgz`;
    expect(fs.existsSync(path.join(dir, 'vendor', file))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies['cdk8s-gitlab-runner']).toBe(`file:vendor/${file}`);
    expect(log[0]).toBe(`cdk8s-gitlab-runner ${version} is taken from ${path.join(__dirname, '..')}, packed into vendor/${file} (not from the registry)`);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('is not on the registry yet');
  });

  test('GIVEN a folder with a file in it WHEN init runs THEN it refuses and changes nothing', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'main.ts'), 'mine');
    expect(() => init(options(dir))).toThrow(`${dir} exists and is not an empty folder: init never overwrites; choose a new folder`);
    expect(written(dir)).toEqual({ 'main.ts': 'mine' });
  });

  test.each([
    ['a runner name the constructs refuse', { runners: ['Bad_Name'] }, 'invalid --runner "Bad_Name": must be a DNS-1123 label'],
    ['a runner given twice', { runners: ['a', 'a'] }, 'invalid --runner "a": must be unique within the manager'],
    ['a URL that is not https', { gitlabUrl: 'ftp://gitlab.example.com' }, 'invalid --gitlab-url "ftp://gitlab.example.com": must use the https:// scheme'],
  ])('GIVEN %s WHEN init runs THEN it names the flag and what is allowed, and writes nothing', (_case, bad, message) => {
    const dir = path.join(tmpdir(), 'app');
    expect(() => init(options(dir, bad))).toThrow(message);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('init command line', () => {
  test('GIVEN no flags THEN nothing is chosen (defaults or prompts apply) and the folder is the current one', () => {
    expect(parseInitArgs([])).toEqual({ dir: '.', gitlabUrl: undefined, runners: undefined, fromRegistry: false, help: false });
  });

  test('GIVEN flags, also as --flag=value THEN each is read', () => {
    expect(parseInitArgs(['app', '--gitlab-url=https://gitlab.example.com', '--runner', 'a', '--runner', 'b', '--from-registry']))
      .toEqual({ dir: 'app', gitlabUrl: 'https://gitlab.example.com', runners: ['a', 'b'], fromRegistry: true, help: false });
  });

  test.each([
    [['--bogus'], 'unknown option --bogus; known: --gitlab-url, --runner, --from-registry, --help'],
    [['--runner'], '--runner needs a value'],
    [['--gitlab-url', '--runner', 'a'], '--gitlab-url needs a value'],
    [['a', 'b'], 'one folder only: got "a" and "b"'],
  ])('GIVEN %j THEN it fails with a usage error', (argv, message) => {
    expect(() => parseInitArgs(argv)).toThrow(message);
  });
});
