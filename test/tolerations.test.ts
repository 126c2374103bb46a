import { stringify } from 'smol-toml';
import {
  buildPodTolerations, parseNodeTolerations, POD_SPEC_FEATURE_FLAG, PodToleration, Taint, tolerationsToml, toleratesTaint,
} from '../src/common/tolerations';
import { privilegedTaintIsolation } from '../src/validation/rules';

// The one toleration model (src/common/tolerations.ts), against Kubernetes' semantics
// (k8s.io/api core/v1 Toleration.ToleratesTaint) and the Kubernetes executor's reading of
// config.toml (executors/kubernetes getPodTolerations, feature flag precedence).

const TAINT: Taint = { key: 'dedicated', value: 'builds', effect: 'NoSchedule' };

describe('toleratesTaint: Kubernetes semantics', () => {
  const cases: Array<[string, PodToleration, Taint, boolean]> = [
    ['Equal, same key, value and effect', { key: 'dedicated', operator: 'Equal', value: 'builds', effect: 'NoSchedule' }, TAINT, true],
    ['no operator means Equal', { key: 'dedicated', value: 'builds', effect: 'NoSchedule' }, TAINT, true],
    ['Equal, other value', { key: 'dedicated', operator: 'Equal', value: 'other', effect: 'NoSchedule' }, TAINT, false],
    ['Equal, no value against a valued taint', { key: 'dedicated', operator: 'Equal' }, TAINT, false],
    ['Equal, no value against a taint without value', { key: 'dedicated', operator: 'Equal' }, { key: 'dedicated', effect: 'NoSchedule' }, true],
    ['Equal, empty value against a taint with empty value', { key: 'dedicated', operator: 'Equal', value: '' }, { key: 'dedicated', value: '', effect: 'NoSchedule' }, true],
    ['Equal, other key', { key: 'other', operator: 'Equal', value: 'builds' }, TAINT, false],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists', value: 'ignored' }, TAINT, true],
    ['Exists, other key', { key: 'other', operator: 'Exists' }, TAINT, false],
    ['Exists with no key tolerates every taint', { operator: 'Exists' }, TAINT, true],
    ['Exists with an empty key tolerates every taint', { key: '', operator: 'Exists' }, TAINT, true],
    ['Exists with no key but an effect: only that effect', { operator: 'Exists', effect: 'NoExecute' }, TAINT, false],
    ['empty effect matches every effect', { key: 'dedicated', operator: 'Exists', effect: '' }, { ...TAINT, effect: 'NoExecute' }, true],
    ['no effect matches every effect', { key: 'dedicated', value: 'builds' }, { ...TAINT, effect: 'PreferNoSchedule' }, true],
    ['other effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, TAINT, false],
    ['an operator Kubernetes does not know tolerates nothing', { key: 'dedicated', operator: 'exists' }, TAINT, false],
    ['an Lt operator (not for taints of this library) tolerates nothing', { key: 'dedicated', operator: 'Lt', value: 'z' }, TAINT, false],
  ];
  test.each(cases)('GIVEN %s THEN %#', (_name, toleration, taint, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});

describe('parseNodeTolerations: as the Kubernetes executor reads node_tolerations', () => {
  test('GIVEN the executor\'s own test table THEN the same tolerations', () => {
    // The cases of executors/kubernetes "support setting kubernetes pod taint tolerations".
    expect(parseNodeTolerations({
      'node-role.kubernetes.io/master': 'NoSchedule',
      'custom.toleration=value': 'NoSchedule',
      'empty.value=': 'PreferNoSchedule',
      'onlyKey': '',
      '': '',
    })).toEqual([
      { key: 'node-role.kubernetes.io/master', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'custom.toleration', operator: 'Equal', value: 'value', effect: 'NoSchedule' },
      { key: 'empty.value', operator: 'Equal', value: '', effect: 'PreferNoSchedule' },
      { key: 'onlyKey', operator: 'Exists' },
      { key: '', operator: 'Exists' },
    ]);
  });

  test('GIVEN a key with two "=" THEN it splits at the first, as the executor does', () => {
    expect(parseNodeTolerations({ 'a=b=c': 'NoExecute' })).toEqual([{ key: 'a', operator: 'Equal', value: 'b=c', effect: 'NoExecute' }]);
  });
});

describe('buildPodTolerations: node_tolerations and pod_spec patches', () => {
  const patch = (patch_type: 'json' | 'merge' | 'strategic', p: unknown) => ({ name: 'p', patch_type, patch: JSON.stringify(p) });
  const extra = { key: 'gpu', operator: 'Equal', value: 'yes', effect: 'NoExecute' };

  test('GIVEN a pod_spec patch without the feature flag THEN the runner ignores it, and so do we', () => {
    expect(buildPodTolerations({ node_tolerations: { gpu: '' }, pod_spec: [patch('json', [{ op: 'add', path: '/tolerations/-', value: extra }])] }, {}))
      .toEqual([{ key: 'gpu', operator: 'Exists' }]);
  });

  test.each([
    ['a JSON patch appending', patch('json', [{ op: 'add', path: '/tolerations/-', value: extra }]), [{ key: 'gpu', operator: 'Exists' }, extra]],
    ['a JSON patch setting the list', patch('json', [{ op: 'add', path: '/tolerations', value: [extra] }]), [extra]],
    ['a merge patch (replaces the list)', patch('merge', { tolerations: [extra] }), [extra]],
    ['a strategic patch (tolerations have no merge key: replaced)', patch('strategic', { tolerations: [extra] }), [extra]],
    ['a JSON patch removing the list', patch('json', [{ op: 'remove', path: '/tolerations' }]), []],
    ['a patch not touching tolerations', patch('strategic', { hostname: 'x' }), [{ key: 'gpu', operator: 'Exists' }]],
  ])('GIVEN %s with the feature flag THEN the patched list', (_name, p, expected) => {
    expect(buildPodTolerations({ node_tolerations: { gpu: '' }, pod_spec: [p] }, { [POD_SPEC_FEATURE_FLAG]: true })).toEqual(expected);
  });
});

describe('tolerationsToml: every (key, value, effect) exactly', () => {
  test.each([
    ['none', [], {}],
    ['one', [{ key: 'a', value: 'b', effect: 'NoSchedule' as const }], { node_tolerations: { 'a=b': 'NoSchedule' } }],
    ['Exists, every effect', [{ key: 'a' }], { node_tolerations: { a: '' } }],
    ['a duplicate', [{ key: 'a', effect: 'NoSchedule' as const }, { key: 'a', effect: 'NoSchedule' as const }], { node_tolerations: { a: 'NoSchedule' } }],
    ['an effect covered by every effect', [{ key: 'a' }, { key: 'a', effect: 'NoExecute' as const }], { node_tolerations: { a: '' } }],
    ['Equal and Exists of one key', [{ key: 'a', value: 'b', effect: 'NoSchedule' as const }, { key: 'a', effect: 'NoExecute' as const }],
      { node_tolerations: { 'a=b': 'NoSchedule', 'a': 'NoExecute' } }],
  ])('GIVEN %s THEN node_tolerations alone', (_name, specs, expected) => {
    expect(tolerationsToml(specs)).toEqual(expected);
  });

  test('GIVEN one taint with two effects THEN the table keeps the first and the patch gives the exact list, read back exactly', () => {
    const specs = [{ key: 'a', value: 'b', effect: 'NoSchedule' as const }, { key: 'c' }, { key: 'a', value: 'b', effect: 'NoExecute' as const }];
    const toml = tolerationsToml(specs);
    expect(toml.node_tolerations).toEqual({ 'a=b': 'NoSchedule', 'c': '' });
    expect(toml.featureFlag).toBe(POD_SPEC_FEATURE_FLAG);
    const pod = buildPodTolerations(toml, { [toml.featureFlag!]: true });
    expect(pod).toEqual([
      { key: 'a', operator: 'Equal', value: 'b', effect: 'NoSchedule' },
      { key: 'c', operator: 'Exists' },
      { key: 'a', operator: 'Equal', value: 'b', effect: 'NoExecute' },
    ]);
    // The third effect is not tolerated: nothing was widened.
    expect(pod.some((t) => toleratesTaint(t, { key: 'a', value: 'b', effect: 'PreferNoSchedule' }))).toBe(false);
  });
});

describe('the manifest rule privileged-taint-isolation reads the same model', () => {
  const configMap = (runner: Record<string, unknown>) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'runner', namespace: 'gitlab-runner' },
    data: { 'config.template.toml': stringify({ runners: [runner] }) },
  });
  const nodePool = {
    apiVersion: 'karpenter.sh/v1', kind: 'NodePool', metadata: { name: 'privileged' },
    spec: { template: { spec: { taints: [{ key: 'dedicated', value: 'builds', effect: 'NoSchedule' }] } } },
  };

  test('GIVEN an unprivileged runner tolerating the pool\'s taint only through a pod_spec patch THEN a finding', () => {
    const findings = privilegedTaintIsolation([nodePool, configMap({
      name: 'default', feature_flags: { [POD_SPEC_FEATURE_FLAG]: true },
      kubernetes: {
        namespace: 'builds', node_tolerations: { 'dedicated=builds': 'NoExecute' },
        pod_spec: [{ name: 'p', patch_type: 'json', patch: JSON.stringify([{ op: 'add', path: '/tolerations/-', value: { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' } }]) }],
      },
    })] as any);
    expect(findings.map((f) => f.message)).toEqual(['runner "default" lets its build pods tolerate the privileged pool taint dedicated']);
  });

  test('GIVEN the same patch without the feature flag THEN no finding: the runner would not apply it', () => {
    const findings = privilegedTaintIsolation([nodePool, configMap({
      name: 'default',
      kubernetes: {
        namespace: 'builds', node_tolerations: { 'dedicated=builds': 'NoExecute' },
        pod_spec: [{ name: 'p', patch_type: 'json', patch: JSON.stringify([{ op: 'add', path: '/tolerations/-', value: { key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' } }]) }],
      },
    })] as any);
    expect(findings).toEqual([]);
  });
});
