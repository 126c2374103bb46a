import * as fs from 'fs';
import { App, Chart, Duration } from 'cdk8s';
import { GitLabRunnerManager, GitLabRunnerManagerProps, RunnerOptions } from '../src';
import { tmpdir, attemptSynth } from './helpers';

/** Builds an app with one manager and the given runners, then synthesizes it into a fresh folder. */
function attempt(props: Partial<GitLabRunnerManagerProps>, runners: Array<[string, Partial<RunnerOptions>]> = [['default', {}]]) {
  return attemptSynth((chart) => {
    const manager = new GitLabRunnerManager(chart, 'runner', { gitlabUrl: 'https://gitlab.example.com', ...props });
    for (const [name, options] of runners) manager.addRunner(name, { token: { secretName: 'runner-token' }, ...options });
  });
}

const P = 'stack/runner';
const R = 'stack/runner/default';

// [case, manager props, runners, exact message]
const cases: Array<[string, Partial<GitLabRunnerManagerProps>, Array<[string, Partial<RunnerOptions>]> | undefined, string]> = [
  ['empty GitLab URL', { gitlabUrl: '' }, undefined,
    `${P}: invalid gitlabUrl "": must be the https:// URL of your GitLab instance, e.g. "https://gitlab.com"`],
  ['GitLab URL that is not a URL', { gitlabUrl: 'gitlab.example.com' }, undefined,
    `${P}: invalid gitlabUrl "gitlab.example.com": must be an absolute URL such as "https://gitlab.example.com" (with a host, and a port from 1 to 65535 if any)`],
  ['plain http GitLab URL', { gitlabUrl: 'http://gitlab.example.com' }, undefined,
    `${P}: invalid gitlabUrl "http://gitlab.example.com": plain http sends the runner token in clear text: use https://, or set allowInsecureHttp: true for a lab setup`],
  ['GitLab URL with another scheme', { gitlabUrl: 'ftp://gitlab.example.com' }, undefined,
    `${P}: invalid gitlabUrl "ftp://gitlab.example.com": must use the https:// scheme`],
  ['GitLab URL with credentials', { gitlabUrl: 'https://user:pw@gitlab.example.com' }, undefined,
    `${P}: invalid gitlabUrl "https://user:pw@gitlab.example.com": must not contain credentials, a query or a fragment`],
  ['concurrent below 1', { concurrent: 0 }, undefined,
    `${P}: invalid concurrent 0: must be an integer from 1 to 2147483647`],
  ['concurrent not an integer', { concurrent: 2.5 }, undefined,
    `${P}: invalid concurrent 2.5: must be an integer from 1 to 2147483647`],
  ['replicas below 1', { replicas: 0 }, undefined,
    `${P}: invalid replicas 0: must be an integer from 1 to 2147483647`],
  ['invalid namespace', { namespace: 'GitLab_Runner' }, undefined,
    `${P}: invalid namespace "GitLab_Runner": must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['invalid manager name', { name: 'runner.' }, undefined,
    `${P}: invalid name "runner.": must be a DNS-1123 label: at most 52 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['unknown log level', { logLevel: 'verbose' as any }, undefined,
    `${P}: invalid logLevel "verbose": must be one of "panic", "fatal", "error", "warning", "info", "debug"`],
  ['unknown log format', { logFormat: 'yaml' as any }, undefined,
    `${P}: invalid logFormat "yaml": must be one of "runner", "text", "json"`],
  ['check interval of 0', { checkInterval: Duration.seconds(0) }, undefined,
    `${P}: invalid checkInterval "0 seconds": must be a Duration of whole seconds, from 1s to 2147483647s, e.g. Duration.minutes(10)`],
  ['shutdown timeout in fractional seconds', { shutdownTimeout: Duration.millis(1500) }, undefined,
    `${P}: invalid shutdownTimeout "1 second 500 millis": must be a Duration of whole seconds, from 1s to 2147483647s, e.g. Duration.minutes(10) ('1500 millis' cannot be converted into a whole number of seconds.)`],
  ['unpinned runner image', { image: 'gitlab/gitlab-runner:latest' }, undefined,
    `${P}: invalid image "gitlab/gitlab-runner:latest": must be an image pinned to a version tag or a digest, e.g. "gitlab/gitlab-runner:alpine-v18.9.0", so every pod runs the same build`],
  ['untagged runner image', { image: 'gitlab/gitlab-runner' }, undefined,
    `${P}: invalid image "gitlab/gitlab-runner": must be an image pinned to a version tag or a digest, e.g. "gitlab/gitlab-runner:alpine-v18.9.0", so every pod runs the same build`],
  ['invalid manager resource quantity', { resources: { memory: { limit: '1Gb' } } }, undefined,
    `${P}: invalid resources.memory.limit "1Gb": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)`],
  ['invalid ServiceAccount annotation key', { serviceAccountAnnotations: { 'role arn': 'x' } }, undefined,
    `${P}: invalid serviceAccountAnnotations key "role arn": must be a qualified name "[prefix/]name": name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; optional prefix a DNS-1123 subdomain`],
  ['manager without runners', {}, [],
    `Validation failed with the following errors:\n  [${P}] invalid runners []: a manager needs at least one runner: call addRunner(name, { token: { secretName } })`],
  ['empty runner name', {}, [['', {}]],
    `${P}: invalid addRunner() name "": must be a DNS-1123 label unique among the manager's children (Only root constructs may have an empty ID)`],
  ['two runners with the same name', {}, [['default', {}], ['default', {}]],
    `${P}: invalid addRunner() name "default": must be unique within the manager; already used: default`],
  ['invalid runner name', {}, [['Default', {}]],
    `${P}/Default: invalid name "Default": must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['token as a literal string', {}, [['default', { token: 'glrt-1234567890abcdef' as any }]],
    `${R}: invalid token "glrt-****": a literal secret would be written to dist/ in clear text: store it in a Kubernetes Secret and pass { secretName, key } instead`],
  ['token reference without a Secret name', {}, [['default', { token: {} as any }]],
    `${R}: invalid token.secretName (missing): must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`],
  ['invalid Secret name', {}, [['default', { token: { secretName: 'Runner_Token' } }]],
    `${R}: invalid token.secretName "Runner_Token": must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit`],
  ['invalid Secret key', {}, [['default', { token: { secretName: 'runner-token', key: 'runner token' } }]],
    `${R}: invalid token.key "runner token": must be a Secret key: at most 253 letters, digits, "-", "_" and ".", other than "." and ".."`],
  ['invalid build namespace', {}, [['default', { buildNamespace: 'ci_builds' }]],
    `${R}: invalid buildNamespace "ci_builds": must be a DNS-1123 label: at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit`],
  ['build namespace equal to the manager namespace', {}, [['default', { buildNamespace: 'gitlab-runner' }]],
    `${R}: invalid buildNamespace "gitlab-runner": must differ from the manager namespace: build pods run arbitrary code and must not share a namespace (and its Secrets) with the manager`],
  ['invalid build resource quantity', {}, [['default', { buildResources: { memory: { request: '1Gb' } } }]],
    `${R}: invalid buildResources.memory.request "1Gb": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)`],
  ['invalid helper cpu quantity', {}, [['default', { helperResources: { cpu: { limit: '1 core' } } }]],
    `${R}: invalid helperResources.cpu.limit "1 core": must be a Kubernetes quantity such as "500m", "2", "256Mi" or "10Gi" (binary suffixes Ki, Mi, Gi, Ti; decimal k, M, G, T)`],
  ['poll timeout of 0', {}, [['default', { pollTimeout: Duration.seconds(0) }]],
    `${R}: invalid pollTimeout "0 seconds": must be a Duration of whole seconds, from 1s to 2147483647s, e.g. Duration.minutes(10)`],
  ['poll interval not below poll timeout', {}, [['default', { pollTimeout: Duration.seconds(10), pollInterval: Duration.seconds(10) }]],
    `${R}: invalid pollInterval "10s": must be shorter than pollTimeout "10s"`],
  ['runner limit below 1', {}, [['default', { limit: 0 }]],
    `${R}: invalid limit 0: must be an integer from 1 to 2147483647`],
  ['invalid node selector key', {}, [['default', { nodeSelector: { 'bad key': 'x' } }]],
    `${R}: invalid nodeSelector key "bad key": must be a qualified name "[prefix/]name": name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; optional prefix a DNS-1123 subdomain`],
  ['invalid pod label value', {}, [['default', { podLabels: { team: 'x'.repeat(64) } }]],
    `${R}: invalid podLabels["team"] "${'x'.repeat(64)}": must be a label value: empty, or at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit`],
  ['invalid pod annotation key', {}, [['default', { podAnnotations: { 'Example.com/owner': 'x' } }]],
    `${R}: invalid podAnnotations key "Example.com/owner": must be a qualified name "[prefix/]name": name at most 63 characters of letters, digits, "-", "_" and ".", starting and ending with a letter or digit; optional prefix a DNS-1123 subdomain`],
  ['invalid toleration effect', {}, [['default', { tolerations: [{ key: 'ci', effect: 'NO_SCHEDULE' as any }] }]],
    `${R}: invalid tolerations[0].effect "NO_SCHEDULE": must be one of "NoSchedule", "PreferNoSchedule", "NoExecute"`],
  ['token-looking environment value', {}, [['default', { environment: { GITLAB_TOKEN: 'glpat-abcdefghij' } }]],
    `${R}: invalid environment.GITLAB_TOKEN "glpat****": looks like a credential: pass it as a masked CI/CD variable in GitLab, never as a literal in the manifests`],
  ['literal value of a credential-named environment variable', {}, [['default', { environment: { DB_PASSWORD: 'hunter2' } }]],
    `${R}: invalid environment.DB_PASSWORD "hunte****": is a literal value of DB_PASSWORD, a name that holds a credential: pass it as a masked CI/CD variable in GitLab, never as a literal in the manifests`],
  ['invalid environment name', {}, [['default', { environment: { '1X': 'y' } }]],
    `${R}: invalid environment key "1X": must be a shell variable name: letters, digits and "_", not starting with a digit`],
  ['unknown pull policy', {}, [['default', { pullPolicy: ['IfNotPresent' as any] }]],
    `${R}: invalid pullPolicy[0] "IfNotPresent": must be one of "never", "if-not-present", "always"`],
  ['invalid feature flag', {}, [['default', { featureFlags: { USE_FASTZIP: true } }]],
    `${R}: invalid featureFlags key "USE_FASTZIP": must be a GitLab Runner feature flag name such as "FF_USE_FASTZIP"`],
];

describe('bad input is rejected at synth with a precise message, and nothing is written', () => {
  test.each(cases)('GIVEN %s', (_name, props, runners, message) => {
    const { error, written } = attempt(props, runners);
    expect(error?.message).toBe(message);
    expect(written).toEqual([]);
  });

  test('GIVEN two managers left at the default name and namespace THEN synth refuses the duplicates', () => {
    const outdir = tmpdir();
    const app = new App({ outdir });
    const chart = new Chart(app, 'stack');
    for (const id of ['a', 'b']) new GitLabRunnerManager(chart, id, { gitlabUrl: 'https://gitlab.example.com' }).addRunner('default', { token: { secretName: 'runner-token' } });
    expect(() => app.synth()).toThrow('[] invalid object "Namespace -/gitlab-runner": emitted twice, by stack/a/Namespace and stack/b/Namespace: give the constructs distinct name or namespace props (a namespace shared by two managers: set createNamespaces: false on one)');
    expect(fs.readdirSync(outdir)).toEqual([]);
  });

  test('GIVEN valid input THEN the same harness writes the manifests (the harness can tell)', () => {
    const { error, written } = attempt({});
    expect(error).toBeUndefined();
    expect(written).toEqual(['stack.k8s.yaml']);
  });

  test('GIVEN plain http with allowInsecureHttp THEN it is accepted', () => {
    expect(attempt({ gitlabUrl: 'http://gitlab.lab:8080', allowInsecureHttp: true }).error).toBeUndefined();
  });
});
