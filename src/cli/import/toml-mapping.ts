import { Keys } from './keys';
import { CachePlan, Code, Expr, Plan, PoolPlan, Props, RunnerPlan, seconds } from './plan';
import { takeRaw } from './raw-mapping';
import { ImportReport } from './report';
import { mapAdvancedOptions, OverridePattern, recheckOverridePatterns } from './runner-options-mapping';
import { isLiteralCredential } from '../../common/credentials';

// Maps the `[[runners]]` entries of a config.toml template (runners.config, or --config) to
// runners of the library: addRunner, or addDindRunner on a tainted node pool for a privileged
// one; `[runners.cache]` to an S3Cache or GcsCache shared by the runners that name the same bucket.

/** What the TOML mapping needs from the values. */
export interface TomlContext {
  /** Where the TOML came from, e.g. `runners.config` or `config.toml`: the report's path prefix. */
  readonly source: string;
  /** The manager's GitLab URL. */
  readonly gitlabUrl: string;
  /** The manager's namespace (`.Release.Namespace`). */
  readonly managerNamespace: string;
  /** The token Secret of the chart's runner (the first entry). */
  readonly firstToken: { readonly secretName: string };
  /** runners.cache.secretName, if given. */
  readonly cacheSecretName?: string;
  /** The default runner name (runners.name), if given. */
  readonly defaultName?: string;
  /** Whether the manager got a caBundle (from certsSecretName): it names every runner's tls-ca-file. */
  readonly caBundle?: boolean;
  /** The report. */
  readonly report: ImportReport;
  /** Unresolved Helm expressions, by marker. */
  readonly unresolved: (value: string) => string | undefined;
}

/**
 * Runner keys the importer does not convert although gitlab-runner defines them, with the reason.
 * Keys with a typed prop are converted; other keys the escape hatch accepts go to `rawConfig`.
 */
export const RUNNER_UNMAPPED: Record<string, string> = {
  'builds_dir': 'the executor\'s build directory is fixed at /builds (the library checks volumes against it)',
  'cache_dir': 'local cache directories are not used: the distributed cache is wired with useCache()',
  'shell': 'the Kubernetes executor picks the shell from the job image',
  'tls-ca-file': 'a file path in the manager pod: the CA comes from the manager\'s caBundle (converted from certsSecretName, when the values set it), which names every runner\'s tls-ca-file itself',
  'tls-cert-file': 'client certificates are not offered in this version: no file to point at in the manager pod',
  'tls-key-file': 'client certificates are not offered in this version: no file to point at in the manager pod',
  'executor': '',
};

/** `[runners.kubernetes]` keys the importer does not convert, with the reason. */
export const KUBERNETES_UNMAPPED: Record<string, string> = {
  service_account: 'build pods get the library\'s own ServiceAccount, with no API rights',
  service_account_overwrite_allowed: 'a pattern: the library takes the list of service accounts jobs may pick (jobOverrides.serviceAccounts), creates them and allows exactly those; list them by hand',
  namespace_overwrite_allowed: 'per-job overrides of the namespace are refused: they would let a job leave its build namespace',
  namespace_per_job: 'build namespaces are created up front, with their Role; the manager gets no right to create namespaces',
  bearer_token_overwrite_allowed: 'refused: the manager talks to the API server with its own ServiceAccount only',
  terminationGracePeriodSeconds: 'not a gitlab-runner key (the runner ignores it): pod_termination_grace_period_seconds is podTerminationGracePeriod',
};

/** Resource keys → (option, resource, side). */
const RESOURCE_KEYS: Array<[string, string, string, string]> = (['', 'helper_', 'service_'] as const).flatMap((prefix) => {
  const option = prefix === '' ? 'buildResources' : prefix === 'helper_' ? 'helperResources' : 'serviceResources';
  return ([['cpu', 'cpu'], ['memory', 'memory'], ['ephemeral_storage', 'ephemeralStorage']] as const).flatMap(([toml, prop]) =>
    (['request', 'limit'] as const).map((side) => [`${prefix}${toml}_${side}`, option, prop, side] as [string, string, string, string]));
});

/** A DNS label made of `name`, for a runner name. */
function dnsLabel(name: string): string {
  const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label || 'runner';
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
}

