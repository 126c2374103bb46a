import { Testing } from 'cdk8s';
import { ReferenceStack } from '../src/main';
import { K8sObject, managerStack } from './helpers';

/**
 * Validates an object against the Kubernetes OpenAPI schema with kubernetes-models, a
 * third-party model generated from the upstream spec. Unknown kinds fail: nothing is skipped.
 */
export function validateSchema(o: K8sObject): void {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : [undefined, o.apiVersion];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const Model = models[o.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
}

describe('Kubernetes schema (kubernetes-models)', () => {
  test('GIVEN the reference stack THEN every object validates', () => {
    const objects = Testing.synth(new ReferenceStack(Testing.app(), 'ref')) as K8sObject[];
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
  });

  test('GIVEN every optional part switched on and options set THEN every object validates', () => {
    const { objects } = managerStack({ replicas: 3, concurrent: 50 }, {
      buildNamespace: 'ci', nodeSelector: { pool: 'ci' }, tolerations: [{ key: 'ci', effect: 'NoSchedule' }],
    });
    for (const o of objects) expect(() => validateSchema(o)).not.toThrow();
  });

  test('GIVEN an object the API server would reject THEN the validator rejects it (the check can fail)', () => {
    const { objects } = managerStack();
    const sts = structuredClone(objects.find((o) => o.kind === 'StatefulSet')!);
    sts.spec.replicas = 'one';
    expect(() => validateSchema(sts)).toThrow(/replicas/);
    const role = structuredClone(objects.find((o) => o.kind === 'Role')!);
    delete role.rules[0].verbs;
    expect(() => validateSchema(role)).toThrow(/verbs/);
  });
});
