import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { helm as writeReferenceChart } from '../src/main';
import { helmTemplate } from './helm';
import { find, tmpdir } from './helpers';
import { validateObject } from './schema';

/** The pod options a Helm user sets, for the manager and MinIO alike. */
const POD_VALUES = {
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'example.com/system', operator: 'Exists', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } },
  priorityClassName: 'ci-critical',
  podLabels: { 'team': 'platform', 'example.com/tier': 'ci' },
  podAnnotations: { 'example.com/owner': 'platform-team' },
  imagePullSecrets: ['registry-credentials', 'mirror'],
};

describe('GIVEN the reference chart', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));
  /** `helm template` with `values` as a values file. */
  const render = (values: object, ...args: string[]) => {
    const file = path.join(tmpdir(), 'values.yaml');
    fs.writeFileSync(file, stringify(values));
    return helmTemplate(chart, '-f', file, ...args);
  };
  const podSpec = (o: any) => o.spec.template.spec;

  describe('WHEN the manager\'s and MinIO\'s pod options are set', () => {
    let objects: any[];
    beforeAll(() => { objects = render({ manager: POD_VALUES, cache: POD_VALUES }); });

    test.each([['StatefulSet', 'gitlab-runner'], ['Deployment', 'minio']])('THEN the %s %s is placed and labelled as asked', (kind, name) => {
      const o = find(objects, kind, name);
      const spec = podSpec(o);
      expect([spec.nodeSelector, spec.tolerations, spec.affinity, spec.priorityClassName])
        .toEqual([POD_VALUES.nodeSelector, POD_VALUES.tolerations, POD_VALUES.affinity, 'ci-critical']);
      expect(spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }, { name: 'mirror' }]);
      expect(o.spec.template.metadata.labels).toMatchObject({ 'team': 'platform', 'example.com/tier': 'ci', 'app.kubernetes.io/name': name });
      expect(o.spec.template.metadata.annotations['example.com/owner']).toBe('platform-team');
      // The selector is the chart's own.
      expect(Object.keys(o.spec.selector.matchLabels).every((k) => k.startsWith('app.kubernetes.io/'))).toBe(true);
    });

    test('THEN the manager keeps its config checksum annotation', () => {
      expect(Object.keys(find(objects, 'StatefulSet', 'gitlab-runner').spec.template.metadata.annotations).sort()).toEqual(['checksum/config', 'example.com/owner']);
    });

    test('THEN the provisioning Job pulls with MinIO\'s pull secrets', () => {
      expect(podSpec(objects.find((o) => o.kind === 'Job')).imagePullSecrets).toEqual([{ name: 'registry-credentials' }, { name: 'mirror' }]);
    });

    test('THEN every object validates against the Kubernetes schema', () => {
      for (const o of objects) expect(() => validateObject(o)).not.toThrow();
    });
  });

  test('WHEN no pod option is set THEN no pod has any of those fields', () => {
    for (const o of helmTemplate(chart).filter((x) => x.spec?.template?.spec)) {
      for (const field of ['nodeSelector', 'tolerations', 'affinity', 'priorityClassName', 'imagePullSecrets']) expect([o.kind, field, podSpec(o)[field]]).toEqual([o.kind, field, undefined]);
    }
  });

  test('WHEN manager.replicas is 3 THEN three replicas, spread over nodes, evicted one at a time', () => {
    const objects = render({ manager: { replicas: 3 } });
    const sts = find(objects, 'StatefulSet', 'gitlab-runner');
    expect(sts.spec.replicas).toBe(3);
    expect(podSpec(sts).topologySpreadConstraints).toEqual([{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: sts.spec.selector.matchLabels } }]);
    expect(find(objects, 'PodDisruptionBudget', 'gitlab-runner').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: sts.spec.selector.matchLabels } });
  });

  test('WHEN manager.replicas is 0 THEN the schema refuses it', () => {
    expect(() => render({ manager: { replicas: 0 } })).toThrow(/values don't meet the specifications of the schema[\s\S]*manager\.replicas/);
  });

  const LEAK = (what: string) => `${what}: must not tolerate the taint of node pool gitlab-runner/privileged-pool (taint.key "dedicated" (Helm value "privileged.taint.key"), taint.value "gitlab-privileged-builds" (Helm value "privileged.taint.value"), taint.effect "NoSchedule"): only runners bound to node pool gitlab-runner/privileged-pool (nodePools) may tolerate its taint, which keeps other pods off nodes that run privileged builds`;
  test.each([
    ['the manager', 'manager', { key: 'dedicated', operator: 'Exists' }, 'gitlab-runner/manager: invalid tolerations [{"key":"dedicated","operator":"Exists"}] (Helm value "manager.tolerations")'],
    ['MinIO', 'cache', { operator: 'Exists' }, 'gitlab-runner/cache: invalid tolerations [{"operator":"Exists"}] (Helm value "cache.tolerations")'],
    ['the manager', 'manager', { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' }, 'gitlab-runner/manager: invalid tolerations [{"effect":"NoSchedule","key":"dedicated","value":"gitlab-privileged-builds"}] (Helm value "manager.tolerations")'],
  ])('WHEN %s tolerates the privileged pool\'s taint THEN helm template fails with the synth\'s rule', (_what, at, toleration, prefix) => {
    expect(() => render({ [at]: { tolerations: [toleration] } })).toThrow(LEAK(prefix));
  });

  test('WHEN the manager tolerates the pool\'s taint after the taint is changed by a value THEN it is still refused', () => {
    expect(() => render({ manager: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'dind' }] }, privileged: { taint: { value: 'dind' } } }))
      .toThrow('gitlab-runner/manager: invalid tolerations');
  });

  test('WHEN the toleration matches another value of the key THEN it renders', () => {
    const objects = render({ manager: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }] } });
    expect(podSpec(find(objects, 'StatefulSet', 'gitlab-runner')).tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'system', effect: 'NoSchedule' }]);
  });

  test('WHEN the privileged runner is off THEN its pool\'s taint may be tolerated', () => {
    const objects = render({ manager: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] }, privileged: { enabled: false } });
    expect(podSpec(find(objects, 'StatefulSet', 'gitlab-runner')).tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
  });

  // [case, values, what helm's schema error must name]
  test.each([
    ['a pod label the chart sets', { manager: { podLabels: { 'app.kubernetes.io/name': 'x' } } }, 'manager.podLabels'],
    ['any app.kubernetes.io pod label', { cache: { podLabels: { 'app.kubernetes.io/team': 'x' } } }, 'cache.podLabels'],
    ['a pod label value with a space', { manager: { podLabels: { team: 'plat form' } } }, 'manager.podLabels'],
    ['the checksum annotation', { manager: { podAnnotations: { 'checksum/config': 'x' } } }, 'manager.podAnnotations'],
    ['a node selector value that is a number', { manager: { nodeSelector: { zone: 1 } } }, 'manager.nodeSelector'],
    ['a toleration with an unknown operator', { manager: { tolerations: [{ key: 'x', operator: 'In' }] } }, 'manager.tolerations'],
    ['an Exists toleration with a value', { manager: { tolerations: [{ key: 'x', operator: 'Exists', value: 'y' }] } }, 'manager.tolerations'],
    ['an Equal toleration without a key', { manager: { tolerations: [{ value: 'y' }] } }, 'manager.tolerations'],
    ['tolerationSeconds without NoExecute', { cache: { tolerations: [{ key: 'x', operator: 'Exists', tolerationSeconds: 5 }] } }, 'cache.tolerations'],
    ['an unknown toleration field', { cache: { tolerations: [{ key: 'x', operator: 'Exists', effekt: 'NoSchedule' }] } }, 'cache.tolerations'],
    ['a pull secret that is no name', { manager: { imagePullSecrets: ['Registry Credentials'] } }, 'manager.imagePullSecrets'],
    ['a pull secret twice', { cache: { imagePullSecrets: ['a', 'a'] } }, 'cache.imagePullSecrets'],
    ['a priority class that is no name', { manager: { priorityClassName: 'CI Critical' } }, 'manager.priorityClassName'],
    ['an affinity that is a list', { manager: { affinity: [] } }, 'manager.affinity'],
  ])('WHEN %s THEN the schema refuses it', (_case, values, at) => {
    expect(() => render(values)).toThrow(new RegExp(`values don't meet the specifications of the schema[\\s\\S]*${at.replace('.', '\\.')}`));
  });
});