function strings(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Reports every string holding an unresolved Helm expression and removes it, before mapping. */
function dropUnresolved(tree: unknown, path: string, ctx: TomlContext): void {
  const node = asRecord(tree);
  if (!node) return;
  for (const [k, v] of Object.entries(node)) {
    const p = `${path}.${k}`;
    const expr = typeof v === 'string' ? ctx.unresolved(v)
      : Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? ctx.unresolved(x) : undefined)).find(Boolean) : undefined;
    if (expr) {
      ctx.report.unmap(p, `holds the Helm expression \`${expr}\`, which the importer cannot evaluate without a cluster: not converted; set the prop in main.ts by hand`);
      delete node[k];
    } else if (asRecord(v)) dropUnresolved(v, p, ctx);
    else if (Array.isArray(v)) v.forEach((x, i) => dropUnresolved(x, `${p}[${i}]`, ctx));
  }
}

/** Flags risky settings anywhere in an entry: TLS verification off, plain HTTP. */
function flagInsecure(tree: unknown, path: string, report: ImportReport): void {
  const node = asRecord(tree);
  if (!node) return;
  for (const [k, v] of Object.entries(node)) {
    const p = `${path}.${k}`;
    if (/^tls[-_]verify$/i.test(k) && v === false) report.risk(p, 'TLS verification is off: a man in the middle sees tokens and job data');
    if (/^(insecure|tls[-_]?skip[-_]?verify|insecure[-_]skip[-_]tls[-_]verify)$/i.test(k) && v === true) report.risk(p, 'plain HTTP or unverified TLS: a man in the middle sees and can change what passes');
    if (asRecord(v)) flagInsecure(v, p, report);
  }
}

/** Maps the `[[runners]]` of `tree` into `plan`. */
export function mapRunners(keys: Keys, plan: Plan, ctx: TomlContext): void {
  const entries = keys.take('runners');
  const list = entries === undefined ? [] : Array.isArray(entries) ? entries : [entries];
  const { report } = ctx;

  // Namespaces unprivileged runners use: a privileged runner may not share one.
  const nsOf = (e: unknown) => asRecord(asRecord(e)?.kubernetes)?.namespace;
  const privilegedOf = (e: unknown) => asRecord(asRecord(e)?.kubernetes)?.privileged === true;
  const unprivilegedNamespaces = new Set(list.filter((e) => !privilegedOf(e)).map(nsOf).filter((n): n is string => typeof n === 'string'));
  const usedNames = new Set<string>();
  const patterns: OverridePattern[] = [];
  list.forEach((entry, i) => {
    const path = `${ctx.source}#runners[${i}]`;
    if (!asRecord(entry)) {
      report.unmap(path, `not a table (${JSON.stringify(entry)}): no runner converted from it`);
      return;
    }
    dropUnresolved(entry, path, ctx);
    flagInsecure(entry, path, report);
    patterns.push(...mapRunner(new Keys(entry, path, report), i, plan, ctx, usedNames, unprivilegedNamespaces));
  });
  // Job placement patterns, once every privileged pool is known: none may reach one.
  recheckOverridePatterns(patterns, plan.pools.map((pool) => {
    const taint = pool.props.taint as { key: string; value: string; effect: string };
    const label = pool.props.nodeLabel as { key: string; value: string } | undefined;
    return { taint, label: label ? `${label.key}=${label.value}` : `${taint.key}=${taint.value}` };
  }), report);
  // A manager needs a runner: the chart's own runner, as the chart would register it.
  if (plan.runners.length === 0) {
    report.unmap(ctx.source, 'no [[runners]] table: the importer adds one runner, "default", with the chart\'s token Secret');
    mapRunner(new Keys({}, `${ctx.source}#runners[0]`, report), 0, plan, ctx, usedNames, unprivilegedNamespaces);
  }
}

