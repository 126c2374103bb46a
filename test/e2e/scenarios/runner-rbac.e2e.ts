/**
 * Scenario e: the manager's ServiceAccount, with a real token (TokenRequest) against the real RBAC
 * authorizer, makes every call gitlab-runner's Kubernetes executor makes for a job, in each build
 * namespace, and nothing beyond. A Role with one rule removed must see a 403 (negative control).
 *
 * The real gitlab-runner binary cannot be built from the module proxy here (see docs/e2e.md), so
 * the calls are the executor's documented call list, made with kubectl as that ServiceAccount.
 */
import { stringify } from 'yaml';
import { KubeObject, LocalCluster } from '../cluster';
import { buildPod, clusterFor, readOutput, repoRoot, RunnerEntry, runnerEntries } from '../stack';

/** One executor call: what it does, and its result as the manager. */
interface Call { readonly name: string; readonly status: number; readonly forbidden: boolean; readonly output: string }

/** The calls the Kubernetes executor makes for one job in `runner`'s build namespace. */
function executorCalls(cluster: LocalCluster, kubeconfig: string, runner: RunnerEntry, job: string): Call[] {
  const ns = runner.kubernetes.namespace as string;
  const calls: Call[] = [];
  const call = (name: string, args: string[], input?: KubeObject) => {
    const r = cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', kubeconfig, '-n', ns, ...args], input ? stringify(input) : undefined);
    const output = `${r.stdout}${r.stderr}`;
    calls.push({ name, status: r.status, forbidden: /forbidden|\(Forbidden\)/i.test(output), output: output.trim() });
  };
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${job}-registry`, namespace: ns }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{}}').toString('base64') } };
  call('secrets create', ['create', '-f', '-'], secret);
  call('secrets get', ['get', 'secret', `${job}-registry`]);
  call('secrets update', ['replace', '-f', '-'], { ...secret, metadata: { ...secret.metadata, labels: { updated: 'true' } } });
  call('serviceaccounts get', ['get', 'serviceaccount', runner.kubernetes.service_account]);
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${job}-scripts`, namespace: ns }, data: { 'script.sh': 'true' } };
  call('configmaps create', ['create', '-f', '-'], configMap);
  call('configmaps get', ['get', 'configmap', `${job}-scripts`]);
  call('configmaps update', ['replace', '-f', '-'], { ...configMap, data: { 'script.sh': 'false' } });
  call('pods create', ['create', '-f', '-'], buildPod(runner, job));
  call('pods get', ['get', 'pod', job]);
  call('pods list', ['get', 'pods']);
  call('pods watch', ['get', 'pods', '--watch-only', '--request-timeout=1s']);
  call('services create', ['create', 'service', 'clusterip', `${job}-svc`, '--tcp=2376:2376']);
  call('services get', ['get', 'service', `${job}-svc`]);
  call('events list', ['get', 'events']);
  call('events watch', ['get', 'events', '--watch-only', '--request-timeout=1s']);
  // Subresources: the authorizer's answer (the calls themselves would go on to a kubelet).
  for (const [verb, resource] of [['create', 'pods/exec'], ['get', 'pods/exec'], ['create', 'pods/attach'], ['patch', 'pods/attach'], ['get', 'pods/log'], ['list', 'pods/log']]) {
    const [kind, subresource] = resource.split('/');
    call(`${resource} ${verb} (can-i)`, ['auth', 'can-i', verb, kind, `--subresource=${subresource}`]);
  }
  call('pods delete', ['delete', 'pod', job, '--wait=false']);
  call('secrets delete', ['delete', 'secret', `${job}-registry`]);
  call('configmaps delete', ['delete', 'configmap', `${job}-scripts`]);
  return calls;
}

/** A watch that times out on its own ends non-zero without being refused. */
const succeeded = (c: Call) => !c.forbidden && (c.status === 0 || (c.name.endsWith('watch') && /timeout|Client.Timeout/i.test(c.output)) || c.output === 'yes');

describe('e. runner RBAC', () => {
  let cluster: LocalCluster;
  let objects: KubeObject[];
  let managerKubeconfig: string;

  beforeAll(async () => {
    const output = readOutput(`${repoRoot}/dist`);
    objects = output.objects;
    cluster = await clusterFor('rbac', objects);
    cluster.apply(output.text);
    // GIVEN a token of the manager's ServiceAccount, as the kubelet would project it
    const manager = objects.find((o) => o.kind === 'StatefulSet')!;
    const token = cluster.kubectlOk('-n', manager.metadata.namespace!, 'create', 'token', manager.spec.template.spec.serviceAccountName, '--duration=10m').trim();
    managerKubeconfig = cluster.tokenKubeconfig('manager', token);
  });
  afterAll(async () => { await cluster?.stop(); });

  test('the manager makes every executor call in each build namespace, and is refused elsewhere', async () => {
    for (const runner of runnerEntries(objects)) {
      // WHEN the manager runs a job's calls in the runner's build namespace, THEN none is refused
      const calls = executorCalls(cluster, managerKubeconfig, runner, `job-${runner.name}`);
      expect(calls.filter((c) => !succeeded(c)).map((c) => `${runner.kubernetes.namespace}: ${c.name}: ${c.output}`)).toEqual([]);
    }
    // AND outside the build namespaces, and cluster-wide, it is refused (least privilege)
    const as = (...args: string[]) => cluster.kubectlAs(managerKubeconfig, ...args);
    const manager = objects.find((o) => o.kind === 'StatefulSet')!;
    for (const args of [['-n', manager.metadata.namespace!, 'get', 'secrets'], ['-n', 'default', 'get', 'pods'], ['get', 'nodes'], ['get', 'namespaces'],
      ['-n', manager.metadata.namespace!, 'auth', 'can-i', 'create', 'pods']]) {
      const r = as(...args);
      expect([args.join(' '), r.status !== 0 || r.stdout.trim() === 'no']).toEqual([args.join(' '), true]);
    }
  });

  test('negative control: with one rule removed from the executor Role, the same job sees a 403', async () => {
    const runner = runnerEntries(objects)[0];
    const ns = runner.kubernetes.namespace as string;
    // GIVEN the executor Role without its secrets rule
    const role = JSON.parse(cluster.kubectlOk('-n', ns, 'get', 'role', '-o', 'json')).items[0];
    role.rules = role.rules.filter((r: any) => !r.resources.includes('secrets'));
    cluster.exec(`${process.env.E2E_BIN}/kubectl`, ['--kubeconfig', cluster.kubeconfig, 'replace', '-f', '-'], JSON.stringify(role));
    // WHEN the manager runs the job's calls (the authorizer's cache follows the Role within moments)
    let calls: Call[] = [];
    await cluster.waitFor('the Role change to reach the authorizer', () => {
      calls = executorCalls(cluster, managerKubeconfig, runner, `job-${Date.now()}`);
      return calls.some((c) => c.forbidden);
    }, 30_000);
    // THEN exactly the secrets calls are refused with 403
    expect(calls.filter((c) => c.forbidden).map((c) => c.name)).toEqual(['secrets create', 'secrets get', 'secrets update', 'secrets delete']);
    expect(calls.find((c) => c.name === 'secrets create')!.output).toMatch(/\(Forbidden\)|forbidden/);
  });
});
