import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { emitMainTs } from './emit';
import { resolveTemplate, unresolvedIn } from './helm-template';
import { Keys } from './keys';
import { PodToleration, Taint, toleratesTaint } from '../../common/tolerations';
import { Expr, Plan, seconds } from './plan';
import { takeRaw } from './raw-mapping';
import { ImportReport } from './report';
import { mapRunners } from './toml-mapping';
import { ImportInputError, parseValues } from './values';
import { mapValues } from './values-mapping';

// `cdk8s-gitlab-runner import`: the official chart's values.yaml (and optionally a config.toml)
// in, a main.ts using this library and IMPORT-REPORT.md out.

/** What `import` converts. */
export interface ImportSources {
  /** values.yaml text. */
  readonly values: string;
  /** Its file name, as the report names it. */
  readonly valuesFile: string;
  /** A config.toml (template) used instead of runners.config. */
  readonly config?: string;
  /** Its file name. */
  readonly configFile?: string;
  /** The release namespace (`.Release.Namespace`), the manager's namespace. */
  readonly namespace: string;
}

/** The converted stack. */
export interface ImportResult {
  /** The generated main.ts. */
  readonly mainTs: string;
  /** IMPORT-REPORT.md. */
  readonly reportMd: string;
  /** The report, for callers that inspect it. */
  readonly report: ImportReport;
}

/** Global config.toml keys → manager props. */
const GLOBAL_KEYS: Array<[string, string, string]> = [
  ['concurrent', 'concurrent', 'concurrent'],
  ['check_interval', 'checkInterval', 'checkInterval'],
  ['log_level', 'logLevel', 'logLevel'],
  ['log_format', 'logFormat', 'logFormat'],
  ['shutdown_timeout', 'shutdownTimeout', 'shutdown_timeout'],
];

