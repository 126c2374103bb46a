/**
 * Scenario b: the emitted chart through helm's whole lifecycle against a real API server:
 * install with default values, upgrade with a non-default values file, uninstall.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { helmBinary } from '../../helm';
import { LocalCluster } from '../cluster';
import { clusterFor, decode, provisionVolumes, repoRoot, runnerEntries } from '../stack';

const chart = path.join(repoRoot, 'charts', 'gitlab-runner-stack');

/** Runs helm against the cluster while provisioning the volumes its claims wait for. */
async function helmStep(cluster: LocalCluster, ...args: string[]): Promise<string> {
  const proc = spawn(helmBinary(), args, { env: { ...process.env, KUBECONFIG: cluster.kubeconfig, HELM_CACHE_HOME: path.join(cluster.dir, 'helm'), HELM_CONFIG_HOME: path.join(cluster.dir, 'helm'), HELM_DATA_HOME: path.join(cluster.dir, 'helm') } });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const done = new Promise<number>((resolve) => proc.on('close', (code) => resolve(code ?? 1)));
  const provisioner = setInterval(() => provisionVolumes(cluster), 1000);
  const code = await done.finally(() => clearInterval(provisioner));
  if (code !== 0) throw new Error(`helm ${args.join(' ')} failed (${code}):\n${out}`);
  return out;
}

function render(cluster: LocalCluster, ...args: string[]) {
  return decode(cluster.exec(helmBinary(), ['template', 'e2e', chart, ...args]).stdout);
}

describe('b. helm', () => {
  test('install with default values, upgrade with other values, uninstall', async () => {
    // GIVEN a fresh cluster with the nodes and CRDs the chart's default render expects
    const probe = decode(require('child_process').execFileSync(helmBinary(), ['template', 'e2e', chart]).toString());
    const cluster = await clusterFor('helm', probe);
    try {
      // WHEN the chart is installed with its default values, THEN helm waits for every workload and hook
      await helmStep(cluster, 'install', 'e2e', chart, '--namespace', 'default', '--wait', '--wait-for-jobs', '--timeout', '3m');
      const installed = render(cluster);
      for (const o of installed) {
        const ns = o.metadata.namespace ? ['-n', o.metadata.namespace] : [];
        const kind = o.apiVersion.includes('/') ? `${o.kind}.${o.apiVersion.split('/')[0]}` : o.kind;
        expect(cluster.kubectl('get', ...ns, kind, o.metadata.name, '-o', 'name').status).toBe(0);
      }

      // WHEN it is upgraded with a values file that changes the URL, turns cache and privileged builds off,
      // moves the default runner's builds to another namespace, and sets a private CA and a proxy
      const values = path.join(cluster.dir, 'values.yaml');
      fs.writeFileSync(values, stringify({
        gitlabUrl: 'https://gitlab.example.org',
        cache: { enabled: false },
        privileged: { enabled: false },
        runners: { default: { buildNamespace: 'ci-builds' } },
        manager: {
          caBundle: { secretName: 'corp-ca' },
          proxy: { httpsProxy: 'http://proxy.corp.example:3128', cidr: '10.20.30.40/32' },
          extraEnv: [{ name: 'TZ', value: 'Europe/Paris' }],
          extraVolumes: [{ name: 'extra', configMap: { name: 'runner-extra' } }],
          extraVolumeMounts: [{ name: 'extra', mountPath: '/etc/runner-extra', readOnly: true }],
          resources: { memory: { request: '256Mi', limit: '512Mi' } },
        },
      }));
      expect(cluster.kubectl('-n', 'gitlab-runner', 'create', 'secret', 'generic', 'corp-ca', '--from-literal=ca.crt=not-a-real-ca').status).toBe(0);
      expect(cluster.kubectl('-n', 'gitlab-runner', 'create', 'configmap', 'runner-extra', '--from-literal=a=b').status).toBe(0);
      await helmStep(cluster, 'upgrade', 'e2e', chart, '--namespace', 'default', '-f', values, '--wait', '--timeout', '3m');

      // THEN the manager runs the new config.toml: one runner, the new URL, the new namespace, no cache
      const upgraded = render(cluster, '-f', values);
      const runners = runnerEntries(upgraded);
      expect(runners.map((r) => [r.url, r.kubernetes.namespace, r.cache])).toEqual([['https://gitlab.example.org', 'ci-builds', undefined]]);
      const configMap = cluster.list('configmaps', '-A').find((c) => c.data?.['config.template.toml']);
      expect(configMap?.data['config.template.toml']).toContain('namespace = "ci-builds"');
      expect(cluster.kubectl('-n', 'ci-builds', 'get', 'role', '-o', 'name').stdout).toMatch(/role/);
      // AND the manager trusts the CA and goes through the proxy, whose port a policy of its own opens
      expect(runners.map((r) => r['tls-ca-file'])).toEqual(['/etc/gitlab-runner-ca/ca.crt']);
      expect(configMap?.data['config.template.toml']).toContain('tls-ca-file = "/etc/gitlab-runner-ca/ca.crt"');
      const manager = cluster.list('statefulsets', '-n', 'gitlab-runner')[0].spec.template.spec;
      expect(manager.volumes).toContainEqual(expect.objectContaining({ name: 'ca-bundle', secret: expect.objectContaining({ secretName: 'corp-ca' }) }));
      expect(manager.containers[0].env).toContainEqual({ name: 'HTTPS_PROXY', value: 'http://proxy.corp.example:3128' });
      // AND the extra env and the resources a Helm user set reach the admitted pod template
      expect(manager.containers[0].env).toContainEqual({ name: 'TZ', value: 'Europe/Paris' });
      expect(manager.containers[0].resources.limits.memory).toBe('512Mi');
      expect(manager.volumes).toContainEqual(expect.objectContaining({ name: 'extra', configMap: expect.objectContaining({ name: 'runner-extra' }) }));
      expect(manager.containers[0].volumeMounts).toContainEqual({ name: 'extra', mountPath: '/etc/runner-extra', readOnly: true });
      const proxyPolicy = cluster.list('networkpolicies', '-n', 'gitlab-runner').find((p) => p.metadata.name === 'gitlab-runner-proxy');
      expect(proxyPolicy?.spec.egress).toEqual([{ ports: [{ port: 3128, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.20.30.40/32' } }] }]);
      // AND what was switched off is gone from the cluster
      expect(cluster.list('deployments', '-A').map((d) => d.metadata.name)).not.toContain('minio');
      expect(cluster.list('nodepools.karpenter.sh')).toEqual([]);
      expect(cluster.list('validatingadmissionpolicies')).toEqual([]);

      // WHEN it is uninstalled, THEN helm removes the release and every object it made
      await helmStep(cluster, 'uninstall', 'e2e', '--namespace', 'default', '--wait', '--timeout', '3m');
      expect(cluster.exec(helmBinary(), ['list', '-A', '-q']).stdout.trim()).toBe('');
      for (const kind of ['statefulsets', 'roles', 'rolebindings', 'networkpolicies']) {
        expect(cluster.list(kind, '-A').filter((o) => o.metadata.namespace !== 'kube-system' && o.metadata.namespace !== 'kube-public')).toEqual([]);
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${cluster.logTail(5)}`);
    } finally {
      await cluster.stop();
    }
  });
});
