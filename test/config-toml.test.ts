import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'smol-toml';
import { fromToml, toToml } from '../src';
import { busyboxPath, find, managerStack, renderConfig, renderSites, SECRET_VALUE_CASES, Shell } from './helpers';

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
  const sites = renderSites(objects);

  test('THEN the shipped scripts are the ones in the ConfigMap', () => {
    const src = (file: string) => fs.readFileSync(path.join(__dirname, '..', 'src', file), 'utf8');
    expect(find(objects, 'ConfigMap', 'gitlab-runner').data['render-config.sh']).toBe(src('runner/render-config.sh'));
    expect(find(objects, 'ConfigMap', 'gitlab-runner').data['secret-value.sh']).toBe(src('common/secret-value.sh'));
  });

  test('THEN the StatefulSet passes exactly the placeholder sites the library wrote', () => {
    expect(sites).toEqual(['runners.token=runner-token/runner-token']);
  });

  test('GIVEN a token file with a trailing newline WHEN rendered THEN config.toml parses with the trimmed token', () => {
    const out = renderConfig(template, { 'runner-token/runner-token': 'glrt-abc_DEF-123\n' }, {}, shell, sites);
    expect(out.stderr).toBe('');
    const rendered = fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8');
    expect((parse(rendered) as any).runners[0].token).toBe('glrt-abc_DEF-123');
    expect(rendered).not.toContain('@@secret:');
    expect(fs.statSync(path.join(out.dir, 'config.toml')).mode & 0o777).toBe(0o600);
  });

  test('GIVEN a secret holding TOML-special characters and UTF-8 THEN they are escaped, not interpreted', () => {
    const tricky = 'a"b\\c&d/e$f#g\'h@@secret:x@@é€😀';
    const out = renderConfig('token = "@@secret:s/k@@"\nother = "plain"\n', { 's/k': tricky }, {}, shell);
    expect(out.stderr).toBe('');
    const parsed = parse(fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8')) as any;
    expect(parsed).toEqual({ token: tricky, other: 'plain' });
  });

  // What secret-value.sh refuses, render-config.sh refuses (provision-bucket.test.ts: the same table).
  test.each(SECRET_VALUE_CASES)('GIVEN %s THEN rendering fails loudly, naming the key, and writes nothing', (_name, value, message) => {
    const out = renderConfig('token = "@@secret:s/k@@"\n', { 's/k': value }, {}, shell);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(new RegExp(`secret key s/k ${message.source}`));
    expect(fs.existsSync(path.join(out.dir, 'config.toml'))).toBe(false);
  });

  test('GIVEN a placeholder whose secret is not mounted THEN rendering fails and names it', () => {
    const out = renderConfig('token = "@@secret:s/k@@"\n', {}, {}, shell, ['token=s/k']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain('config.toml needs secret key s/k but it is not mounted');
  });

  test('GIVEN a listed site no placeholder uses (a part switched off) and its secret absent THEN rendering succeeds', () => {
    const out = renderConfig('token = "@@secret:s/k@@"\n', { 's/k': 'v' }, {}, shell, ['token=s/k', 'runners.cache.s3.SecretKey=off/key']);
    expect(out.stderr).toBe('');
    expect(parse(fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8'))).toEqual({ token: 'v' });
  });

  // Secret injection: text that reached config.toml from elsewhere holds the marker.
  test.each([
    ['inside a string', '[[runners]]\ntoken = "@@secret:s/k@@"\nenvironment = ["LEAK=@@secret:s/k@@"]\n'],
    ['as a whole value under another key', '[[runners]]\ntoken = "@@secret:s/k@@"\n\n[runners.kubernetes.pod_annotations]\nleak = "@@secret:s/k@@"\n'],
    ['under the site\'s key in another table', '[[runners]]\ntoken = "@@secret:s/k@@"\n\n[runners.kubernetes.pod_annotations]\ntoken = "@@secret:s/k@@"\n'],
    ['at the site\'s key with a secret not listed for it', '[[runners]]\ntoken = "@@secret:other/k@@"\n'],
  ])('GIVEN @@secret: %s THEN rendering refuses it and writes nothing', (_name, text) => {
    const out = renderConfig(text, { 's/k': 'glrt-secret', 'other/k': 'x' }, {}, shell, ['runners.token=s/k']);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/render-config: line \d+/);
    expect(fs.existsSync(path.join(out.dir, 'config.toml'))).toBe(false);
  });

  test('GIVEN the same template with the marker only at the site THEN it renders (the refusals above are not vacuous)', () => {
    const out = renderConfig('[[runners]]\ntoken = "@@secret:s/k@@"\nenvironment = ["A=b"]\n', { 's/k': 'glrt-secret' }, {}, shell, ['runners.token=s/k']);
    expect(out.stderr).toBe('');
    expect((parse(fs.readFileSync(path.join(out.dir, 'config.toml'), 'utf8')) as any).runners[0].token).toBe('glrt-secret');
  });

  test('THEN each replica gets its own stable system ID in the runner\'s format', () => {
    const id = (pod: string, seed = 'gitlab-runner/gitlab-runner') =>
      fs.readFileSync(path.join(renderConfig(template, { 'runner-token/runner-token': 'glrt-x' }, { POD_NAME: pod, SYSTEM_ID_SEED: seed }, shell, sites).dir, '.runner_system_id'), 'utf8');
    const first = id('gitlab-runner-0');
    expect(first).toMatch(/^s_[0-9a-zA-Z]{12}$/);
    expect(id('gitlab-runner-0')).toBe(first);
    expect(id('gitlab-runner-1')).not.toBe(first);
    expect(id('gitlab-runner-0', 'other-cluster')).not.toBe(first);
  });
});
