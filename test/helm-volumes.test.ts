import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { GitLabRunnerManager, HelmChart, Values } from '../src';
import { helm as writeReferenceChart } from '../src/main';
import { helm, helmTemplate } from './helm';
import { find, K8sObject, tmpdir } from './helpers';
import { validateObject } from './schema';
import { HELM_HELPERS, Predicate, PREDICATES } from '../src/common/rules';

const manager = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'gitlab-runner').spec.template.spec;
const minio = (objects: K8sObject[]) => find(objects, 'Deployment', 'minio').spec.template.spec;

describe('GIVEN the reference chart', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));
  const render = (values: object) => {
    const file = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(file, stringify(values));
    return helmTemplate(chart, '-f', file);
  };

  describe('WHEN manager.* and cache.* extraVolumes and extraVolumeMounts are set', () => {
    const volumes = [
      { name: 'corporate-ca', configMap: { name: 'corporate-ca' } },
      { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
    ];
    const mounts = [
      { name: 'corporate-ca', mountPath: '/etc/ssl/corporate', readOnly: true },
      // "/tmpx" is not inside "/tmp": the rule compares whole segments.
      { name: 'scratch', mountPath: '/tmpx/./scratch/', subPath: 'runner/cache' },
    ];
    let objects: K8sObject[];
    let plain: K8sObject[];
    beforeAll(() => {
      objects = render({
        manager: { extraVolumes: volumes, extraVolumeMounts: mounts, caBundle: { secretName: 'ca' } },
        cache: { extraVolumes: [{ name: 'extra', secret: { secretName: 'minio-extra' } }], extraVolumeMounts: [{ name: 'extra', mountPath: '/etc/minio/extra' }] },
      });
      plain = render({});
    });

    test('THEN the manager pod gets them after the chart\'s own, in order, as Kubernetes decodes them', () => {
      const spec = manager(objects);
      const own = manager(plain);
      expect(spec.volumes).toEqual([...own.volumes, { name: 'ca-bundle', secret: expect.anything() }, ...volumes]);
      expect(spec.containers[0].volumeMounts).toEqual([...own.containers[0].volumeMounts, expect.objectContaining({ name: 'ca-bundle' }), ...mounts]);
    });

    test('THEN the MinIO pod gets its own after the chart\'s, and every object is valid', () => {
      const spec = minio(objects);
      expect(spec.volumes.slice(-1)).toEqual([{ name: 'extra', secret: { secretName: 'minio-extra' } }]);
      expect(spec.volumes.slice(0, -1)).toEqual(minio(plain).volumes);
      expect(spec.containers[0].volumeMounts.slice(-1)).toEqual([{ name: 'extra', mountPath: '/etc/minio/extra' }]);
      for (const o of objects) expect(() => validateObject(o)).not.toThrow();
    });
  });

  const M = 'gitlab-runner/manager';
  test.each([
    // Schema: each entry's shape, named by the value's path.
    [{ extraVolumes: [{ name: 'Bad_Name', emptyDir: {} }] }, /manager\.extraVolumes\.0\.name: Does not match pattern/],
    [{ extraVolumes: [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }] }, /manager\.extraVolumes\.0: Additional property hostPath is not allowed/],
    [{ extraVolumes: [{ name: 'two', emptyDir: {}, configMap: { name: 'x' } }] }, /manager\.extraVolumes\.0: Must have at most 2 properties/],
    [{ extraVolumes: [{ name: 'none' }] }, /manager\.extraVolumes\.0: Must have at least 2 properties/],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: 'relative' }] }, /manager\.extraVolumeMounts\.0\.mountPath: Does not match pattern/],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/a/../etc' }] }, /manager\.extraVolumeMounts\.0\.mountPath: Must not validate the schema \(not\)/],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/x', subPath: '../up' }] }, /manager\.extraVolumeMounts\.0\.subPath/],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/x', readOnly: 'ro' }] }, /manager\.extraVolumeMounts\.0\.readOnly: Invalid type/],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/x', readonly: true }] }, /manager\.extraVolumeMounts\.0: Additional property readonly is not allowed/],
    [{ extraVolumeMounts: [{ mountPath: '/x' }] }, /manager\.extraVolumeMounts\.0: name is required/],
    // Template rules: the synth's message.
    [{ extraVolumes: [{ name: 'config', emptyDir: {} }] }, `${M}: invalid extraVolumes [{"emptyDir":{},"name":"config"}] (Helm value "manager.extraVolumes"): must differ from the pod's other volumes (config-template, runner-secrets, config, home, tmp, ca-bundle)`],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }, { name: 'x', configMap: { name: 'x' } }] }, `${M}: invalid extraVolumes [{"emptyDir":{},"name":"x"},{"configMap":{"name":"x"},"name":"x"}] (Helm value "manager.extraVolumes"): must not name two volumes alike`],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'other', mountPath: '/other' }] }, `${M}: invalid extraVolumeMounts [{"mountPath":"/other","name":"other"}] (Helm value "manager.extraVolumeMounts"): must each name a volume of extraVolumes [{"emptyDir":{},"name":"x"}] (Helm value "manager.extraVolumes")`],
    [{ extraVolumeMounts: [{ name: 'other', mountPath: '/other' }] }, `${M}: invalid extraVolumeMounts [{"mountPath":"/other","name":"other"}] (Helm value "manager.extraVolumeMounts"): must each name a volume of extraVolumes [] (Helm value "manager.extraVolumes")`],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/etc/gitlab-runner/' }] }, `${M}: invalid extraVolumeMounts [{"mountPath":"/etc/gitlab-runner/","name":"x"}] (Helm value "manager.extraVolumeMounts"): must not mount at, inside or around the library's mounts (the "config" volume at "/etc/gitlab-runner", `],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/tmp/./sub' }] }, '"mountPath":"/tmp/./sub"'],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/etc' }] }, 'must not mount at, inside or around the library\'s mounts'],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/' }] }, 'must not mount at, inside or around the library\'s mounts'],
    [{ extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/opt/a', subPath: 'a' }, { name: 'x', mountPath: '/opt/a/b', subPath: 'b' }] }, `${M}: invalid extraVolumeMounts [{"mountPath":"/opt/a","name":"x","subPath":"a"},{"mountPath":"/opt/a/b","name":"x","subPath":"b"}] (Helm value "manager.extraVolumeMounts"): must not mount two volumes at the same or nested paths`],
  ])('WHEN manager is %j THEN helm template refuses it', (values, message) => {
    expect(() => render({ manager: values })).toThrow(message);
  });

  test('WHEN cache.extraVolumeMounts mounts inside MinIO\'s data THEN helm template refuses it with the synth\'s message', () => {
    expect(() => render({ cache: { extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: [{ name: 'x', mountPath: '/data/x' }] } }))
      .toThrow('gitlab-runner/cache: invalid extraVolumeMounts [{"mountPath":"/data/x","name":"x"}] (Helm value "cache.extraVolumeMounts"): must not mount at, inside or around the library\'s mounts (the "data" volume at "/data"');
  });

  test('WHEN the cache is disabled THEN its volume rules do not apply (they are guarded by cache.enabled)', () => {
    expect(() => render({ cache: { enabled: false, extraVolumes: [{ name: 'data', emptyDir: {} }] } })).not.toThrow();
  });

  test.each([
    ['a path beside a library mount, sharing its prefix', { name: 'x', mountPath: '/etc/gitlab-runner-extra' }],
    ['a volume mounted twice with subPaths, at sibling paths', { name: 'x', mountPath: '/opt/a', subPath: 'a' }, { name: 'x', mountPath: '/opt/ab', subPath: 'b' }],
  ])('WHEN a mount is %s THEN it renders (the negative control of the overlap rules)', (_what, ...mounts) => {
    const objects = render({ manager: { extraVolumes: [{ name: 'x', emptyDir: {} }], extraVolumeMounts: mounts } });
    expect(manager(objects).containers[0].volumeMounts.slice(-mounts.length)).toEqual(mounts);
  });
});

describe('GIVEN a chart of one\'s own binding extraVolumeMounts to a Helm value and extraVolumes to a prop', () => {
  const write = () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const values = Values.of(chart);
    new GitLabRunnerManager(chart, 'manager', {
      gitlabUrl: 'https://gitlab.example.com',
      extraVolumes: [{ name: 'fixed', emptyDir: {} }],
      extraVolumeMounts: values.object('mounts', { default: [], description: 'Mounts' }),
    }).addRunner('default', { token: { secretName: 't' } });
    const dir = tmpdir();
    HelmChart.synth(app, dir, { name: 'own', version: '0.1.0', appVersion: '1', description: 'd' });
    return dir;
  };

  test('WHEN a mount names the prop\'s volume THEN it renders; WHEN it names another THEN helm template refuses it', () => {
    const dir = write();
    expect(() => helm('template', 't', dir, '--set-json', 'mounts=[{"name":"fixed","mountPath":"/opt/fixed"}]')).not.toThrow();
    expect(() => helm('template', 't', dir, '--set-json', 'mounts=[{"name":"other","mountPath":"/opt/fixed"}]'))
      .toThrow('must each name a volume of extraVolumes [{"name":"fixed","emptyDir":{}}]');
  });
});

describe('GIVEN the volume predicates (src/common/rules.ts) and their Go templates', () => {
  const libraryPaths = ['/etc/gitlab-runner', '/tmp', '/data/'];
  const cases: Array<[string, Predicate, unknown[]]> = [
    ['allNamedIn', PREDICATES.allNamedIn, [[{ name: 'a' }], [{ name: 'a' }, { name: 'b' }]]],
    ['allNamedIn', PREDICATES.allNamedIn, [[{ name: 'a' }, { name: 'c' }], [{ name: 'a' }]]],
    ['allNamedIn', PREDICATES.allNamedIn, [[], []]],
    ['allNamedIn', PREDICATES.allNamedIn, [[{ name: 'a' }], []]],
    ['namesUnique', PREDICATES.namesUnique, [[{ name: 'a' }, { name: 'b' }]]],
    ['namesUnique', PREDICATES.namesUnique, [[{ name: 'a' }, { name: 'b' }, { name: 'a' }]]],
    ['namesUnique', PREDICATES.namesUnique, [[]]],
    ...['/etc/gitlab-runner', '/etc/gitlab-runner/', '//etc//gitlab-runner/x', '/etc', '/', '/tmp/./a', '/data', '/tmpx', '/etc/gitlab-runner-ca', '/opt', '/./etc/./gitlab-runnerx']
      .map((p): [string, Predicate, unknown[]] => [`noMountOverlapping ${p}`, PREDICATES.noMountOverlapping(libraryPaths), [[{ name: 'x', mountPath: '/opt/ok' }, { name: 'x', mountPath: p }]]]),
    ['mountsDistinct', PREDICATES.mountsDistinct, [[{ mountPath: '/a' }, { mountPath: '/ab' }, { mountPath: '/b/c' }]]],
    ['mountsDistinct', PREDICATES.mountsDistinct, [[{ mountPath: '/a' }, { mountPath: '/a/./' }]]],
    ['mountsDistinct', PREDICATES.mountsDistinct, [[{ mountPath: '/b/c' }, { mountPath: '/a' }, { mountPath: '//b' }]]],
    ['mountsDistinct', PREDICATES.mountsDistinct, [[]]],
  ];

  test('WHEN each case is decided by helm and by TypeScript THEN both agree, and both outcomes occur', () => {
    const dir = tmpdir();
    fs.mkdirSync(path.join(dir, 'templates'));
    fs.writeFileSync(path.join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: twins\nversion: 0.1.0\n');
    const helpers = [...new Set(cases.flatMap(([, p]) => p.helpers ?? []))];
    fs.writeFileSync(path.join(dir, 'templates', '_helpers.tpl'), helpers.map((h) => HELM_HELPERS[h]).join('\n'));
    const lines = cases.map(([, p, args], i) => `  c${i}: {{ ${p.helm(...args.map((_, j) => `(index .Values.cases ${i} ${j})`))} | quote }}`);
    fs.writeFileSync(path.join(dir, 'templates', 'cm.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: twins\ndata:\n${lines.join('\n')}\n`);
    const values = path.join(dir, 'cases.json');
    fs.writeFileSync(values, JSON.stringify({ cases: cases.map(([, , args]) => args) }));
    const [cm] = helmTemplate(dir, '-f', values);
    const byHelm = cases.map((_, i) => cm.data[`c${i}`]);
    const byTs = cases.map(([, p, args]) => String(p.holds(...args)));
    expect(cases.map(([name], i) => `${name}: ${byHelm[i]}`)).toEqual(cases.map(([name], i) => `${name}: ${byTs[i]}`));
    expect(new Set(byTs)).toEqual(new Set(['true', 'false']));
  });
});
