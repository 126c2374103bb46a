import { parse } from 'smol-toml';
import { Chart, Testing } from 'cdk8s';
import { CacheCredentials, ConfigError, GitLabRunnerManager, HelmChart, MinioCache, RunnerOptions, Values } from '../src';
import { helm } from './helm';
import { attemptSynth, find, renderSites, synth, tmpdir } from './helpers';

// Issue 12 item 5: user text that reaches config.toml holding the library's marker syntax would
// be taken for a placeholder (and filled with the runner token at pod start) or a Helm token.
const R = 'stack/runner/default';
const ALLOWED = 'must not hold the library\'s marker syntax (@@secret:, @@value:, @@if:, @@endif@@): config.toml placeholders are filled in with Secret values at pod start, so such text could hand a runner token to every job';
const FORGED = '@@secret:runner-token/runner-token@@';

/** Runner options, or a function of the chart for options that declare Helm values (they belong to its App). */
function attempt(runner: Partial<RunnerOptions> | ((chart: Chart) => Partial<RunnerOptions>), withCache = false) {
  return attemptSynth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com' });
    const options = typeof runner === 'function' ? runner(chart) : runner;
    const r = manager.addRunner('default', { token: { secretName: 'runner-token' }, ...options });
    if (withCache) {
      r.useCache(new MinioCache(chart, 'cache', {
        rootCredentials: CacheCredentials.fromSecret('minio-root'),
        cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      }));
    }
  });
}

describe('GIVEN user text holding the library\'s marker syntax in any field that reaches config.toml', () => {
  test.each<[string, Partial<RunnerOptions>, string, string]>([
    ['a job variable that forges the token placeholder', { environment: { LEAK: FORGED } }, 'environment.LEAK', FORGED],
    ['a job variable with the marker inside', { environment: { LEAK: `x ${FORGED} y` } }, 'environment.LEAK', `x ${FORGED} y`],
    ['a build pod annotation', { podAnnotations: { note: FORGED } }, 'podAnnotations.note', FORGED],
    ['an allowed image', { allowedImages: ['alpine:*', FORGED] }, 'allowedImages[1]', FORGED],
    ['an allowed service', { allowedServices: [FORGED] }, 'allowedServices[0]', FORGED],
    ['a Helm value marker naming no declared value', { environment: { A: '@@value:nope@@' } }, 'environment.A', '@@value:nope@@'],
    ['a chart condition marker', { environment: { A: '@@if:x@@' } }, 'environment.A', '@@if:x@@'],
  ])('WHEN %s THEN synth refuses it with a ConfigError naming path, field, value and what is allowed, and writes nothing', (_name, runner, field, value) => {
    const { error, written } = attempt(runner);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(`${R}: invalid ${field} ${JSON.stringify(value)}: ${ALLOWED}`);
    expect(written).toEqual([]);
  });

  test.each<[string, Partial<RunnerOptions>, string]>([
    ['the job image', { image: `alpine:3.22${FORGED}` }, `stack/runner/default: invalid image ${JSON.stringify(`alpine:3.22${FORGED}`)}: must be an image reference`],
    ['the helper image', { helperImage: FORGED }, `stack/runner/default: invalid helperImage ${JSON.stringify(FORGED)}: must be an image reference`],
  ])('WHEN %s holds the marker THEN the image grammar refuses it first (it can never reach config.toml)', (_name, runner, message) => {
    const { error, written } = attempt(runner);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message.startsWith(message)).toBe(true);
    expect(written).toEqual([]);
  });

  test('WHEN the same props hold no marker THEN synth succeeds (the refusals above are not vacuous)', () => {
    const { error, written } = attempt({
      environment: { LEAK: 'secret: not a marker @@' }, podAnnotations: { note: 'x' }, image: 'alpine:3.22',
      allowedImages: ['alpine:*'], allowedServices: ['docker:*'], helperImage: 'registry.example.com/helper:1',
    }, true);
    expect(error).toBeUndefined();
    expect(written.length).toBeGreaterThan(0);
  });

  test('WHEN a job variable is a declared Helm value whose default forges the placeholder THEN synth refuses it', () => {
    const { error } = attempt((chart) => ({ environment: { LEAK: Values.of(chart).string('leak', { default: FORGED, description: 'l' }) } }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toBe(`${R}: invalid environment.LEAK ${JSON.stringify(FORGED)} (default of Helm value "leak"): ${ALLOWED}`);
  });

  test('WHEN a job variable is a declared Helm value THEN it is the library\'s token, not foreign text', () => {
    const { error } = attempt((chart) => ({ environment: { GREETING: Values.of(chart).string('greeting', { default: 'hello', description: 'g' }) } }));
    expect(error).toBeUndefined();
  });
});

describe('GIVEN a runner with a MinIO cache', () => {
  test('THEN render-config.sh gets one site per placeholder the library wrote, and no other', () => {
    const objects = synth((chart) => {
      const manager = new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com' });
      manager.addRunner('default', { token: { secretName: 'runner-token' } }).useCache(new MinioCache(chart, 'cache', {
        rootCredentials: CacheCredentials.fromSecret('minio-root'),
        cacheCredentials: CacheCredentials.fromSecret('gitlab-runner-cache'),
      }));
    });
    expect(renderSites(objects)).toEqual([
      'runners.cache.s3.AccessKey=gitlab-runner-cache/accesskey',
      'runners.cache.s3.SecretKey=gitlab-runner-cache/secretkey',
      'runners.token=runner-token/runner-token',
    ]);
    // Every placeholder in the template is at one of those sites.
    const template = find(objects, 'ConfigMap', 'gitlab-runner').data['config.template.toml'] as string;
    const model = parse(template) as any;
    expect(model.runners[0].token).toBe('@@secret:runner-token/runner-token@@');
    expect(template.match(/@@secret:/g)).toHaveLength(3);
  });

  test('WHEN a chart user sets a Helm value that reaches config.toml to marker syntax THEN helm template refuses it with the synth message', () => {
    // GIVEN a user chart whose job variable is a Helm value
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    new GitLabRunnerManager(chart, 'm', { gitlabUrl: 'https://gitlab.example.com' })
      .addRunner('default', { token: { secretName: 't' }, environment: { GREETING: Values.of(chart).string('greeting', { default: 'hello', description: 'g' }) } });
    const out = tmpdir();
    HelmChart.synth(app, out, { name: 'c', version: '0.1.0', appVersion: '1', description: 'd' });
    // THEN the marker is refused at template time, naming path, field, value and what is allowed
    expect(() => helm('template', 'test', out, '--set', `greeting=x ${FORGED}`))
      .toThrow(`c/m/default: invalid environment.GREETING "x ${FORGED}" (Helm value "greeting"): ${ALLOWED}\n`);
    // AND an ordinary value still renders (the refusal is not blanket)
    expect(helm('template', 'test', out, '--set', 'greeting=hi')).toContain('GREETING=hi');
  });
});