/** Converts the sources; throws {@link ImportInputError} on unreadable input. */
export function convert(sources: ImportSources): ImportResult {
  const report = new ImportReport();
  const values = parseValues(sources.values, sources.valuesFile);
  const k = new Keys(values, '', report);
  const manager = mapValues(k, sources.namespace, report);
  const plan: Plan = { manager: manager.props, pools: [], caches: [], runners: [], monitoring: manager.monitoring };

  // The config.toml template: --config, else runners.config.
  let template: string | undefined;
  let source = 'runners.config';
  const inValues = k.take('runners.config');
  if (sources.config !== undefined) {
    template = sources.config;
    source = sources.configFile ?? 'config.toml';
    if (inValues !== undefined) report.unmap('runners.config', `replaced by ${source} (--config)`);
  } else if (inValues !== undefined) {
    if (typeof inValues !== 'string') throw new ImportInputError(`runners.config must be a TOML template string, got ${Array.isArray(inValues) ? 'a list' : typeof inValues}`);
    template = inValues;
    report.convert('runners.config', 'the runners, caches and node pools below (each of its keys is listed as runners.config#…)');
  }
  const resolved = resolveTemplate(template ?? '', source, { name: 'gitlab-runner', namespace: sources.namespace }, values, report);
  let tree: Record<string, unknown>;
  try {
    tree = parseToml(resolved.text) as Record<string, unknown>;
  } catch (e) {
    const what = template === sources.config ? source : 'runners.config';
    throw new ImportInputError(`${what} is not valid TOML${resolved.expressions.length ? ' (after evaluating the Helm expressions the importer knows)' : ''}: ${(e as Error).message.split('\n')[0]}`);
  }
  const toml = new Keys(tree, `${source}#`, report);
  // Global keys: the values drive the chart's global section; a config.toml fills in the rest.
  for (const [key, prop, valuesKey] of GLOBAL_KEYS) {
    const v = toml.take(key);
    if (v === undefined) continue;
    if (plan.manager[prop] !== undefined) {
      report.unmap(toml.at(key), `${valuesKey} in ${sources.valuesFile} wins, as in the chart`);
    } else {
      plan.manager[prop] = key === 'check_interval' || key === 'shutdown_timeout' ? seconds(Number(v)) : (typeof v === 'number' ? v : String(v));
      report.convert(toml.at(key), prop);
    }
  }
  toml.unmap('listen_address', 'the metrics listener is fixed at :9252 (the probes use it)');
  mapRunners(toml, plan, {
    source,
    gitlabUrl: manager.gitlabUrl,
    managerNamespace: sources.namespace,
    firstToken: { secretName: manager.firstTokenSecret },
    cacheSecretName: k.peek('runners.cache.secretName') as string | undefined,
    defaultName: k.peek('runners.name') as string | undefined,
    caBundle: plan.manager.caBundle !== undefined,
    report,
    unresolved: (v) => unresolvedIn(v, resolved.expressions),
  });
  // The manager must not tolerate a privileged pool's taint: its pods would share those nodes.
  const tolerations = plan.manager.tolerations as Array<Record<string, unknown>> | undefined;
  if (tolerations) {
    const kept = tolerations.filter((t) => {
      const pool = plan.pools.find((p) => toleratesTaint(t as PodToleration, p.props.taint as unknown as Taint));
      if (pool) report.risk('tolerations', `${JSON.stringify(t)} tolerates the taint of the privileged node pool "${pool.id}": the manager, which holds the runner tokens, would run beside privileged builds. Not converted (the library refuses it)`);
      return !pool;
    });
    plan.manager.tolerations = kept.length ? kept as Expr : undefined;
  }
  // Global keys no prop covers: the manager's escape hatch, after the values' own (connectionMaxAge, …).
  for (const key of Object.keys((plan.manager.rawConfig as Record<string, Expr> | undefined) ?? {})) {
    toml.unmap(key, `set by ${sources.valuesFile} too, which wins, as in the chart`);
  }
  const raw = takeRaw(toml, '', report);
  if (raw) plan.manager.rawConfig = { ...(plan.manager.rawConfig as Record<string, Expr> | undefined), ...raw };
  toml.reportRest('not known to the importer: check whether the library offers it (README, API reference) and add it to main.ts by hand');

  // Values the TOML mapping used.
  const cacheSecret = k.take('runners.cache.secretName');
  if (cacheSecret !== undefined) {
    if (plan.caches.some((c) => c.className === 'S3Cache' && c.props.credentials !== undefined)) report.convert('runners.cache.secretName', 'S3Cache credentials: CacheCredentials.fromSecret() (keys accesskey, secretkey)');
    else if (plan.caches.some((c) => c.className === 'GcsCache' && c.props.credentialsFile !== undefined)) report.convert('runners.cache.secretName', 'GcsCache credentialsFile: { secretName } (key gcs-application-credentials-file)');
    else if (plan.caches.some((c) => c.className === 'AzureCache' && c.props.accountKey !== undefined)) report.convert('runners.cache.secretName', 'AzureCache accountKey: { secretName } (key azureStorageAccountKey)');
    else if (plan.caches.some((c) => c.className === 'GcsCache')) report.unmap('runners.cache.secretName', 'GcsCache is keyless: the manager signs cache URLs as its own Google identity (GKE Workload Identity: serviceAccount.annotations iam.gke.io/gcp-service-account)');
    else report.unmap('runners.cache.secretName', 'no S3 cache in the runners\' config uses it');
  }
  for (const used of resolved.usedValues) k.convert(used, `evaluated where ${source} reads {{ .Values.${used} }}`);
  const name = k.take('runners.name');
  if (name !== undefined) report.convert('runners.name', 'the first runner\'s name');
  k.reportRest('not known to the importer (not a key of the official chart 0.86 it maps): check it and set the matching prop in main.ts by hand');

  const sourceNames = [sources.valuesFile, ...(sources.configFile ? [sources.configFile] : [])];
  const header = [
    `Generated by \`cdk8s-gitlab-runner import\` from ${sourceNames.join(' and ')} (values of the official gitlab-runner chart).`,
    `Read IMPORT-REPORT.md beside this file: ${report.risky.length} risky setting(s), ${report.unmapped.length} key(s) not converted.`,
  ];
  return { mainTs: emitMainTs(plan, header), reportMd: report.toMarkdown(sourceNames), report };
}

/** `import` on files: reads them, writes main.ts and IMPORT-REPORT.md into `out`; returns what it printed. */
export function importChart(options: { values: string; config?: string; out: string; namespace: string }, ensureEmptyDir: (dir: string) => void): { log: string[]; result: ImportResult } {
  const read = (file: string, what: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new ImportInputError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  };
  const out = path.resolve(options.out);
  ensureEmptyDir(out);
  const result = convert({
    values: read(options.values, '--values'),
    valuesFile: path.basename(options.values),
    config: options.config === undefined ? undefined : read(options.config, '--config'),
    configFile: options.config === undefined ? undefined : path.basename(options.config),
    namespace: options.namespace,
  });
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'main.ts'), result.mainTs);
  fs.writeFileSync(path.join(out, 'IMPORT-REPORT.md'), result.reportMd);
  const r = result.report;
  return {
    result,
    log: [
      result.reportMd.trimEnd(),
      '',
      `wrote main.ts and IMPORT-REPORT.md into ${out}: ${r.converted.length} key(s) converted, ${r.unmapped.length} not converted, ${r.risky.length} risky`,
      `next: put main.ts into an app made by \`cdk8s-gitlab-runner init\` (it replaces that app's main.ts; rename the class in main.test.ts to ImportedRunners), then npm test && npm run synth`,
    ],
  };
}
