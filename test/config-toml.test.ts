import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'smol-toml';
import { fromToml, toToml } from '../src';
import { busyboxPath, find, managerStack, renderConfig, Shell } from './helpers';

describe('config.toml', () => {
  const { objects, manager } = managerStack({}, {
    tolerations: [{ key: 'dedicated', value: 'ci', effect: 'NoSchedule' }],
    environment: { A: 'quote " and backslash \\ survive' },
  });
  const template = find(objects, 'ConfigMap', 'gitlab-runner').data['config.template.toml'];

  test('GIVEN the emitted template WHEN parsed by a TOML parser THEN it equals the typed model', () => {
    expect(parse(template)).toEqual(manager.toConfigModel());
    expect(fromToml(toToml(manager.toConfigModel()))).toEqual(manager.toConfigModel());
  });

  test('THEN it uses the runner\'s exact key spellings and table layout', () => {
    expect(template).toContain('\n[[runners]]\nname = "default"\nurl = "https://gitlab.example.com"\n');
    expect(template).toContain('\n[runners.kubernetes]\nnamespace = "gitlab-runner-builds"\n');
    expect(template).toContain('\n[runners.kubernetes.node_tolerations]\n"dedicated=ci" = "NoSchedule"\n');
  });

  test('THEN an unset option is absent, not empty', () => {
    const model = parse(template) as any;
    expect(Object.keys(model.runners[0])).not.toContain('limit');
    expect(Object.keys(model.runners[0].kubernetes)).not.toContain('node_selector');
  });
});

// Both shells on every machine: without busybox this throws, saying how to install it.
busyboxPath();
const shells: Shell[] = ['sh', 'busybox'];

describe.each(shells)('render-config.sh (the init container) run with the real %s', (shell) => {
  const { objects } = managerStack();
  const template = find(objects, 'ConfigMap', 'gitlab-runner').data['config.template.toml'];

  test('THEN the shipped script is the one in the ConfigMap', () => {
    const shipped = fs.readFileSync(path.join(__dirname, '..', 'src', 'runner', 'render-config.sh'), 'utf8');
    expect(find(objects, 'ConfigMap', 'gitlab-runner').data['render-config.sh']).toBe(shipped);
  });

  test('GIVEN a token file with a trailing newline WHEN rendered THEN config.toml parses with the trimmed token', () => {
    const out = renderConfig(template, { 'runner-token/runner-token': 'glrt-abc_DEF-123\n' }, {}, shell);
    expect(out.stderr).toBe('');
    const rendered = fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8');
    expect((parse(rendered) as any).runners[0].token).toBe('glrt-abc_DEF-123');
    expect(rendered).not.toContain('@@secret:');
    expect(fs.statSync(path.join(out.dir, 'config.toml')).mode & 0o777).toBe(0o600);
  });

  test('GIVEN a secret holding TOML-special characters THEN they are escaped, not interpreted', () => {
    const tricky = 'a"b\\c&d/e$f#g\'h@@secret:x@@';
    const out = renderConfig('token = "@@secret:s/k@@"\nother = "@@secret:s/k@@ twice"\n', { 's/k': tricky }, {}, shell);
    expect(out.status).toBe(0);
    const parsed = parse(fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8')) as any;
    expect(parsed).toEqual({ token: tricky, other: `${tricky} twice` });
  });

  test.each([
    ['an empty secret', { 's/k': '  \n' }, /secret key s\/k is missing or empty/],
    ['a multi-line secret', { 's/k': 'line1\nline2' }, /line break or control character/],
  ])('GIVEN %s THEN rendering fails loudly', (_name, secrets, message) => {
    const out = renderConfig('token = "@@secret:s/k@@"\n', secrets, {}, shell);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(message);
    expect(fs.existsSync(path.join(out.dir, 'config.toml'))).toBe(false);
  });

  test('GIVEN a placeholder with no mounted secret THEN rendering fails and names it', () => {
    const out = renderConfig('token = "@@secret:s/k@@"\nurl = "@@secret:missing/key@@"\n', { 's/k': 'v' }, {}, shell);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('config.toml needs @@secret:missing/key@@ but no such secret is mounted');
  });

  test('GIVEN a listed secret no placeholder needs (a part switched off) and absent THEN rendering succeeds', () => {
    const out = renderConfig('token = "@@secret:s/k@@"\n', { 's/k': 'v', 'off/key': '' }, {}, shell);
    expect(out.stderr).toBe('');
    expect(parse(fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8'))).toEqual({ token: 'v' });
  });

  test('THEN each replica gets its own stable system ID in the runner\'s format', () => {
    const id = (pod: string, seed = 'gitlab-runner/gitlab-runner') =>
      fs.readFileSync(path.join(renderConfig(template, { 'runner-token/runner-token': 'glrt-x' }, { POD_NAME: pod, SYSTEM_ID_SEED: seed }, shell).dir, '.runner_system_id'), 'utf8');
    const first = id('gitlab-runner-0');
    expect(first).toMatch(/^s_[0-9a-zA-Z]{12}$/);
    expect(id('gitlab-runner-0')).toBe(first);
    expect(id('gitlab-runner-1')).not.toBe(first);
    expect(id('gitlab-runner-0', 'other-cluster')).not.toBe(first);
  });
});