function mapRunner(k: Keys, index: number, plan: Plan, ctx: TomlContext, usedNames: Set<string>, unprivilegedNamespaces: Set<string>): OverridePattern[] {
  const { report } = ctx;
  const o: Record<string, Expr | undefined> = {};

  // Name: a DNS label, unique in the manager.
  const given = k.take('name') as string | undefined;
  let name = dnsLabel(String(given ?? (index === 0 ? ctx.defaultName ?? 'default' : `runner-${index + 1}`)));
  for (let n = 2; usedNames.has(name); n++) name = `${dnsLabel(String(given ?? 'runner')).slice(0, 60)}-${n}`;
  usedNames.add(name);
  if (given !== undefined) report.convert(k.at('name'), given === name ? `runner name "${name}"` : `runner name "${name}" (a DNS label: the name is also a construct id and object name)`);

  const url = k.take('url');
  if (url !== undefined) {
    if (String(url).replace(/\/+$/, '') === ctx.gitlabUrl.replace(/\/+$/, '')) report.convert(k.at('url'), 'the manager\'s gitlabUrl');
    else report.unmap(k.at('url'), `differs from the manager's gitlabUrl (${ctx.gitlabUrl}): the library runs every runner of a manager against one GitLab; make a second GitLabRunnerManager for ${String(url)}`);
  }

  // Token: always a Secret reference, never a literal.
  const tokenSecret = index === 0 ? ctx.firstToken.secretName : `${name}-runner-token`;
  const token = k.take('token');
  if (token !== undefined) {
    if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(String(token))) {
      report.unmap(k.at('token'), `an environment variable reference: the converted runner reads its token from the Secret "${tokenSecret}" (key runner-token)`);
    } else {
      report.risk(k.at('token'), `a token written into the template: it ends up in git and in a ConfigMap. Not copied; the converted runner reads it from the Secret "${tokenSecret}" (key runner-token)`);
    }
  }
  if (index > 0 || ctx.firstToken.secretName === `${name}-runner-token`) {
    report.step(`Create runner "${name}" in GitLab and store its glrt-… token: \`kubectl -n ${ctx.managerNamespace} create secret generic ${tokenSecret} --from-literal=runner-token='glrt-…'\``);
  }
  o.token = { secretName: tokenSecret };

  const executor = k.take('executor');
  if (executor !== undefined) {
    if (executor === 'kubernetes') report.convert(k.at('executor'), 'the Kubernetes executor (the only one the library runs)');
    else report.unmap(k.at('executor'), `"${String(executor)}": the library runs the Kubernetes executor only; this runner is converted as a Kubernetes runner, check its jobs`);
  }

  // Privilege first: it decides the method and the namespace.
  const privileged = k.take('kubernetes.privileged') === true;
  if (privileged) report.convert(k.at('kubernetes.privileged'), 'manager.addDindRunner() on a tainted node pool');
  else if (k.peek('kubernetes.privileged') === false) report.convert(k.at('kubernetes.privileged'), 'privileged: false (the default)');

  const namespace = k.take('kubernetes.namespace') as string | undefined;
  if (namespace !== undefined) {
    if (namespace === ctx.managerNamespace) {
      report.unmap(k.at('kubernetes.namespace'), `"${namespace}" is the manager's namespace: build pods run arbitrary code and must not share it (and its Secrets) with the manager; the converted runner uses ${privileged ? 'its own privileged build namespace' : 'the manager\'s default build namespace'}`);
    } else if (privileged && unprivilegedNamespaces.has(namespace)) {
      report.unmap(k.at('kubernetes.namespace'), `"${namespace}" is shared with an unprivileged runner: a privileged runner gets a namespace of its own (Pod Security "privileged")`);
    } else {
      o.buildNamespace = namespace;
      report.convert(k.at('kubernetes.namespace'), 'buildNamespace');
    }
  }

  const simple: Array<[string, string, (v: unknown) => Expr]> = [
    ['limit', 'limit', Number],
    ['request_concurrency', 'requestConcurrency', Number],
    ['kubernetes.image', 'image', String],
    ['kubernetes.pull_policy', 'pullPolicy', (v) => strings(v)!],
    ['kubernetes.allowed_images', 'allowedImages', (v) => strings(v)!],
    ['kubernetes.allowed_services', 'allowedServices', (v) => strings(v)!],
    ['kubernetes.image_pull_secrets', 'imagePullSecrets', (v) => strings(v)!],
    ['kubernetes.helper_image', 'helperImage', String],
    ['kubernetes.priority_class_name', 'priorityClassName', String],
    ['kubernetes.poll_timeout', 'pollTimeout', (v) => seconds(Number(v))],
    ['kubernetes.poll_interval', 'pollInterval', (v) => seconds(Number(v))],
    ['kubernetes.pod_labels', 'podLabels', (v) => v as Expr],
    ['kubernetes.pod_annotations', 'podAnnotations', (v) => v as Expr],
    ['feature_flags', 'featureFlags', (v) => v as Expr],
  ];
  for (const [key, prop, f] of simple) {
    const v = k.convert(key, prop);
    if (v !== undefined) o[prop] = f(v);
  }

  const env = k.take('environment');
  if (env !== undefined) {
    const vars: Record<string, string> = {};
    for (const item of strings(env)!) {
      const eq = item.indexOf('=');
      const [name2, value] = eq < 0 ? [item, ''] : [item.slice(0, eq), item.slice(eq + 1)];
      if (isLiteralCredential(name2, value)) {
        report.risk(`${k.at('environment')}.${name2}`, 'looks like a secret given to every job in config.toml: not copied; pass it as a masked CI/CD variable in GitLab');
      } else vars[name2] = value;
    }
    if (Object.keys(vars).length) {
      o.environment = vars;
      report.convert(k.at('environment'), `environment (${Object.keys(vars).join(', ')})`);
    }
  }

  // Resources: one Resources object per container kind.
  const resources: Record<string, Record<string, Record<string, string>>> = {};
  for (const [key, option, prop, side] of RESOURCE_KEYS) {
    const v = k.convert(`kubernetes.${key}`, `${option}.${prop}.${side}`);
    if (v === undefined) continue;
    ((resources[option] ??= {})[prop] ??= {})[side] = String(v);
  }
  for (const [option, value] of Object.entries(resources)) o[option] = value;

  // Placement: node selector, tolerations; a privileged runner gets its tainted pool from them.
  const selector = { ...(asRecord(k.take('kubernetes.node_selector')) ?? {}) } as Record<string, string>;
  const tolerations = Object.entries(asRecord(k.take('kubernetes.node_tolerations')) ?? {}).map(([kv, effect]) => {
    const eq = kv.indexOf('=');
    return { key: eq < 0 ? kv : kv.slice(0, eq), value: eq < 0 ? undefined : kv.slice(eq + 1), effect: effect ? String(effect) : undefined };
  });
  let pool: PoolPlan | undefined;
  if (privileged) {
    const taint = tolerations.find((t) => t.value !== undefined && (t.effect === undefined || t.effect === 'NoSchedule' || t.effect === 'NoExecute'));
    const taintProps = taint
      ? { key: taint.key, value: taint.value!, effect: taint.effect ?? 'NoSchedule' }
      : { key: 'dedicated', value: 'gitlab-privileged-builds', effect: 'NoSchedule' };
    if (taint) tolerations.splice(tolerations.indexOf(taint), 1);
    const labelKey = Object.keys(selector)[0];
    const nodeLabel = labelKey === undefined ? undefined : { key: labelKey, value: selector[labelKey] };
    if (labelKey !== undefined) delete selector[labelKey];
    pool = poolFor(plan, taintProps, nodeLabel);
    if (taint) {
      report.convert(k.at('kubernetes.node_tolerations'), `the taint of ExistingNodePool "${pool.id}" (${taintProps.key}=${taintProps.value}:${taintProps.effect})${tolerations.length ? ' and tolerations' : ''}`);
    } else {
      report.risk(k.at('kubernetes.privileged'), `privileged = true without a tainted node pool: privileged build pods could land on any node, beside other workloads. The importer added ExistingNodePool "${pool.id}" with the taint dedicated=gitlab-privileged-builds:NoSchedule; taint and label the nodes meant for it before applying (pool.nextSteps()), or the build pods stay Pending`);
    }
    if (nodeLabel) report.convert(k.at(`kubernetes.node_selector`), `the node label of ExistingNodePool "${pool.id}" (${nodeLabel.key}=${nodeLabel.value})${Object.keys(selector).length ? ' and nodeSelector' : ''}`);
    report.step(`Taint and label the nodes of the privileged pool "${pool.id}" (its nextSteps(): kubectl taint nodes <node> ${taintProps.key}=${taintProps.value}:${taintProps.effect}; kubectl label nodes <node> ${nodeLabel ? `${nodeLabel.key}=${nodeLabel.value}` : `${taintProps.key}=${taintProps.value}`})`);
    o.nodePool = new Code(pool.variable);
  } else {
    if (Object.keys(selector).length) report.convert(k.at('kubernetes.node_selector'), 'nodeSelector');
    if (tolerations.length) report.convert(k.at('kubernetes.node_tolerations'), 'tolerations');
  }
  if (Object.keys(selector).length) o.nodeSelector = selector;
  if (tolerations.length) o.tolerations = tolerations.map((t) => ({ key: t.key, value: t.value, effect: t.effect }) as Props);

  // Volumes: emptyDir and Secret volumes; addDindRunner brings its docker-certs volume itself.
  const emptyDirs = tables(k, 'kubernetes.volumes.empty_dir', report);
  const emptyDir: Props[] = [];
  emptyDirs.forEach((e, i) => {
    const p = k.at(`kubernetes.volumes.empty_dir[${i}]`);
    if (privileged && e.mount_path === '/certs/client') {
      report.convert(p, 'the docker-certs volume addDindRunner() mounts itself (in memory)');
      return;
    }
    emptyDir.push({ name: String(e.name), mountPath: String(e.mount_path), medium: e.medium === 'Memory' ? 'Memory' : undefined, sizeLimit: e.size_limit === undefined ? undefined : String(e.size_limit) });
    report.convert(p, `volumes.emptyDir[${emptyDir.length - 1}]`);
  });
  const secretVolumes = tables(k, 'kubernetes.volumes.secret', report);
  const secret: Props[] = secretVolumes.map((s, i) => {
    report.convert(k.at(`kubernetes.volumes.secret[${i}]`), `volumes.secret[${i}] (read-only)`);
    return { secretName: String(s.name), mountPath: String(s.mount_path), items: asRecord(s.items) as Expr | undefined };
  });
  const configMap: Props[] = tables(k, 'kubernetes.volumes.config_map', report).map((c, i) => {
    report.convert(k.at(`kubernetes.volumes.config_map[${i}]`), `volumes.configMap[${i}] (read-only)`);
    return { configMapName: String(c.name), mountPath: String(c.mount_path), items: asRecord(c.items) as Expr | undefined };
  });
  const pvc: Props[] = tables(k, 'kubernetes.volumes.pvc', report).map((c, i) => {
    report.convert(k.at(`kubernetes.volumes.pvc[${i}]`), `volumes.pvc[${i}]`);
    return { claimName: String(c.name), mountPath: String(c.mount_path), subPath: optString(c.sub_path), readOnly: optBool(c.read_only) };
  });
  const csi: Props[] = tables(k, 'kubernetes.volumes.csi', report).map((c, i) => {
    report.convert(k.at(`kubernetes.volumes.csi[${i}]`), `volumes.csi[${i}]`);
    return {
      name: String(c.name), mountPath: String(c.mount_path), driver: String(c.driver), fsType: optString(c.fs_type),
      volumeAttributes: asRecord(c.volume_attributes) as Expr | undefined, subPath: optString(c.sub_path), readOnly: optBool(c.read_only),
    };
  });
  // Host paths: only a privileged runner's build namespace admits them (Pod Security "baseline" forbids them).
  const hostPath: Props[] = [];
  if (k.has('kubernetes.volumes.host_path')) {
    if (!privileged) {
      report.risk(k.at('kubernetes.volumes.host_path'), 'a host path in an unprivileged runner\'s build pods: a job could read or write the node (e.g. the container runtime socket). Not converted (the library refuses it: Pod Security "baseline" forbids host paths)');
      k.take('kubernetes.volumes.host_path');
    } else {
      tables(k, 'kubernetes.volumes.host_path', report).forEach((h, i) => {
        const node = String(h.host_path ?? h.mount_path);
        if (/(docker|containerd|crio|podman)\.sock$|^\/$/.test(node)) {
          report.risk(k.at(`kubernetes.volumes.host_path[${i}]`), `the node's ${node}: a job would control the node's container runtime (or its whole filesystem), and every other pod on it. Not converted; addDindRunner() runs its own Docker daemon`);
          return;
        }
        hostPath.push({ name: String(h.name), mountPath: String(h.mount_path), hostPath: String(h.host_path ?? h.mount_path), readOnly: optBool(h.read_only) });
        report.risk(k.at(`kubernetes.volumes.host_path[${i}]`), `the node's ${String(h.host_path ?? h.mount_path)} in a privileged runner's build pods: converted (volumes.hostPath[${i}]); jobs get the node's files`);
      });
    }
  }
  const volumes: Props = {
    emptyDir: emptyDir.length ? emptyDir : undefined, secret: secret.length ? secret : undefined, configMap: configMap.length ? configMap : undefined,
    pvc: pvc.length ? pvc : undefined, csi: csi.length ? csi : undefined, hostPath: hostPath.length ? hostPath : undefined,
  };
  if (Object.values(volumes).some((x) => x !== undefined)) o.volumes = volumes;

  // Build container security context: the parts the library offers.
  const bcsc: Record<string, Expr> = {};
  for (const [key, prop] of [['run_as_user', 'runAsUser'], ['run_as_group', 'runAsGroup'], ['run_as_non_root', 'runAsNonRoot'], ['allow_privilege_escalation', 'allowPrivilegeEscalation']]) {
    const v = k.convert(`kubernetes.build_container_security_context.${key}`, `buildContainerSecurityContext.${prop}`);
    if (v !== undefined) bcsc[prop] = v as Expr;
  }
  if (Object.keys(bcsc).length) o.buildContainerSecurityContext = bcsc;
  if (k.peek('kubernetes.build_container_security_context.privileged') === true) {
    report.risk(k.at('kubernetes.build_container_security_context.privileged'), 'a privileged build container: not converted; a privileged runner is made with addDindRunner() on a tainted node pool');
    k.take('kubernetes.build_container_security_context.privileged');
  }
  k.unmap('kubernetes.build_container_security_context', 'the library sets the rest of the build container\'s security context itself (capabilities dropped, no privilege escalation)');

  const escalation = k.take('kubernetes.allow_privilege_escalation');
  if (escalation === true) report.risk(k.at('kubernetes.allow_privilege_escalation'), 'privilege escalation in every container of the build pod: not converted (off); a rootless image builder needs it in the build container only: buildContainerSecurityContext.allowPrivilegeEscalation, or addImageBuilderRunner()');
  else if (escalation === false) report.convert(k.at('kubernetes.allow_privilege_escalation'), 'off (the library\'s default)');
  const automount = k.take('kubernetes.automount_service_account_token');
  if (automount === true) report.risk(k.at('kubernetes.automount_service_account_token'), 'a ServiceAccount token in every build pod: not converted; build pods get no token and no API rights');
  else if (automount === false) report.convert(k.at('kubernetes.automount_service_account_token'), 'off (the library\'s default)');
  const patterns = mapAdvancedOptions(k, o, privileged, report);

  for (const [key, reason] of Object.entries(KUBERNETES_UNMAPPED)) k.unmap(`kubernetes.${key}`, reason);
  if (ctx.caBundle) k.convert('tls-ca-file', 'the manager\'s caBundle (from certsSecretName), which names every runner\'s tls-ca-file');
  for (const [key, reason] of Object.entries(RUNNER_UNMAPPED)) if (reason) k.unmap(key, reason);

  const cache = mapCache(k, ctx, plan);

  // What no typed prop covers, the escape hatch may: checked as the library checks rawConfig.
  const raw = takeRaw(k, 'runners', report);
  if (raw) o.rawConfig = raw;
  k.reportRest('not known to the importer: check whether the library offers it (README, API reference) and add it to main.ts by hand');
  const options = orderOptions(o);
  // The re-check edits the options the plan holds.
  const runner: RunnerPlan = { method: privileged ? 'addDindRunner' : 'addRunner', name, options, cache };
  plan.runners.push(runner);
  return patterns.map((p) => ({ ...p, options }));
}

