import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { HelmChart, Values } from '../src';
import { decodesAsNonString } from '../src/helm/helm-chart';
import { helm as writeReferenceChart } from '../src/main';
import { helmTemplate, parseYaml11 } from './helm';
import { readTree, tmpdir } from './helpers';
import { validateObject } from './schema';

// Kubernetes and Helm decode YAML with go-yaml v2, a YAML 1.1 parser: a plain `off` there is a
// boolean, and a string field holding it is rejected by the API server. Every render is decoded
// here as YAML 1.1 and every string-typed field checked to still be a string.

/** The string-typed fields of an object: labels, annotations, ConfigMap data, env values, node selectors. */
function stringFields(o: any): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const map = (where: string, m: Record<string, unknown> | undefined) => {
    for (const [k, v] of Object.entries(m ?? {})) out.push([`${where}[${k}]`, v]);
  };
  const walk = (where: string, x: any) => {
    if (Array.isArray(x)) return x.forEach((y, i) => walk(`${where}[${i}]`, y));
    if (x === null || typeof x !== 'object') return;
    for (const [k, v] of Object.entries(x)) {
      if (k === 'labels' || k === 'annotations' || k === 'nodeSelector' || k === 'matchLabels') map(`${where}.${k}`, v as any);
      else if (k === 'env' && Array.isArray(v)) v.forEach((e: any, i) => e.value !== undefined && out.push([`${where}.env[${i}](${e.name})`, e.value]));
      else walk(`${where}.${k}`, v);
    }
  };
  walk(`${o.kind}/${o.metadata?.name}`, o);
  if (o.kind === 'ConfigMap' || o.kind === 'Secret') map(`${o.kind}/${o.metadata.name}.data`, o.data);
  if (o.kind === 'Secret') map(`${o.kind}/${o.metadata.name}.stringData`, o.stringData);
  return out;
}

const notStrings = (objs: any[]) => objs.flatMap(stringFields).filter(([, v]) => typeof v !== 'string').map(([f, v]) => `${f} = ${JSON.stringify(v)}`);

// Strings a YAML 1.1 or 1.2 reader, or go-yaml v2 (Go's ParseInt with base 0), decodes as something else.
const TRICKY = ['off', 'On', 'y', 'N', 'yes', 'NO', 'true', 'False', 'null', '~', '', '0777', '0o17', '0x1F', '0b101', '1_000', '190:20:30', '1e3', '.5', '.inf', '-.inf', '.NaN', '2001-12-14', '+1', '<<', '='];

describe('YAML 1.1: every string decodes as a string', () => {
  test('GIVEN the plain manifests in dist/ WHEN decoded as YAML 1.1 THEN string fields are strings and every object validates', () => {
    const objs = Object.values(readTree(path.join(__dirname, '..', 'dist'))).flatMap(parseYaml11);
    expect(objs.length).toBeGreaterThan(20);
    expect(notStrings(objs)).toEqual([]);
    for (const o of objs) expect(() => validateObject(o)).not.toThrow();
  });

  test('GIVEN the reference chart WHEN rendered and decoded as YAML 1.1 THEN MINIO_BROWSER is the string "off", string fields are strings and every object validates', () => {
    const chart = tmpdir();
    writeReferenceChart(chart);
    const objs = helmTemplate(chart);
    const minio = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'minio');
    expect(minio.spec.template.spec.containers[0].env).toContainEqual({ name: 'MINIO_BROWSER', value: 'off' });
    expect(notStrings(objs)).toEqual([]);
    for (const o of objs) expect(() => validateObject(o)).not.toThrow();
    // values.yaml is decoded by Helm as YAML 1.1 too: its string defaults must stay strings.
    expect(helmTemplate(chart, '-f', path.join(chart, 'values.yaml')).length).toBe(objs.length);
  });

  test.each(TRICKY.map((s) => [s]))('GIVEN a user chart whose labels, annotations, ConfigMap data and env hold %j THEN the render decodes it as that string', (tricky) => {
    const app = new App({ outdir: tmpdir() });
    const chart = new Chart(app, 'c');
    // As keys, only what Kubernetes takes as a key (a label key, a ConfigMap key).
    const label = /^[A-Za-z0-9]+$/.test(tricky) ? tricky : 'x';
    const key = /^[-._a-zA-Z0-9]+$/.test(tricky) ? tricky : 'k';
    new ApiObject(chart, 'cm', {
      apiVersion: 'v1', kind: 'ConfigMap',
      metadata: { name: 'cm', labels: { [label]: label }, annotations: { [key]: tricky } },
      data: { [key]: tricky, fromValue: Values.of(chart).string('v', { default: tricky, description: 'a string value' }) },
    });
    new ApiObject(chart, 'pod', {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'pod' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.37', env: [{ name: 'TRICKY', value: tricky }] }] },
    });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    const objs = helmTemplate(out);
    expect(notStrings(objs)).toEqual([]);
    const cm = objs.find((o) => o.kind === 'ConfigMap');
    expect(cm.data).toEqual({ [key]: tricky, fromValue: tricky });
    expect(cm.metadata.annotations).toEqual({ [key]: tricky });
    expect(objs.find((o) => o.kind === 'Pod').spec.containers[0].env[0].value).toBe(tricky);
    // And plain synth, through cdk8s's own writer.
    app.synth();
    const plain = parseYaml11(fs.readFileSync(path.join(app.outdir, 'c.k8s.yaml'), 'utf8'));
    expect(notStrings(plain)).toEqual([]);
    expect(plain.find((o) => o.kind === 'ConfigMap').data.fromValue).toBe(tricky);
  });

  test.each(TRICKY.filter((s) => s !== '').map((s) => [s]))('THEN %j is recognised as a string that must be quoted', (s) => {
    expect(decodesAsNonString(s)).toBe(true);
  });

  test.each([['gitlab-runner'], ['1.2.3-beta'], ['hello world'], ['v18.9.0']])('THEN the plain string %j stays plain', (s) => {
    expect(decodesAsNonString(s)).toBe(false);
  });
});
