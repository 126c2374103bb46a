import { Testing } from 'cdk8s';
import { ReferenceStack } from '../src/main';
import { K8sObject, managerStack } from './helpers';
import { validateSchema } from './schema';

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
