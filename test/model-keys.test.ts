import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'smol-toml';
import * as ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import * as dindKarpenter from '../examples/dind-karpenter/main';
import * as gke from '../examples/gke/main';
import * as minimal from '../examples/minimal/main';
import * as powerUser from '../examples/power-user/main';
import { AzureCache, CacheCredentials, ExistingNodePool, GcsCache, GitLabRunnerManager, S3Cache, Values } from '../src';
import { keyUse } from '../src/runner/config/key-uses';
import { managerStack, tmpdir } from './helpers';

// Issue 14: "model.ts has no key that no prop can set". Every key the config.toml model declares
// (read from model.ts with the TypeScript compiler, so a key added there is checked without
// touching this test) must appear in the config.toml of a stack built only from typed props:
// the examples, plus one stack per cache kind and the manager options no example sets.
// A key that no prop sets fails here: give it a prop, or remove it from the model and leave it
// to the escape hatch (KEY_USES).

const MODEL = path.join(__dirname, '..', 'src', 'runner', 'config', 'model.ts');

/** Every key path the model declares, e.g. `runners.kubernetes.volumes.pvc.sub_path`. */
function modelKeyPaths(): string[] {
  const source = ts.createSourceFile(MODEL, fs.readFileSync(MODEL, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const aliases = new Map<string, ts.TypeNode>();
  for (const s of source.statements) {
    if (ts.isInterfaceDeclaration(s)) interfaces.set(s.name.text, s);
    if (ts.isTypeAliasDeclaration(s)) aliases.set(s.name.text, s.type);
  }
  // A table of the model: an interface (or an alias of one), alone or as an array of tables.
  const tableOf = (type: ts.TypeNode | undefined): ts.InterfaceDeclaration | undefined => {
    if (!type) return undefined;
    if (ts.isArrayTypeNode(type)) return tableOf(type.elementType);
    if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
      const name = type.typeName.text;
      return interfaces.get(name) ?? tableOf(aliases.get(name));
    }
    return undefined;
  };
  const paths: string[] = [];
  const walk = (decl: ts.InterfaceDeclaration, prefix: string) => {
    for (const member of decl.members) {
      if (!ts.isPropertySignature(member)) continue;
      const key = ts.isStringLiteral(member.name) || ts.isIdentifier(member.name) ? member.name.text : member.name.getText(source);
      const at = prefix ? `${prefix}.${key}` : key;
      paths.push(at);
      const table = tableOf(member.type);
      if (table) walk(table, at);
    }
  };
  walk(interfaces.get('RunnerConfigToml')!, '');
  return paths;
}

/** Every key path of a parsed config.toml (arrays of tables share their path). */
function tomlKeyPaths(value: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) tomlKeyPaths(item, prefix, out);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      const at = prefix ? `${prefix}.${k}` : k;
      out.add(at);
      tomlKeyPaths(v, at, out);
    }
  }
  return out;
}

function configTomls(yamlText: string): unknown[] {
  return parseAllDocuments(yamlText).map((d) => d.toJS())
    .filter((o) => o?.kind === 'ConfigMap' && o.data?.['config.template.toml'])
    .map((o) => parse(o.data['config.template.toml']));
}