function optString(v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : String(v);
}

function optBool(v: unknown): boolean | undefined {
  return v === undefined || v === null ? undefined : Boolean(v);
}

/** An array of tables at `key` (taken); anything else is reported and read as none. */
function tables(k: Keys, key: string, report: ImportReport): Array<Record<string, unknown>> {
  const v = k.take(key);
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((e) => asRecord(e) && typeof asRecord(e)!.name === 'string' && typeof asRecord(e)!.mount_path === 'string')) return v as Array<Record<string, unknown>>;
  report.unmap(k.at(key), 'not an array of tables with name and mount_path: not converted');
  return [];
}

/** Options in a fixed order: token and placement first, then the rest alphabetically. */
function orderOptions(o: Props): Props {
  const first = ['token', 'nodePool', 'buildNamespace', 'image'];
  const keys = [...first.filter((k) => k in o), ...Object.keys(o).filter((k) => !first.includes(k)).sort()];
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** The pool with this taint and label, created on first use. */
function poolFor(plan: Plan, taint: Props, nodeLabel: Props | undefined): PoolPlan {
  const key = JSON.stringify([taint, nodeLabel]);
  const existing = plan.pools.find((p) => JSON.stringify([p.props.taint, p.props.nodeLabel]) === key);
  if (existing) return existing;
  const n = plan.pools.length + 1;
  const pool: PoolPlan = {
    variable: n === 1 ? 'privilegedPool' : `privilegedPool${n}`,
    id: n === 1 ? 'privileged-pool' : `privileged-pool-${n}`,
    props: { name: n === 1 ? undefined : `gitlab-privileged-builds-${n}`, taint, nodeLabel },
  };
  plan.pools.push(pool);
  return pool;
}

/** `[runners.cache]` → an S3Cache or GcsCache (shared by runners naming the same one); its variable. */
function mapCache(k: Keys, ctx: TomlContext, plan: Plan): string | undefined {
  const { report } = ctx;
  if (!k.has('cache')) return undefined;
  const type = k.take('cache.Type');
  const c = (key: string) => `cache.${key}`;
  const common: Props = {};
  const p = k.convert(c('Path'), 'path');
  if (p !== undefined) common.path = String(p);
  const shared = k.convert(c('Shared'), 'shared');
  if (shared !== undefined) common.shared = Boolean(shared);
  let plan2: Omit<CachePlan, 'variable' | 'id' | 'key'> | undefined;
  if (type === 's3') {
    report.convert(k.at(c('Type')), 'S3Cache');
    const bucket = k.convert(c('s3.BucketName'), 'S3Cache bucketName');
    if (bucket === undefined) {
      report.unmap(k.at(c('Type')), 's3 cache without s3.BucketName: no cache converted');
      return undefined;
    }
    const region = k.convert(c('s3.BucketLocation'), 'S3Cache region');
    if (region === undefined) report.unmap(k.at(c('s3.BucketLocation')), 'not set: S3Cache needs a region; the importer wrote "us-east-1" (the runner\'s default). Check it');
    const server = k.convert(c('s3.ServerAddress'), 'S3Cache serverAddress');
    const insecure = k.convert(c('s3.Insecure'), 'S3Cache insecure');
    const pathStyle = k.convert(c('s3.PathStyle'), 'S3Cache pathStyle');
    const auth = k.take(c('s3.AuthenticationType'));
    const accessKey = k.take(c('s3.AccessKey'));
    const secretKey = k.take(c('s3.SecretKey'));
    let credentials: Code | undefined;
    for (const [key, value] of [['s3.AccessKey', accessKey], ['s3.SecretKey', secretKey]] as const) {
      if (value !== undefined) report.risk(k.at(c(key)), 'a cache key written into the template: it ends up in git and in a ConfigMap. Not copied; the converted cache reads the keys from a Secret');
    }
    if (auth === 'iam') {
      report.convert(k.at(c('s3.AuthenticationType')), 'S3Cache without credentials (AuthenticationType "iam": the manager\'s own AWS identity)');
    } else {
      if (auth !== undefined) report.convert(k.at(c('s3.AuthenticationType')), 'S3Cache credentials (access-key)');
      const secretName = ctx.cacheSecretName ?? (accessKey !== undefined || secretKey !== undefined ? 's3-cache-keys' : undefined);
      if (secretName !== undefined) {
        credentials = new Code(`CacheCredentials.fromSecret('${secretName}')`, { 'cdk8s-gitlab-runner': ['CacheCredentials'] });
        report.step(`The cache keys: \`kubectl -n ${ctx.managerNamespace} create secret generic ${secretName} --from-literal=accesskey=… --from-literal=secretkey=…\`${ctx.cacheSecretName ? ' (the chart\'s cache Secret has these keys already)' : ''}`);
      } else {
        report.unmap(k.at(c('s3')), 'no keys (runners.cache.secretName) and no AuthenticationType: the converted S3Cache uses the manager\'s own AWS identity (AuthenticationType "iam"); give it credentials: CacheCredentials.fromSecret(…) if the bucket needs keys');
      }
    }
    const sseType = k.take(c('s3.ServerSideEncryption'));
    const sseKey = k.take(c('s3.ServerSideEncryptionKeyID'));
    let serverSideEncryption: Props | undefined;
    if (sseType !== undefined) {
      const type = String(sseType).toUpperCase() === 'AES256' ? 'S3' : String(sseType).toUpperCase();
      if (['S3', 'KMS', 'DSSE-KMS'].includes(type) && (type === 'S3') === (sseKey === undefined)) {
        serverSideEncryption = { type, kmsKeyId: sseKey === undefined ? undefined : String(sseKey) };
        report.convert(k.at(c('s3.ServerSideEncryption')), 'S3Cache serverSideEncryption.type');
        if (sseKey !== undefined) report.convert(k.at(c('s3.ServerSideEncryptionKeyID')), 'S3Cache serverSideEncryption.kmsKeyId');
      } else {
        report.unmap(k.at(c('s3.ServerSideEncryption')), `"${String(sseType)}"${sseKey === undefined ? '' : ' with a key id'}: S3Cache takes S3 (no key id), KMS or DSSE-KMS (with ServerSideEncryptionKeyID); not converted`);
        if (sseKey !== undefined) report.unmap(k.at(c('s3.ServerSideEncryptionKeyID')), 'goes with ServerSideEncryption, not converted');
      }
    } else if (sseKey !== undefined) report.unmap(k.at(c('s3.ServerSideEncryptionKeyID')), 'a key id without ServerSideEncryption: not converted');
    plan2 = {
      className: 'S3Cache',
      props: {
        bucketName: String(bucket), region: String(region ?? 'us-east-1'),
        serverAddress: server === undefined ? undefined : String(server),
        insecure: insecure === undefined ? undefined : Boolean(insecure),
        pathStyle: pathStyle === undefined ? undefined : Boolean(pathStyle),
        credentials, serverSideEncryption, ...common,
      },
    };
  } else if (type === 'gcs') {
    report.convert(k.at(c('Type')), 'GcsCache');
    const bucket = k.convert(c('gcs.BucketName'), 'GcsCache bucketName');
    if (bucket === undefined) {
      report.unmap(k.at(c('Type')), 'gcs cache without gcs.BucketName: no cache converted');
      return undefined;
    }
    // A key file: the chart mounts it from runners.cache.secretName; the library mounts it from a Secret too.
    let credentialsFile: Props | undefined;
    const file = k.take(c('gcs.CredentialsFile'));
    if (file !== undefined && ctx.cacheSecretName !== undefined) {
      credentialsFile = { secretName: ctx.cacheSecretName, key: 'gcs-application-credentials-file' };
      report.convert(k.at(c('gcs.CredentialsFile')), `GcsCache credentialsFile: { secretName: '${ctx.cacheSecretName}', key: 'gcs-application-credentials-file' } (the chart's key for it)`);
      report.risk(k.at(c('gcs.CredentialsFile')), 'a long-lived service-account key file: converted; prefer Workload Identity (drop credentialsFile, annotate the manager\'s ServiceAccount with iam.gke.io/gcp-service-account)');
    } else if (file !== undefined) {
      report.unmap(k.at(c('gcs.CredentialsFile')), 'a path in the pod, and no runners.cache.secretName holding the file: the converted GcsCache is keyless (Workload Identity); or set credentialsFile: { secretName, key } by hand');
    }
    k.unmap(c('gcs.AccessID'), 'an access id goes with an inline private key, which is never copied: the converted GcsCache is keyless (Workload Identity), or takes a key file (credentialsFile)');
    if (k.has(c('gcs.PrivateKey'))) report.risk(k.at(c('gcs.PrivateKey')), 'a private key written into the template: it ends up in git and in a ConfigMap. Not copied');
    k.take(c('gcs.PrivateKey'));
    plan2 = { className: 'GcsCache', props: { bucketName: String(bucket), credentialsFile, ...common } };
  } else if (type === 'azure') {
    report.convert(k.at(c('Type')), 'AzureCache');
    const account = k.convert(c('azure.AccountName'), 'AzureCache accountName');
    const container = k.convert(c('azure.ContainerName'), 'AzureCache containerName');
    if (account === undefined || container === undefined) {
      report.unmap(k.at(c('Type')), 'azure cache without azure.AccountName and azure.ContainerName: no cache converted');
      return undefined;
    }
    const domain = k.convert(c('azure.StorageDomain'), 'AzureCache storageDomain');
    if (k.has(c('azure.AccountKey'))) report.risk(k.at(c('azure.AccountKey')), 'an account key written into the template: it ends up in git and in a ConfigMap. Not copied; the converted cache reads it from a Secret');
    const inlineKey = k.take(c('azure.AccountKey')) !== undefined;
    let accountKey: Props | undefined;
    if (ctx.cacheSecretName !== undefined || inlineKey) {
      const secretName = ctx.cacheSecretName ?? 'azure-cache-key';
      accountKey = { secretName, key: 'azureStorageAccountKey' };
      report.step(`The cache's account key: \`kubectl -n ${ctx.managerNamespace} create secret generic ${secretName} --from-literal=azureStorageAccountKey=…\`${ctx.cacheSecretName ? ' (the chart\'s cache Secret has this key already)' : ''}`);
    }
    plan2 = {
      className: 'AzureCache',
      props: { accountName: String(account), containerName: String(container), accountKey, storageDomain: domain === undefined ? undefined : String(domain), ...common },
    };
  } else {
    k.unmap('cache', type === undefined ? 'a [runners.cache] without Type: no cache converted' : `cache Type "${String(type)}": the library offers S3 (and S3-compatible, MinIO), GCS and Azure caches; no cache converted`);
    return undefined;
  }
  const key = JSON.stringify([plan2.className, plan2.props], (_k, v) => (v instanceof Code ? v.text : v));
  const existing = plan.caches.find((x) => x.key === key);
  if (existing) return existing.variable;
  const n = plan.caches.length + 1;
  const props = n === 1 || plan2.className !== 'S3Cache' ? plan2.props : { ...plan2.props, name: `s3-cache-${n}` };
  const cache: CachePlan = { ...plan2, props, key, variable: n === 1 ? 'cache' : `cache${n}`, id: n === 1 ? 'cache' : `cache-${n}` };
  plan.caches.push(cache);
  return cache.variable;
}
