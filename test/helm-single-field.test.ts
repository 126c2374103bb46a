import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { GcsCache, GitLabRunnerManager, HelmChart, Values } from '../src';
import { helm as writeReferenceChart } from '../src/main';
import { helm, helmTemplate } from './helm';
import { tmpdir } from './helpers';

// Every single-field rule of the reference chart, broken with a real helm: each constraint of
// values.schema.json (read from the chart, so a new value is covered the day it appears), and
// the rules a schema `not` would only state as "Must not validate the schema (not)", which the
// chart holds as template `fail`s with the synth's message instead. Every error names the
// values path.

const chart = tmpdir();
beforeAll(() => writeReferenceChart(chart));

interface Leaf { path: string; schema: any }

function leaves(schema: any, prefix = ''): Leaf[] {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  }
  return [{ path: prefix, schema }];
}

const BAD_STRINGS = ['Not Valid!', '-', 'UPPER_case..'];

/** For a keyword of a leaf's schema: a value breaking it, and the start of gojsonschema's message. */
const BREAKERS: Record<string, (s: any) => [unknown, string] | undefined> = {
  pattern: (s) => {
    const bad = BAD_STRINGS.find((x) => !new RegExp(s.pattern).test(x));
    return bad === undefined ? undefined : [bad, `Does not match pattern '${s.pattern}'`];
  },
  maxLength: (s) => ['a'.repeat(s.maxLength + 1), `String length must be less than or equal to ${s.maxLength}`],
  minLength: (s) => (s.minLength > 0 ? ['', `String length must be greater than or equal to ${s.minLength}`] : undefined),
  minimum: (s) => [s.minimum - 1, 'Must be greater than or equal to'],
  maximum: (s) => [s.maximum + 1, 'Must be less than or equal to'],
  enum: () => ['not-an-option', 'must be one of the following:'],
  type: (s) => {
    const types = [s.type].flat();
    if (types.includes('string')) return undefined;
    return ['text', `Invalid type. Expected: ${types.join(', ')}`];
  },
};

describe('every single-field rule of values.schema.json, with a real helm', () => {
  const all = () => leaves(JSON.parse(fs.readFileSync(path.join(chart, 'values.schema.json'), 'utf8')));

  test('GIVEN the schema THEN it holds rules of every kind the table breaks', () => {
    const keywords = new Set(all().flatMap((l) => Object.keys(l.schema)));
    for (const k of ['pattern', 'maxLength', 'minLength', 'minimum', 'maximum', 'enum']) expect(keywords).toContain(k);
    // A schema `not` gives no message worth reading: such rules are template fails (below).
    expect(keywords).not.toContain('not');
  });

  test.each(Object.keys(BREAKERS))('WHEN every value breaks its "%s" rule at once THEN helm names each values path and the rule', (keyword) => {
    const broken = all().filter((l) => l.schema[keyword] !== undefined || keyword === 'type')
      .map((l) => ({ leaf: l, breaker: BREAKERS[keyword](l.schema) }))
      .filter((x): x is { leaf: Leaf; breaker: [unknown, string] } => x.breaker !== undefined);
    expect(broken.length).toBeGreaterThan(0);
    let message = '';
    try {
      helm('template', 'test', chart, ...broken.flatMap(({ leaf, breaker }) => ['--set-json', `${leaf.path}=${JSON.stringify(breaker[0])}`]));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('values don\'t meet the specifications of the schema');
    const lines = message.split('\n');
    for (const { leaf, breaker } of broken) {
      expect(lines.filter((l) => l.startsWith(`- ${leaf.path}: `) && l.includes(breaker[1]))).toHaveLength(1);
    }
  });
});

describe('single-field rules a schema cannot word: template fails with the synth message', () => {
  const OWNED = 'must not be a namespace Kubernetes owns (default, kube-node-lease, kube-public, kube-system)';
  test.each([
    ['namespace=kube-system',
      `gitlab-runner/manager: invalid namespace "kube-system" (Helm value "namespace"): ${OWNED}: a Namespace object emitted for it would take it over (and pruning it would delete the namespace): use a namespace of your own, or set createNamespaces: false`],
    ['runners.default.buildNamespace=kube-public',
      `gitlab-runner/manager/default: invalid buildNamespace "kube-public" (Helm value "runners.default.buildNamespace"): ${OWNED}: build pods run arbitrary code, and the executor Role there could read its Secrets: use a namespace of your own`],
    ['runners.default.token.key=..',
      'gitlab-runner/manager/default: invalid token.key ".." (Helm value "runners.default.token.key"): must be a Secret key: at most 253 letters, digits, "-", "_" and ".", other than "." and ".."'],
    ['manager.image=gitlab/gitlab-runner:alpine',
      'gitlab-runner/manager: invalid image "gitlab/gitlab-runner:alpine" (Helm value "manager.image"): must be an image pinned to a version tag or a digest, e.g. "gitlab/gitlab-runner:alpine-v18.9.0", so every pod runs the same build'],
    ['manager.image=gitlab/gitlab-runner:latest',
      'gitlab-runner/manager: invalid image "gitlab/gitlab-runner:latest" (Helm value "manager.image"): must be an image pinned to a version tag or a digest, e.g. "gitlab/gitlab-runner:alpine-v18.9.0", so every pod runs the same build'],
  ])('WHEN --set %s THEN helm template fails naming the path, the value and what is allowed', (set, message) => {
    expect(() => helm('template', 'test', chart, '--set', set)).toThrow(`: ${message}\n`);
  });

  test.each([
    'namespace=kube-systems', 'runners.default.token.key=.token', 'manager.image=gitlab/gitlab-runner:alpine-v18.8.0',
  ])('WHEN --set %s (close to a forbidden value) THEN it renders', (set) => {
    expect(helmTemplate(chart, '--set', set).length).toBeGreaterThan(10);
  });
});

describe('single-field rules without a schema wording, in a chart of your own', () => {
  // The GCS name rules a pattern cannot say (no "goog" prefix, no "google" or close misspelling,
  // not an IP address), with a bucket name that is a Helm value.
  const out = tmpdir();
  beforeAll(() => {
    const app = Testing.app();
    const c = new Chart(app, 'c');
    const bucketName = Values.of(c).string('bucket', { default: 'ci-cache', description: 'bucket' });
    new GitLabRunnerManager(c, 'm', { gitlabUrl: 'https://gitlab.example.com' })
      .addRunner('default', { token: { secretName: 't' } }).useCache(new GcsCache(c, 'gcs', { bucketName }));
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
  });
  const GCS = 'must be a GCS bucket name: lowercase letters, digits, "-", "_" and ".", starting and ending with a letter or digit, 3-63 characters (up to 222 with dots, each dot-separated part at most 63), not an IP address, not starting with "goog", without "google" or a close misspelling of it';

  test.each(['goog-cache', 'my-g00gle-cache', '10.0.0.1'])('WHEN --set bucket=%s THEN helm template fails with the synth message', (bucket) => {
    expect(() => helm('template', 'test', out, '--set', `bucket=${bucket}`)).toThrow(`: c/gcs: invalid bucketName "${bucket}" (Helm value "bucket"): ${GCS}\n`);
    // The same value as a plain prop: the same message at synth.
    const chart = Testing.chart();
    expect(() => new GcsCache(chart, 'gcs', { bucketName: bucket })).toThrow(`test/gcs: invalid bucketName "${bucket}": ${GCS}`);
  });

  test('WHEN --set bucket=a-good.name_1 THEN it renders', () => {
    expect(helmTemplate(out, '--set', 'bucket=a-good.name_1').length).toBeGreaterThan(0);
  });
});
