import { helm as writeReferenceChart } from '../src/main';
import { helmTemplate } from './helm';
import { tmpdir } from './helpers';

// Quantity bounds a JSON schema cannot say (it cannot compare quantities): the chart holds them
// as template rules from the synth's own checks (src/common/validate.ts), with its messages.

describe('GIVEN the reference chart', () => {
  const chart = tmpdir();
  beforeAll(() => writeReferenceChart(chart));
  const render = (...sets: string[]) => helmTemplate(chart, ...sets.flatMap((s) => ['--set', s]));

  test.each([
    ['an exponent beyond float64', 'manager.resources.cpu.limit=1e999', /gitlab-runner\/manager: invalid resources\.cpu\.limit "1e999" \(Helm value "manager\.resources\.cpu\.limit"\): must be at most 9223372036854775807 \(2\^63-1\) in its unit/],
    ['an exponent just beyond float64', 'runners.default.resources.build.memory.limit=1e309', /invalid buildResources\.memory\.limit "1e309" .*must be at most 9223372036854775807/],
    ['400 digits', `manager.resources.memory.limit=${'9'.repeat(400)}`, /invalid resources\.memory\.limit .*must be at most 9223372036854775807/],
    ['a size beyond what a double holds exactly', 'cache.storageSize=9223372036854775807Ki', /gitlab-runner\/cache: invalid storageSize "9223372036854775807Ki" \(Helm value "cache\.storageSize"\): must be at most 8Pi/],
    ['a size below the smallest', 'cache.storageSize=1e3', /gitlab-runner\/cache: invalid storageSize "1e3" \(Helm value "cache\.storageSize"\): must be a storage size of at least 1Gi/],
  ])('WHEN a quantity is %s THEN helm template fails with the synth\'s message', (_what, set, message) => {
    expect(() => render(set)).toThrow(message);
  });

  test('WHEN quantities use the exa suffixes E and Ei THEN they are read as exa, not as an exponent (the negative control)', () => {
    const objects = render('manager.resources.cpu.request=1E', 'manager.resources.cpu.limit=7Ei');
    const manager = objects.find((o) => o.kind === 'StatefulSet').spec.template.spec.containers[0];
    expect(manager.resources.limits.cpu).toBe('7Ei');
    expect(() => render('manager.resources.cpu.request=2Ei', 'manager.resources.cpu.limit=1E')).toThrow(/must be at most the limit/);
  });
});
