/**
 * Scenario h: generated props. fast-check builds managers and runners from values near the edges
 * of what Kubernetes and gitlab-runner take. Every stack the synth accepts must be accepted by the
 * real API server (server-side dry run, strict field validation, admission included) without a
 * warning; every stack it refuses must be refused with a message naming the construct path, the
 * field, the value and what is allowed, never a TypeError.
 */
import * as fs from 'fs';
import { App, Chart, Duration } from 'cdk8s';
import * as fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { GitLabRunnerManager } from '../../../src';
import { checkTable, RUNNER_KEYS_VERSION } from '../../../src/runner/config/runner-keys';
import { asList, KubeObject, LocalCluster } from '../cluster';

const RUNS = Number(process.env.E2E_PROPERTY_RUNS ?? 80);

/** Mostly values the components take, sometimes one they refuse: a stack is often wholly valid. */
function edge<T>(valid: T[], invalid: T[]): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: fc.constantFrom(...valid), weight: 12 }, { arbitrary: fc.constantFrom(...invalid), weight: 1 });
}
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });

const quantity = (kind: 'cpu' | 'memory') => kind === 'cpu'
  ? edge(['100m', '500m', '1', '2', '4', '1.5'], ['-1', 'abc', '1e3', '01', ''])
  : edge(['128Mi', '256Mi', '1Gi', '2Gi', '1G', '4Gi'], ['-1Gi', 'abc', '2TB', '']);
const range = (kind: 'cpu' | 'memory') => fc.record({ request: quantity(kind), limit: quantity(kind) }, { requiredKeys: [] });
const resources = fc.record({ cpu: range('cpu'), memory: range('memory') }, { requiredKeys: [] });
const dnsName = edge(['ci', 'gitlab-runner', 'team-a-builds', 'x'.repeat(40)], ['Runner', 'kube-system', 'default', 'a_b', '-ci', 'x'.repeat(64), '']);
const image = edge(['alpine:3.22', 'registry.example.com:5000/ci/tools:1.0', `alpine@sha256:${'a'.repeat(64)}`],
  ['Alpine:3', `alpine:${'t'.repeat(129)}`, 'alpine:latest', 'alpine', `alpine@sha256:${'A'.repeat(64)}`]);
const labelMap = fc.dictionary(
  edge(['team', 'example.com/pool', 'kubernetes.io/arch'], ['Bad Key', 'a'.repeat(64)]),
  edge(['a', 'amd64', '', 'off', 'x'.repeat(63)], ['x'.repeat(64), 'bad value']),
  { maxKeys: 2 },
);
const runner = fc.record({
  name: edge(['default', 'docker', 'big-builds'], ['Big', 'a'.repeat(70)]),
  buildNamespace: opt(dnsName),
  image: opt(image),
  buildResources: opt(resources),
  helperResources: opt(resources),
  nodeSelector: opt(labelMap),
  podLabels: opt(labelMap),
  environment: opt(fc.dictionary(edge(['A', 'B_1', 'GIT_DEPTH'], ['1A', 'a-b']), fc.string({ maxLength: 6 }), { maxKeys: 2 })),
  pollTimeout: opt(edge([60, 180, 600, 3600], [0, 1, 4_000_000_000]).map((s) => Duration.seconds(s))),
  limit: opt(edge([1, 10, 100], [0, -1, 2 ** 31, 1e20])),
});
const stack = fc.record({
  gitlabUrl: edge(['https://gitlab.example.com', 'https://gitlab.example.com:8443', 'https://[2001:db8::1]', 'https://gitlab.example.com/gitlab'],
    ['http://gitlab.local', 'https:gitlab.com', 'https://gitlab.example.com:0', 'https://gitlab example.com', 'https://gitlab.example.com\\x']),
  name: opt(dnsName),
  namespace: opt(dnsName),
  concurrent: opt(edge([1, 10, 200], [0, -5, 2 ** 31, 1e20, 1.5])),
  replicas: opt(edge([1, 2, 3], [0, -1, 2.5])),
  resources: opt(resources),
  runners: fc.array(runner, { minLength: 1, maxLength: 2 }),
});

type Outcome = { accepted: KubeObject[] } | { refused: Error };

function synth(props: any): Outcome {
  try {
    const app = new App({ outdir: fs.mkdtempSync('/tmp/cgr-prop-') });
    const chart = new Chart(app, 'stack');
    const manager = new GitLabRunnerManager(chart, 'manager', { ...props, runners: undefined } as any);
    props.runners.forEach((r: any, i: number) => manager.addRunner(`${r.name}${i || ''}`, { token: { secretName: `token-${i}` }, ...r, name: undefined }));
    return { accepted: app.charts.flatMap((c) => c.toJson()) as KubeObject[] };
  } catch (e) {
    return { refused: e as Error };
  }
}

// `path: invalid field value: allowed`, from a ConfigError or a synth-time validation.
const NAMED = /[\w./-]+: invalid \S+ .+: .+/;

describe('h. generated props', () => {
  let cluster: LocalCluster;
  beforeAll(async () => { cluster = await LocalCluster.start('generated'); });
  afterAll(async () => { await cluster?.stop(); });

  test(`${RUNS} generated stacks: accepted ones pass the API server, refused ones say why`, () => {
    const counts = { accepted: 0, refused: 0 };
    fc.assert(fc.property(stack, (props) => {
      const outcome = synth(props);
      if ('refused' in outcome) {
        counts.refused++;
        // THEN a refusal names path, field, value and what is allowed, and is no TypeError
        expect(outcome.refused).not.toBeInstanceOf(TypeError);
        expect(outcome.refused.message).toMatch(NAMED);
        return;
      }
      counts.accepted++;
      // THEN config.toml holds only keys of the runner's own config structs, each of its TOML type
      // (the key list generated from gitlab-runner's source: what the runner decodes without an
      // "unknown key" warning; the binary itself cannot be built here, see docs/e2e.md)
      for (const cm of outcome.accepted.filter((o) => o.kind === 'ConfigMap' && (o as any).data?.['config.template.toml'])) {
        expect({ version: RUNNER_KEYS_VERSION, problems: checkTable('', parseToml((cm as any).data['config.template.toml'])) }).toEqual({ version: RUNNER_KEYS_VERSION, problems: [] });
      }
      // THEN the API server accepts every object: Namespaces for real, the rest as a server-side dry run
      const namespaces = outcome.accepted.filter((o) => o.kind === 'Namespace');
      if (namespaces.length) cluster.apply(asList(namespaces));
      const rest = outcome.accepted.filter((o) => o.kind !== 'Namespace');
      const r = cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'apply', '--server-side', '--dry-run=server', '--field-manager=e2e', '-f', '-'],
        asList(rest));
      expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
    }), { numRuns: RUNS, verbose: true });
    fs.mkdirSync('reports', { recursive: true });
    fs.appendFileSync('reports/e2e-generated.log', `${new Date().toISOString()}: ${RUNS} generated stacks, ${counts.accepted} accepted by synth and the API server, ${counts.refused} refused with a named message\n`);
    process.stderr.write(`h. generated props: ${counts.accepted} accepted, ${counts.refused} refused\n`);
    // A run that accepts or refuses everything proves only half of the property.
    expect(counts.accepted).toBeGreaterThan(0);
    expect(counts.refused).toBeGreaterThan(0);
  });
});
