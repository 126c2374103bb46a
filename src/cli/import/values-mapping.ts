import { ChartRbacRule, ChartResources, ImportInputError } from './values';
import { Keys } from './keys';
import { Expr, Props, seconds } from './plan';
import { ImportReport } from './report';
import { mapManagerPod } from './values-pod-mapping';
import { isCredentialName } from '../../common/credentials';

// Maps the chart's top-level values (everything but runners.config) to GitLabRunnerManager props,
// and reports the ones the library does not take, with the reason.

/** Top-level keys the library has no prop for, with the reason. */
export const CHART_UNMAPPED: Record<string, string> = {
  'imagePullPolicy': 'the manager pod uses the cluster\'s default pull policy for its pinned image',
  'runtimeClassName': 'no runtime class option for the manager pod in this version',
  'deploymentAnnotations': 'the manager is a StatefulSet with the library\'s labels; no extra annotations in this version',
  'deploymentLabels': 'the manager is a StatefulSet with the library\'s labels; no extra labels in this version',
  'deploymentLifecycle': 'the library sets the manager\'s lifecycle itself (graceful stop from shutdownTimeout)',
  'hostAliases': 'no host alias option for the manager pod (build pods have one: hostAliases of a runner, from host_aliases in runners.config)',
  'securityContext': 'the library runs the manager under Pod Security "restricted" (non-root, no capabilities, read-only root filesystem)',
  'podSecurityContext': 'the library runs the manager under Pod Security "restricted" (uid 100, gid 65533, seccomp RuntimeDefault)',
  'unregisterRunners': 'runners are created in GitLab with their tokens, not registered by the manager: nothing to unregister',
  'sessionServer': 'the interactive web terminal session server is not offered',
  'preEntrypointScript': 'the manager runs no user script before gitlab-runner starts',
  'secrets': 'the chart\'s extra Secret mounts are not converted: mount a Secret with extraVolumes and extraVolumeMounts',
  'configMaps': 'the chart\'s extra ConfigMaps are not converted: create the ConfigMap yourself and mount it with extraVolumes and extraVolumeMounts',
  'extraObjects': 'extra objects are not converted: add them to the chart in main.ts (cdk8s ApiObject) by hand',
  'livenessProbe': 'the library sets the probes itself, on the metrics listener',
  'readinessProbe': 'the library sets the probes itself, on the metrics listener',
  'strategy': 'the manager is a StatefulSet: the library sets its update strategy',
  'revisionHistoryLimit': 'the library keeps the StatefulSet default',
  'useTini': 'the library runs gitlab-runner as the image\'s entrypoint',
  'service': 'the metrics Service is metricsService (headless, port 9252); other Service settings are not offered',
  'metrics.portName': 'the metrics port is fixed: "metrics", 9252',
  'metrics.port': 'the metrics port is fixed: "metrics", 9252',
  'rbac.podSecurityPolicy': 'PodSecurityPolicy was removed from Kubernetes (1.25): the library labels namespaces for Pod Security admission instead',
  'rbac.generatedServiceAccountName': 'the ServiceAccount is named after the manager (name)',
  'rbac.imagePullSecrets': 'no pull secret option for the manager\'s ServiceAccount: the pod\'s imagePullSecrets do the same',
  'rbac.serviceAccountName': 'the ServiceAccount is named after the manager (name)',
  'serviceAccount.name': 'the ServiceAccount is named after the manager (name)',
  'serviceAccount.imagePullSecrets': 'no pull secret option for the manager\'s ServiceAccount: the pod\'s imagePullSecrets do the same',
  'runners.configPath': 'the library writes config.toml itself',
  'runners.tags': 'tags are set in GitLab with the runner\'s authentication token, not in config.toml',
  'runners.runUntagged': 'run-untagged is set in GitLab with the runner\'s authentication token',
  'runners.locked': 'locked is set in GitLab with the runner\'s authentication token',
  'runners.protected': 'protected is set in GitLab with the runner\'s authentication token',
  'runners.executor': 'the library runs the Kubernetes executor only',
};