const selector = (key: string) => ({ matchLabels: { app: key }, matchExpressions: [{ key, operator: 'In' as const, values: ['a'] }] });
const podTerm = (key: string) => ({ topologyKey: 'kubernetes.io/hostname', labelSelector: selector(key), namespaces: ['ci'], namespaceSelector: selector(key) });
const nodeTerm = { matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In' as const, values: ['amd64'] }], matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: ['n1'] }] };
const resources = { cpu: { request: '1', limit: '2' }, memory: { request: '1Gi', limit: '2Gi' }, ephemeralStorage: { request: '1Gi', limit: '2Gi' } };
const containerContext = { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { add: ['CHOWN'], drop: ['ALL'] } };

/** Runners setting the typed props the examples leave out (one privileged, for what only it may set). */
function everyPropRunners(chart: Chart, manager: GitLabRunnerManager): void {
  manager.addRunner('every-prop', {
    token: { secretName: 'runner-token' },
    buildNamespace: 'ci-every-prop',
    limit: 4,
    pullPolicy: ['if-not-present'],
    imagePullSecrets: ['registry'],
    helperImage: 'registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-v18.9.0',
    buildResources: resources, helperResources: resources, serviceResources: resources,
    priorityClassName: 'ci',
    podAnnotations: { 'example.com/team': 'ci' },
    affinity: {
      nodeAffinity: { required: [nodeTerm], preferred: [{ weight: 1, preference: nodeTerm }] },
      podAffinity: { required: [podTerm('a')], preferred: [{ weight: 1, podAffinityTerm: podTerm('b') }] },
      podAntiAffinity: { required: [podTerm('c')], preferred: [{ weight: 1, podAffinityTerm: podTerm('d') }] },
    },
    dnsConfig: { nameservers: ['10.0.0.10'], searches: ['ci.svc.cluster.local'], options: [{ name: 'ndots', value: '2' }] },
    podSecurityContext: { fsGroup: 1000, runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true, supplementalGroups: [2000] },
    buildContainerSecurityContext: containerContext,
    helperContainerSecurityContext: containerContext,
    serviceContainerSecurityContext: containerContext,
    volumes: {
      emptyDir: [{ name: 'scratch', mountPath: '/scratch', medium: 'Memory', sizeLimit: '1Gi' }],
      secret: [{ secretName: 'ci-secret', mountPath: '/secret', items: { token: 'token' } }],
      configMap: [{ configMapName: 'ci-scripts', mountPath: '/opt/ci', items: { 'run.sh': 'run.sh' } }],
      pvc: [{ claimName: 'ci-data', mountPath: '/data', subPath: 'ci', readOnly: true }],
      csi: [{ name: 'ci-csi', mountPath: '/csi', driver: 'secrets-store.csi.k8s.io', fsType: 'ext4', subPath: 'ci', readOnly: true, volumeAttributes: { a: 'b' } }],
    },
    jobOverrides: { maxBuildResources: resources, maxHelperResources: resources, maxServiceResources: resources },
  });
  const pool = new ExistingNodePool(chart, 'pool', { taint: { key: 'dedicated', value: 'ci-privileged', effect: 'NoSchedule' }, nodeNames: ['n1'] });
  manager.addDindRunner('every-prop-privileged', {
    token: { secretName: 'runner-dind-token' },
    nodePool: pool,
    buildContainerSecurityContext: { privileged: true },
    serviceContainerSecurityContext: { privileged: true, allowPrivilegeEscalation: true },
    volumes: { hostPath: [{ name: 'layers', mountPath: '/var/cache/layers', hostPath: '/var/cache/ci-layers', readOnly: true }] },
  });
}

/** The stacks: the examples, and typed props no example sets. */
function typedPropStacks(): unknown[] {
  const examples = [minimal, dindKarpenter, gke, powerUser].map((example) => {
    const app = new App({ outdir: tmpdir('model-keys-'), recordConstructMetadata: false });
    example.build(app);
    return app.synthYaml();
  });
  const chart = Testing.chart();
  const manager = new GitLabRunnerManager(chart, 'manager', {
    gitlabUrl: 'https://gitlab.example.com', connectionMaxAge: Duration.minutes(5), caBundle: { configMapName: 'corp-ca' },
  });
  const token = { secretName: 'runner-token' };
  manager.addRunner('s3', { token }).useCache(new S3Cache(chart, 's3', {
    bucketName: 'acme-ci-cache', region: 'eu-west-1', pathStyle: true,
    credentials: CacheCredentials.fromSecret('s3-cache-keys'),
    serverSideEncryption: { type: 'KMS', kmsKeyId: 'alias/runner-cache' },
  }));
  manager.addRunner('gcs', { token }).useCache(new GcsCache(chart, 'gcs', { bucketName: 'acme-ci-cache', credentialsFile: { secretName: 'gcs-cache-key' } }));
  manager.addRunner('azure', { token }).useCache(new AzureCache(chart, 'azure', {
    accountName: 'runnercache', containerName: 'runner-cache', accountKey: { secretName: 'azure-cache-key' }, storageDomain: 'blob.core.chinacloudapi.cn',
  }));
  everyPropRunners(chart, manager);
  return [...examples.flatMap(configTomls), ...configTomls(Testing.synth(chart).map((o) => JSON.stringify(o)).join('\n---\n'))];
}

describe('the config.toml model', () => {
  const declared = modelKeyPaths();

  test('THEN the compiler finds the model\'s keys, nested tables included', () => {
    expect(declared).toEqual(expect.arrayContaining([
      'concurrent', 'runners.name', 'runners.kubernetes.namespace', 'runners.kubernetes.volumes.pvc.sub_path',
      'runners.kubernetes.affinity.node_affinity.required_during_scheduling_ignored_during_execution.node_selector_terms.match_expressions.key',
      'runners.kubernetes.pod_spec.patch_type', 'runners.cache.s3.ServerSideEncryptionKeyID', 'runners.cache.azure.StorageDomain',
    ]));
  });

  test('GIVEN stacks built from typed props only WHEN synthesized THEN every key of the model appears in a config.toml', () => {
    const written = new Set<string>();
    for (const toml of typedPropStacks()) tomlKeyPaths(toml, '', written);
    expect(declared.filter((p) => !written.has(p))).toEqual([]);
  });

  test('THEN no key of the model is left to the escape hatch or refused in KEY_USES', () => {
    // A model key is one a prop or the library sets: KEY_USES must say so, or the raw escape
    // hatch could set it too and conflict.
    // Leaves only: a table the model declares may hold other keys the escape hatch sets.
    const leaves = declared.filter((p) => !declared.some((q) => q.startsWith(`${p}.`)));
    const misfiled = leaves.filter((p) => {
      const use = keyUse(p);
      return use !== undefined && ('escapeHatch' in use || 'refused' in use)
        // A credential the library fills in from a Secret at pod start: in the model, refused raw.
        && !/^runners\.cache\.(s3\.(AccessKey|SecretKey)|azure\.AccountKey)$/.test(p);
    });
    expect(misfiled).toEqual([]);
  });
});

describe('connectionMaxAge', () => {
  const globalOf = (objects: any[]) => parse(objects.find((o) => o.kind === 'ConfigMap' && o.data?.['config.template.toml']).data['config.template.toml']) as any;

  test('GIVEN no connectionMaxAge THEN the key is left out (the runner\'s 15 minutes apply)', () => {
    expect(globalOf(managerStack().objects).connection_max_age).toBeUndefined();
  });

  test.each<[string, Duration, string]>([
    ['5m', Duration.minutes(5), '5m'],
    ['1h', Duration.hours(1), '1h'],
    ['90s', Duration.seconds(90), '90s'],
  ])('GIVEN Duration %s THEN config.toml holds that Go duration', (_what, value, expected) => {
    expect(globalOf(managerStack({ connectionMaxAge: value }).objects).connection_max_age).toBe(expected);
  });

  test.each<[string, unknown, string]>([
    ['zero', Duration.seconds(0), 'invalid connectionMaxAge "0 seconds"'],
    ['a fraction of a second', Duration.millis(1500), 'invalid connectionMaxAge'],
    ['a string', '15m', 'invalid connectionMaxAge "15m"'],
  ])('GIVEN %s THEN synth fails naming connectionMaxAge', (_what, value, message) => {
    expect(() => managerStack({ connectionMaxAge: value as Duration })).toThrow(message);
    expect(() => managerStack({ connectionMaxAge: value as Duration })).toThrow(/must be a Duration of whole seconds/);
  });

  test('GIVEN a Helm value THEN it is refused: the chart does not compute the duration string', () => {
    const chart = Testing.chart();
    expect(() => new GitLabRunnerManager(chart, 'm', {
      gitlabUrl: 'https://g.example.com', connectionMaxAge: Duration.seconds(Values.of(chart).number('maxAge', { default: 900, description: 'm' })),
    })).toThrow('test/m: invalid connectionMaxAge "Values \\"maxAge\\"": cannot be a Helm value');
  });

  test('GIVEN connection_max_age raw THEN it is refused: the typed prop sets it', () => {
    expect(() => managerStack({ rawConfig: { connection_max_age: '5m' } })).toThrow(/connection_max_age .*is set by the typed prop connectionMaxAge/);
  });
});
