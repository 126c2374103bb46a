import { RESTRICTED_VOLUME_KINDS } from '../../common/pod-options';
import { Keys } from './keys';
import { Code, Expr, Props, seconds } from './plan';
import { plain, rawProblem } from './raw-mapping';
import { ImportReport } from './report';
import { CREDENTIAL_VALUE, isCredentialName } from '../../common/credentials';

// The chart's values for the manager pod that the library now has props for: placement and pod
// metadata (PodOptions), environment, extra volumes, pull secrets, the CA bundle, the drain
// timeout, the escape hatch for global keys, and the ServiceMonitor (RunnerMonitoring). What the
// library would refuse at synth is dropped and reported, so the generated main.ts synthesizes.

// Env names the manager container sets itself (HOME, POD_NAME, …): extraEnv refuses them.
// Volumes and mount paths of the manager pod the library owns: extraVolumes and extraVolumeMounts refuse them.
const MANAGER_VOLUMES = ['config', 'home', 'tmp', 'templates', 'secrets', 'ca-bundle', 'runner-files', 'gitlab-runner'];
const MANAGER_MOUNTS = ['/etc/gitlab-runner', '/home/gitlab-runner', '/tmp', '/opt/cdk8s-gitlab-runner', '/run/secrets', '/etc/gitlab-runner-ca'];
const MANAGER_ENV = ['HOME', 'POD_NAME', 'SYSTEM_ID_SEED', 'SSL_CERT_DIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

function asMap(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
}

/** A map with string values (YAML 1.1 may have made `true` of "true"). */
function stringMap(v: unknown): Record<string, string> | undefined {
  const m = asMap(v);
  return m && Object.fromEntries(Object.entries(m).filter(([, x]) => x !== null && x !== undefined).map(([k, x]) => [k, String(x)]));
}

/** What the manager mapping needs back: the env and CA props it adds. */
export interface PodMappingResult {
  /** The RunnerMonitoring props, when the values ask for a ServiceMonitor. */
  readonly monitoring?: Props;
}

/** Maps the manager pod's values into `props`; `shutdownSeconds` is the converted shutdown timeout. */
export function mapManagerPod(k: Keys, props: Props, gitlabUrl: string, shutdownSeconds: number, report: ImportReport): PodMappingResult {
  // Placement: as in a pod spec, so taken whole.
  for (const key of ['tolerations', 'affinity', 'topologySpreadConstraints']) {
    const v = k.convert(key, key);
    if (v !== undefined) props[key] = plain(v);
  }
  const selector = stringMap(k.convert('nodeSelector', 'nodeSelector'));
  if (selector) props.nodeSelector = selector;
  const priority = k.convert('priorityClassName', 'priorityClassName');
  if (priority !== undefined) props.priorityClassName = String(priority);

  // Pod metadata: keys the library sets are refused (they hold its selectors together).
  const labels = stringMap(k.take('podLabels'));
  if (labels) {
    const own = Object.keys(labels).filter((l) => l.startsWith('app.kubernetes.io/'));
    for (const l of own) delete labels[l];
    if (own.length) report.unmap(k.at('podLabels'), `${own.join(', ')}: labels the library sets (app.kubernetes.io/*) are refused, as its selectors rely on them; the other labels are converted (podLabels)`);
    if (Object.keys(labels).length) {
      props.podLabels = labels;
      if (!own.length) report.convert('podLabels', 'podLabels');
    }
  }
  const annotations = stringMap(k.take('podAnnotations'));
  if (annotations) {
    const own = 'checksum/config' in annotations;
    delete annotations['checksum/config'];
    if (own) report.unmap(k.at('podAnnotations'), 'checksum/config: the library sets it (a config change rolls the pods); the other annotations are converted (podAnnotations)');
    if (Object.keys(annotations).length) {
      props.podAnnotations = annotations;
      if (!own) report.convert('podAnnotations', 'podAnnotations');
    }
  }

  // Pull secrets: the chart lists { name } objects.
  const pull = k.take('imagePullSecrets');
  if (pull !== undefined) {
    const names = (Array.isArray(pull) ? pull : [pull]).map((p) => (typeof p === 'string' ? p : asMap(p)?.name)).filter((n): n is string => typeof n === 'string');
    if (names.length) {
      props.imagePullSecrets = names;
      report.convert('imagePullSecrets', 'imagePullSecrets');
    } else report.unmap('imagePullSecrets', 'no { name } entries: not converted');
  }

  // Environment: envVars (a list) and extraEnv (a map) as literals, extraEnvFrom (a map) as valueFrom.
  const env: Props[] = [];
  const seen = new Set<string>();
  const proxy: Props = {};
  const addEnv = (path: string, name: string, entry: Props) => {
    const proxyProp = { HTTP_PROXY: 'httpProxy', HTTPS_PROXY: 'httpsProxy', NO_PROXY: 'noProxy' }[name.toUpperCase()];
    if (proxyProp && typeof entry.value === 'string' && proxy[proxyProp] === undefined) {
      proxy[proxyProp] = proxyProp === 'noProxy' ? entry.value.split(',').map((x) => x.trim()).filter(Boolean) : entry.value;
      report.convert(path, `proxy.${proxyProp} (the library sets ${name} and opens the proxy's port in the manager's NetworkPolicy)`);
    } else if (MANAGER_ENV.includes(name)) report.unmap(path, `${name} is set by the library in the manager container: not converted (proxy and CA settings are the proxy and caBundle props)`);
    else if (seen.has(name)) report.unmap(path, `${name} is set twice: the first one is converted`);
    else {
      seen.add(name);
      env.push(entry);
      report.convert(path, `extraEnv (${name})`);
    }
  };
  const literal = (path: string, name: string, value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    // A secret given inline is flagged (mapValues) and never copied.
    if ((isCredentialName(name) && value !== undefined && value !== null) || CREDENTIAL_VALUE.test(text)) return;
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) report.unmap(path, `"${name}" is not an environment variable name: not converted`);
    else addEnv(path, name, { name, value: text });
  };
  const envVars = k.take('envVars');
  if (Array.isArray(envVars)) {
    envVars.forEach((e, i) => {
      const m = asMap(e);
      const name = m?.name;
      if (typeof name !== 'string') report.unmap(`envVars[${i}]`, 'no name: not converted');
      else if (m!.valueFrom !== undefined) addEnv(`envVars.${name}`, name, { name, valueFrom: plain(m!.valueFrom) });
      else literal(`envVars.${name}`, name, m!.value);
    });
  } else if (envVars !== undefined) report.unmap('envVars', 'not a list of { name, value }: not converted');
  for (const [name, value] of Object.entries(asMap(k.take('extraEnv')) ?? {})) {
    if (isCredentialName(name) && value !== null && value !== undefined) report.risk(`extraEnv.${name}`, 'a secret given inline as a value: it ends up in git and in the pod spec. Not copied');
    literal(`extraEnv.${name}`, name, value);
  }
  for (const [name, from] of Object.entries(asMap(k.take('extraEnvFrom')) ?? {})) {
    if (asMap(from) === undefined) report.unmap(`extraEnvFrom.${name}`, 'not a valueFrom object (secretKeyRef, configMapKeyRef, fieldRef): not converted');
    else addEnv(`extraEnvFrom.${name}`, name, { name, valueFrom: plain(from) });
  }
  if (env.length) props.extraEnv = env;
  if (Object.keys(proxy).length) props.proxy = proxy;

  // Extra volumes of the kinds Pod Security "restricted" admits, and their mounts.
  const volumes = k.take('volumes');
  const volumeNames = new Set<string>();
  if (volumes !== undefined) {
    const list: Expr[] = [];
    (Array.isArray(volumes) ? volumes : [volumes]).forEach((vol, i) => {
      const m = asMap(vol);
      const kinds = Object.keys(m ?? {}).filter((key) => key !== 'name');
      const path = `volumes[${i}]`;
      if (!m || typeof m.name !== 'string' || kinds.length !== 1) report.unmap(path, 'not a volume with a name and one source: not converted');
      else if (MANAGER_VOLUMES.includes(m.name)) report.unmap(path, `"${m.name}" is the name of a volume the library adds (${MANAGER_VOLUMES.join(', ')}): not converted; rename it`);
      else if (kinds[0] === 'hostPath') report.risk(path, `a host path (${JSON.stringify(m.hostPath)}) in the manager pod: the manager, which holds the runner tokens, would share the node's files. Not converted (Pod Security "restricted" forbids it)`);
      else if (!(RESTRICTED_VOLUME_KINDS as readonly string[]).includes(kinds[0])) report.unmap(path, `a ${kinds[0]} volume: Pod Security "restricted" admits ${RESTRICTED_VOLUME_KINDS.join(', ')}; not converted`);
      else {
        list.push(plain(m)!);
        volumeNames.add(m.name);
        report.convert(path, `extraVolumes[${list.length - 1}]`);
      }
    });
    if (list.length) props.extraVolumes = list;
  }
  const mounts = k.take('volumeMounts');
  if (mounts !== undefined) {
    const list: Expr[] = [];
    (Array.isArray(mounts) ? mounts : [mounts]).forEach((mount, i) => {
      const m = asMap(mount);
      const path = `volumeMounts[${i}]`;
      if (!m || typeof m.name !== 'string' || typeof m.mountPath !== 'string') report.unmap(path, 'not a mount with a name and mountPath: not converted');
      else if (!volumeNames.has(m.name)) report.unmap(path, `mounts "${m.name}", which is no converted volume: not converted`);
      else if (MANAGER_MOUNTS.some((own) => m.mountPath === own || (m.mountPath as string).startsWith(`${own}/`) || own.startsWith(`${m.mountPath}/`) || m.mountPath === '/')) {
        report.unmap(path, `${m.mountPath} is, holds or is inside a path the library mounts (${MANAGER_MOUNTS.join(', ')}): not converted; mount it elsewhere`);
      } else {
        list.push(plain(m)!);
        report.convert(path, `extraVolumeMounts[${list.length - 1}]`);
      }
    });
    if (list.length) props.extraVolumeMounts = list;
  }

  // The chart's certsSecretName holds <gitlab host>.crt; the library mounts one key of it.
  const certs = k.take('certsSecretName');
  if (certs !== undefined) {
    const host = (() => {
      try {
        return new URL(gitlabUrl).hostname;
      } catch {
        return 'gitlab';
      }
    })();
    props.caBundle = { secretName: String(certs), key: `${host}.crt` };
    report.convert('certsSecretName', `caBundle: { secretName: '${String(certs)}', key: '${host}.crt' } (the file the chart reads for ${host}; check the key, and add trustInBuildPods if jobs need the CA)`);
  }

  // terminationGracePeriodSeconds: the drain timeout, which must leave the shutdown its margin.
  const grace = k.take('terminationGracePeriodSeconds');
  if (grace !== undefined) {
    const n = Number(grace);
    if (Number.isInteger(n) && n >= shutdownSeconds + 15) {
      props.drainTimeout = seconds(n);
      report.convert('terminationGracePeriodSeconds', 'drainTimeout (terminationGracePeriodSeconds of the manager pod)');
    } else {
      report.unmap('terminationGracePeriodSeconds', `${JSON.stringify(grace)}: drainTimeout must be whole seconds, at least shutdownTimeout + 15 s (${shutdownSeconds + 15}); the library's default (1 hour) applies`);
    }
  }

  // Global config.toml keys the chart has values for: the manager's escape hatch.
  // connectionMaxAge: a Go duration ("15m", "1h30m") for the manager's typed prop.
  const maxAge = k.take('connectionMaxAge');
  if (maxAge !== undefined) {
    const d = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(String(maxAge));
    const secs = d && String(maxAge) !== '' ? Number(d[1] ?? 0) * 3600 + Number(d[2] ?? 0) * 60 + Number(d[3] ?? 0) : 0;
    if (secs >= 1) {
      props.connectionMaxAge = seconds(secs);
      report.convert('connectionMaxAge', 'connectionMaxAge (connection_max_age)');
    } else {
      report.unmap('connectionMaxAge', `${JSON.stringify(maxAge)}: connectionMaxAge takes whole hours, minutes and seconds such as "15m", at least 1 s; the runner's default (15 minutes) applies`);
    }
  }

  const raw: Record<string, Expr> = {};
  for (const [key, toml] of [['sentryDsn', 'sentry_dsn']]) {
    const v = k.take(key);
    if (v === undefined) continue;
    const problem = rawProblem('', toml, v);
    if (problem) report.unmap(key, `\`${toml}\` ${problem}`);
    else {
      raw[toml] = plain(v)!;
      report.convert(key, `via rawConfig (\`${toml}\`, the escape hatch: no typed prop)`);
    }
  }
  if (Object.keys(raw).length) props.rawConfig = raw;

  // metrics.serviceMonitor: RunnerMonitoring (PodMonitors and alerts, for the Prometheus Operator).
  let monitoring: Props | undefined;
  const enabled = k.take('metrics.serviceMonitor.enabled');
  if (enabled === true) {
    monitoring = { manager: new Code('manager') };
    report.convert('metrics.serviceMonitor.enabled', 'new RunnerMonitoring(…): a PodMonitor for the manager and the runner alerts (a PrometheusRule); Prometheus in namespace "monitoring" is admitted by the NetworkPolicy (scraper)');
    const labels2 = stringMap(k.convert('metrics.serviceMonitor.labels', 'RunnerMonitoring labels'));
    if (labels2) monitoring.labels = labels2;
    const interval = k.take('metrics.serviceMonitor.interval');
    const m = /^(\d+)(s|m)$/.exec(String(interval ?? ''));
    const secs = m ? Number(m[1]) * (m[2] === 'm' ? 60 : 1) : undefined;
    if (interval !== undefined && secs !== undefined && secs >= 5 && secs <= 300) {
      monitoring.interval = seconds(secs);
      report.convert('metrics.serviceMonitor.interval', 'RunnerMonitoring interval');
    } else if (interval !== undefined) report.unmap('metrics.serviceMonitor.interval', `${JSON.stringify(interval)}: RunnerMonitoring takes whole seconds from 5 to 300; its default (30s) applies`);
    for (const leaf of k.rest().filter((l) => l.path.startsWith('metrics.serviceMonitor.'))) {
      k.unmap(leaf.path, 'RunnerMonitoring scrapes the manager pods directly (a PodMonitor): relabelings, TLS and other ServiceMonitor settings are not converted');
    }
  } else if (enabled !== undefined) {
    report.convert('metrics.serviceMonitor.enabled', 'no RunnerMonitoring (off, as in the values)');
    k.unmap('metrics.serviceMonitor', 'the ServiceMonitor is off: its settings are not used');
  }
  return { monitoring };
}