/** Manager props and what the TOML mapping needs, from the values. */
export interface ManagerMapping {
  /** GitLabRunnerManager props. */
  readonly props: Props;
  /** The GitLab URL. */
  readonly gitlabUrl: string;
  /** The first runner's token Secret. */
  readonly firstTokenSecret: string;
  /** RunnerMonitoring props, when the values ask for a ServiceMonitor. */
  readonly monitoring?: Props;
}

/** Maps the chart's top-level values; `namespace` is the release namespace. */
export function mapValues(k: Keys, namespace: string, report: ImportReport): ManagerMapping {
  const props: Props = {};
  const gitlabUrl = k.take('gitlabUrl');
  if (typeof gitlabUrl !== 'string') {
    throw new ImportInputError(`gitlabUrl: the values set no GitLab URL (got ${JSON.stringify(gitlabUrl ?? null)}); the chart needs one too, e.g. "gitlabUrl: https://gitlab.example.com"`);
  }
  props.gitlabUrl = gitlabUrl;
  report.convert('gitlabUrl', 'gitlabUrl');
  if (/^http:\/\//i.test(gitlabUrl)) {
    props.allowInsecureHttp = true;
    report.risk('gitlabUrl', 'plain http: runner tokens and job logs cross the network in clear text. Converted with allowInsecureHttp: true; switch GitLab to https');
  }
  if (namespace !== 'gitlab-runner') props.namespace = namespace;

  // Tokens: Secret references only.
  const secret = k.convert('runners.secret', 'the first runner\'s token: { secretName } (key runner-token, as the chart\'s Secret has it)') as string | undefined;
  const firstTokenSecret = secret ?? 'gitlab-runner-token';
  if (k.take('runnerToken') !== undefined) {
    report.risk('runnerToken', `a runner token given inline in values: it ends up in git and in Helm's release Secret. Not copied; the converted runner reads it from the Secret "${firstTokenSecret}"`);
  }
  if (k.take('runnerRegistrationToken') !== undefined) {
    report.risk('runnerRegistrationToken', 'a registration token: registration tokens are deprecated (removed in GitLab 18) and given inline. Not copied; create the runner in GitLab (Settings > CI/CD > Runners) and store its glrt-… authentication token instead');
  }
  report.step(`Create the runner in GitLab (Settings > CI/CD > Runners) and store its glrt-… token${secret ? ` (the chart's Secret "${secret}" may hold it already, under runner-token)` : ''}: \`kubectl -n ${namespace} create secret generic ${firstTokenSecret} --from-literal=runner-token='glrt-…'\``);

  const num = (key: string, prop: string, f: (n: number) => Expr = (n) => n) => {
    const v = k.convert(key, prop);
    if (v !== undefined) props[prop] = f(Number(v));
  };
  num('concurrent', 'concurrent');
  num('checkInterval', 'checkInterval', seconds);
  for (const [key, prop] of [['logLevel', 'logLevel'], ['logFormat', 'logFormat']]) {
    const v = k.convert(key, prop);
    if (v !== undefined) props[prop] = String(v);
  }
  const shutdown = k.take('shutdown_timeout');
  if (shutdown !== undefined && Number(shutdown) > 0) {
    props.shutdownTimeout = seconds(Number(shutdown));
    report.convert('shutdown_timeout', 'shutdownTimeout');
  } else if (shutdown !== undefined) report.convert('shutdown_timeout', '0 is the runner default: shutdownTimeout left at its default');
  num('replicas', 'replicas');

  // The image: pinned, or the library's default.
  const registry = k.take('image.registry') as string | undefined;
  const repo = k.take('image.image') as string | undefined;
  const tag = k.take('image.tag') as string | undefined;
  if (registry !== undefined || repo !== undefined || tag !== undefined) {
    if (tag === undefined || /\{\{/.test(String(tag)) || repo === undefined) {
      report.unmap('image', 'no pinned tag (the chart derives it from its appVersion): the library\'s default image, pinned to the runner version it is tested with, is used');
    } else {
      props.image = `${registry ? `${registry}/` : ''}${repo}:${tag}`;
      report.convert('image', 'image');
    }
  }

  // RBAC: the library's least-privilege Roles replace the chart's.
  const rbacCreate = k.take('rbac.create');
  if (rbacCreate === true) report.convert('rbac.create', 'the library\'s least-privilege Role in each build namespace, bound to the manager');
  else if (rbacCreate === false) report.unmap('rbac.create', 'the library always creates its RBAC: a least-privilege Role in each build namespace, bound to the manager\'s own ServiceAccount');
  const rules = k.take('rbac.rules') as ChartRbacRule[] | undefined;
  if (rules !== undefined && !Array.isArray(rules)) report.unmap('rbac.rules', 'not a list of rules: not converted; the library grants exactly the verbs the Kubernetes executor uses');
  else if (rules !== undefined) {
    const wildcard = rules.some((r) => [r?.resources, r?.verbs, r?.apiGroups].some((list) => Array.isArray(list) && list.includes('*')));
    if (wildcard) report.risk('rbac.rules', 'wildcard rules ("*"): the manager, and anything that steals its token, could read every Secret and change every object in the namespace. Not converted; the library grants exactly the verbs the Kubernetes executor uses');
    else report.unmap('rbac.rules', 'custom rules are not converted: the library grants exactly the verbs the Kubernetes executor uses');
  }
  const wide = k.take('rbac.clusterWideAccess');
  if (wide === true) report.risk('rbac.clusterWideAccess', 'a ClusterRole: the manager could act in every namespace. Not converted; the library binds a namespaced Role in each build namespace');
  else if (wide === false) report.convert('rbac.clusterWideAccess', 'namespaced Roles (the library\'s only mode)');
  // The legacy key first, so the current one wins where both set an annotation.
  const annotations = {
    ...(k.convert('rbac.serviceAccountAnnotations', 'serviceAccountAnnotations') as Record<string, string> | undefined),
    ...(k.convert('serviceAccount.annotations', 'serviceAccountAnnotations') as Record<string, string> | undefined),
  };
  if (Object.keys(annotations).length) props.serviceAccountAnnotations = annotations;
  const saCreate = k.take('serviceAccount.create');
  if (saCreate === true) report.convert('serviceAccount.create', 'the manager\'s own ServiceAccount (always created)');
  else if (saCreate === false) report.unmap('serviceAccount.create', 'the library always creates the manager\'s ServiceAccount, named after the manager');

  const metrics = k.take('metrics.enabled');
  if (metrics !== undefined) {
    props.metricsService = metrics === true;
    report.convert('metrics.enabled', `metricsService: ${metrics === true} (the listener itself is always on: the probes use it)`);
  }

  const resources = k.take('resources') as ChartResources | undefined;
  if (resources !== undefined) {
    const r: Record<string, Record<string, string>> = {};
    for (const [side, group] of [['request', resources.requests], ['limit', resources.limits]] as const) {
      for (const [res, prop] of [['cpu', 'cpu'], ['memory', 'memory'], ['ephemeral-storage', 'ephemeralStorage']] as const) {
        const v = group?.[res];
        if (v !== undefined && v !== null) (r[prop] ??= {})[side] = String(v);
      }
    }
    props.resources = r;
    report.convert('resources', 'resources (manager container)');
  }

  // Manager-level env vars that look like secrets are flagged, whatever else happens to them.
  const env = k.peek('envVars');
  if (Array.isArray(env)) {
    for (const e of env as Array<{ name?: string; value?: unknown }>) {
      if (e && typeof e.name === 'string' && isCredentialName(e.name) && e.value !== undefined) {
        report.risk(`envVars.${e.name}`, 'a secret given inline as a value: it ends up in git and in the pod spec. Not copied');
      }
    }
  }
  const { monitoring } = mapManagerPod(k, props, gitlabUrl, shutdown !== undefined && Number(shutdown) > 0 ? Number(shutdown) : 30, report);
  for (const [key, reason] of Object.entries(CHART_UNMAPPED)) k.unmap(key, reason);
  return { props, gitlabUrl, firstTokenSecret, monitoring };
}
