/**
 * Scenario f: runner identity. The real StatefulSet controller makes the manager's pods; each pod's
 * init container, run as the pod spec says (busybox, as in the alpine runner image), renders
 * config.toml and the runner system ID. Two replicas get different IDs; a pod that the controller
 * recreates after a restart gets its own ID back.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse as parseToml } from 'smol-toml';
import { busyboxBinWith, busyboxPath } from '../../helpers';
import { KubeObject, LocalCluster } from '../cluster';
import { withAppliedOutput } from '../stack';

/**
 * Runs a pod's render-config init container as the kubelet would: the ConfigMap and Secret
 * volumes laid out at their mount paths (under a temp root), env resolved from the pod.
 */
function runInitContainer(cluster: LocalCluster, pod: KubeObject): { systemId: string; config: any } {
  const root = fs.mkdtempSync(path.join(cluster.dir, `${pod.metadata.name}-`));
  const init = pod.spec.initContainers.find((c: any) => c.name === 'render-config');
  const at = (p: string) => path.join(root, p);
  for (const mount of init.volumeMounts) {
    const volume = pod.spec.volumes.find((v: any) => v.name === mount.name);
    fs.mkdirSync(at(mount.mountPath), { recursive: true });
    if (volume.configMap) {
      const cm = JSON.parse(cluster.kubectlOk('-n', pod.metadata.namespace!, 'get', 'configmap', volume.configMap.name, '-o', 'json'));
      for (const [key, value] of Object.entries(cm.data as Record<string, string>)) fs.writeFileSync(path.join(at(mount.mountPath), key), value);
    }
    if (volume.projected) {
      for (const source of volume.projected.sources) {
        for (const item of source.secret?.items ?? []) {
          fs.mkdirSync(path.dirname(path.join(at(mount.mountPath), item.path)), { recursive: true });
          fs.writeFileSync(path.join(at(mount.mountPath), item.path), `value-of-${source.secret.name}-${item.key}\n`);
        }
      }
    }
  }
  const env: Record<string, string> = { PATH: busyboxBinWith(['sh', 'awk', 'sha256sum', 'cut', 'chmod', 'mv', 'rm', 'cat', 'printf', 'echo', 'od', 'tr', 'head', 'grep', 'sed', 'wc']) };
  for (const e of init.env ?? []) env[e.name] = e.value ?? (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name' ? pod.metadata.name : '');
  // Absolute paths in the command and args point into the temp root.
  const rebase = (a: string) => (a.startsWith('/') && !a.startsWith('/bin/') ? at(a) : a);
  const [shell, ...args] = [...init.command, ...(init.args ?? [])].map(rebase);
  expect(shell).toBe('/bin/sh');
  execFileSync(busyboxPath()!, ['sh', ...args], { env, stdio: 'pipe' });
  const configDir = init.volumeMounts.map((m: any) => at(m.mountPath)).find((d: string) => fs.existsSync(path.join(d, '.runner_system_id')));
  return {
    systemId: fs.readFileSync(path.join(configDir, '.runner_system_id'), 'utf8'),
    config: parseToml(fs.readFileSync(path.join(configDir, 'config.toml'), 'utf8')),
  };
}

describe('f. runner identity', () => {
  test('two replicas get different system IDs; a restarted pod keeps its own', async () => {
    // GIVEN the reference stack applied, and its manager scaled to two replicas
    await withAppliedOutput('identity', 'dist', async (cluster, objects) => {
      const sts = objects.find((o) => o.kind === 'StatefulSet')!;
      const ns = sts.metadata.namespace!;
      cluster.kubectlOk('-n', ns, 'scale', 'statefulset', sts.metadata.name, '--replicas=2');
      const pods = () => cluster.list('pods', '-n', ns, '-l', Object.entries(sts.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(','));
      await cluster.waitFor('two manager pods', () => pods().filter((p) => p.status?.phase === 'Running').length === 2, 90_000);

      // WHEN each pod's init container runs
      const [first, second] = pods().sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      const a = runInitContainer(cluster, first);
      const b = runInitContainer(cluster, second);

      // THEN each replica has a well-formed system ID of its own, and a config.toml with every secret filled in
      expect(a.systemId).toMatch(/^s_[0-9a-zA-Z]{12}$/);
      expect(b.systemId).toMatch(/^s_[0-9a-zA-Z]{12}$/);
      expect(a.systemId).not.toBe(b.systemId);
      expect(JSON.stringify(a.config)).not.toContain('@@');
      expect(a.config.runners[0].token).toMatch(/^value-of-/);

      // WHEN the first pod is deleted and the controller recreates it (a new pod, same name)
      // --wait=false: the controller recreates a pod of the same name at once, which a waiting
      // kubectl can mistake for the one it deleted.
      cluster.kubectlOk('-n', ns, 'delete', 'pod', first.metadata.name, '--wait=false');
      await cluster.waitFor('the recreated pod', () => pods().some((p) => p.metadata.name === first.metadata.name && p.metadata.uid !== first.metadata.uid && p.status?.phase === 'Running'), 90_000);
      const recreated = pods().find((p) => p.metadata.name === first.metadata.name)!;

      // THEN it gets its own system ID back
      expect(recreated.metadata.uid).not.toBe(first.metadata.uid);
      expect(runInitContainer(cluster, recreated).systemId).toBe(a.systemId);
    });
  });
});
