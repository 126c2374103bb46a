import { Testing } from 'cdk8s';
import { ReferenceStack } from '../src/main';
import { K8sObject } from './helpers';
import { policyFindings, policyViolations } from './policy';

describe('Pod Security and best practices (@monokle/validation)', () => {
  const objects = Testing.synth(new ReferenceStack(Testing.app(), 'ref')) as K8sObject[];

  test('GIVEN the reference stack THEN nothing violates Pod Security "restricted" or the best-practice rules', () => {
    expect(policyViolations(objects)).toEqual([]);
    expect(policyViolations(objects, ['gitlab-runner-privileged-builds'])).toEqual([]);
  });

  test('THEN the only accepted findings are the documented ones', () => {
    expect(policyFindings(objects).map((f) => `${f.rule} ${f.object}`).sort()).toEqual([
      'KBP104 StatefulSet gitlab-runner/gitlab-runner',
      'KBP104 StatefulSet gitlab-runner/gitlab-runner',
      'KBP107 Role gitlab-runner-builds/gitlab-runner-executor',
      'KBP107 Role gitlab-runner-privileged-builds/gitlab-runner-executor',
      'KBP108 Role gitlab-runner-builds/gitlab-runner-executor',
      'KBP108 Role gitlab-runner-privileged-builds/gitlab-runner-executor',
    ]);
  });

  test('GIVEN a manager pod weakened below "restricted" THEN the validator reports each weakness (the check can fail)', () => {
    const sts = structuredClone(objects.find((o) => o.kind === 'StatefulSet')!);
    const c = sts.spec.template.spec.containers[0];
    c.securityContext.allowPrivilegeEscalation = true;
    delete c.securityContext.seccompProfile;
    delete sts.spec.template.spec.securityContext.seccompProfile;
    c.securityContext.capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] };
    const rules = policyViolations([sts]).map((f) => `${f.rule} ${f.path}`);
    expect(rules).toEqual(expect.arrayContaining([
      'PSS202 spec.template.spec.containers.0.securityContext.allowPrivilegeEscalation',
      expect.stringMatching(/^PSS205 /),
      expect.stringMatching(/^PSS104 /),
    ]));
  });
});
