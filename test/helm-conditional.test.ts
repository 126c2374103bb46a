import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { HelmChart, Values, whileSet } from '../src';
import { inHelmMode, renderMode } from '../src/common/values';
import { helmTemplate } from './helm';
import { tmpdir } from './helpers';

/**
 * A chart of one's own with conditional parts: env entries and a volume that exist while a value
 * is set (whileSet), a list all of whose entries are conditional, a line of text, and an object
 * rendered while one of two values is set (Values.when).
 */
function build(app: App, defaults: { url?: string; other?: string } = {}): Chart {
  const chart = new Chart(app, 'c');
  const values = Values.of(chart);
  const url = values.string('url', { default: defaults.url ?? '', description: 'a URL, empty: none' });
  const other = values.string('other', { default: defaults.other ?? '', description: 'another, empty: none' });
  new ApiObject(chart, 'pod', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'conf' },
    data: { 'config.toml': ['a = 1', `url = "${whileSet([url], url)}"`, 'b = 2', ''].join('\n') },
  });
  new ApiObject(chart, 'deploy', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [{
        name: 'c',
        image: 'busybox:1.36',
        env: [{ name: 'HOME', value: '/home' }, { name: whileSet([url], 'URL'), value: url }, { name: whileSet([url, other], 'EITHER'), value: 'yes' }],
      }],
      volumes: [{ name: whileSet([other], 'other'), emptyDir: {} }],
    },
  });
  const policy = new ApiObject(chart, 'policy', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'only-with-a-value' } });
  values.when(policy, [url, other]);
  return chart;
}

const pod = (objects: any[]) => objects.find((o) => o.kind === 'Pod').spec;
const names = (objects: any[]) => objects.map((o) => o.metadata.name).sort();

describe('GIVEN a chart with conditional list entries, lines and objects', () => {
  const dir = path.join(tmpdir(), 'chart');
  beforeAll(() => {
    const app = new App({ outdir: tmpdir() });
    build(app);
    HelmChart.synth(app, dir, { name: 'conditional', version: '0.1.0', appVersion: '1.0.0', description: 'conditional parts' });
  });

  test('WHEN no value is set THEN helm renders none of the conditional parts, and the list all of whose entries went is left out', () => {
    const objects = helmTemplate(dir);
    expect(pod(objects).containers[0].env).toEqual([{ name: 'HOME', value: '/home' }]);
    expect(pod(objects).volumes).toBeUndefined();
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'conf').data['config.toml']).toBe('a = 1\nb = 2\n');
    expect(names(objects)).toEqual(['conf', 'p']);
  });

  test('WHEN one value is set THEN its entries, its line and the object it switches are rendered, and only those', () => {
    const objects = helmTemplate(dir, '--set', 'url=http://x');
    expect(pod(objects).containers[0].env).toEqual([{ name: 'HOME', value: '/home' }, { name: 'URL', value: 'http://x' }, { name: 'EITHER', value: 'yes' }]);
    expect(pod(objects).volumes).toBeUndefined();
    expect(objects.find((o) => o.metadata.name === 'conf').data['config.toml']).toBe('a = 1\nurl = "http://x"\nb = 2\n');
    expect(names(objects)).toEqual(['conf', 'only-with-a-value', 'p']);
    expect(pod(helmTemplate(dir, '--set', 'other=y')).volumes).toEqual([{ name: 'other', emptyDir: {} }]);
  });

  test('WHEN plain synth runs THEN the defaults decide, with no marker left', () => {
    const unset = Testing.synth(build(Testing.app()));
    expect(pod(unset).containers[0].env).toEqual([{ name: 'HOME', value: '/home' }]);
    expect(pod(unset).volumes).toBeUndefined();
    expect(unset.find((o: any) => o.metadata.name === 'conf').data['config.toml']).toBe('a = 1\nb = 2\n');
    const set = Testing.synth(build(Testing.app(), { url: 'http://d', other: 'o' }));
    expect(pod(set).containers[0].env.map((e: any) => e.name)).toEqual(['HOME', 'URL', 'EITHER']);
    expect(pod(set).volumes).toEqual([{ name: 'other', emptyDir: {} }]);
    expect(JSON.stringify(set)).not.toContain('@@');
  });

  test('WHEN a conditional string is a map value outside any list or line THEN the chart writer refuses it before writing', () => {
    const app = new App({ outdir: tmpdir() });
    const chart = new Chart(app, 'c');
    const url = Values.of(chart).string('url', { default: '', description: 'url' });
    new ApiObject(chart, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: whileSet([url], 'x') } });
    const out = path.join(tmpdir(), 'chart');
    expect(() => HelmChart.synth(app, out, { name: 'bad', version: '0.1.0', appVersion: '1', description: 'd' })).toThrow(/a conditional string \(whileSet\) outside a list entry or a line of text in ConfigMap/);
    expect(require('fs').existsSync(out)).toBe(false);
  });
});

describe('GIVEN two Apps', () => {
  test('WHEN one is being written as a chart THEN only its tokens stay markers: the other App synthesizes plain meanwhile', () => {
    const charted = new App({ outdir: tmpdir() });
    const other = build(Testing.app(), { url: 'http://plain' });
    const inside = inHelmMode(charted, () => [renderMode(new Chart(charted, 'x')), renderMode(other), Testing.synth(other)] as const);
    expect(inside[0]).toBe('helm');
    expect(inside[1]).toBe('plain');
    expect(pod(inside[2]).containers[0].env).toContainEqual({ name: 'URL', value: 'http://plain' });
    expect(renderMode(new Chart(charted, 'y'))).toBe('plain');
  });
});
